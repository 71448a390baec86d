/**
 * Whether a provider's address is on this machine or the local network, for
 * privacy mode. Judged from the URL alone (no DNS lookup on the request path):
 * loopback, private and link-local IPv4 and IPv6 ranges, `.local`/`.lan`/
 * `.home.arpa`/`.internal` names and single-label host names count as local.
 */

const PRIVATE_V4: readonly [number, number, number][] = [
  // [first octet, second octet min, second octet max]
  [10, 0, 255],
  [127, 0, 255],
  [172, 16, 31],
  [192, 168, 168],
  [169, 254, 254],
  [100, 64, 127], // carrier-grade NAT, used by Tailscale
];
const LOCAL_SUFFIXES = ['.local', '.lan', '.home.arpa', '.internal', '.localhost'];

export function isOnThisMachineOrLan(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === 'localhost') return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return PRIVATE_V4.some(([first, min, max]) => a === first && b >= min && b <= max);
  }
  if (host.includes(':')) {
    // IPv6: loopback, unique local (fc00::/7), link-local (fe80::/10).
    return host === '::1' || /^f[cd][0-9a-f]{0,2}:/.test(host) || /^fe[89ab][0-9a-f]?:/.test(host);
  }
  if (!host.includes('.')) return true;
  return LOCAL_SUFFIXES.some((suffix) => host.endsWith(suffix));
}

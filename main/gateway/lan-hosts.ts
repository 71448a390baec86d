/**
 * The names other machines use to reach this one, for the Host allowlist when
 * the API is exposed to the network: every non-internal address of this
 * machine, its host name and `<hostname>.local` (mDNS), each with the port.
 */
import { hostname, networkInterfaces } from 'node:os';

export function lanHosts(port: number, interfaces = networkInterfaces(), name = hostname()): string[] {
  const hosts = new Set<string>();
  for (const list of Object.values(interfaces)) {
    for (const address of list ?? []) {
      if (address.internal) continue;
      hosts.add(address.family === 'IPv6' ? `[${address.address.split('%')[0]}]:${port}` : `${address.address}:${port}`);
    }
  }
  const lower = name.toLowerCase();
  hosts.add(`${lower}:${port}`);
  if (!lower.endsWith('.local')) hosts.add(`${lower}.local:${port}`);
  return [...hosts];
}

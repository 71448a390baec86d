/**
 * Route targets as written in the config: `local:<model>` (or a bare local
 * model name) and `<provider>:<model>`. Model names may hold colons of their
 * own (`den-pc:qwen2.5:14b`): only the first colon separates the provider.
 */
import type { Tier } from '../requests/types.js';

export type TargetRef =
  | { readonly kind: 'local'; readonly label: string; readonly model: string }
  | { readonly kind: 'remote'; readonly label: string; readonly provider: string; readonly model: string };

export function parseTarget(text: string, providers: ReadonlySet<string>): TargetRef {
  const colon = text.indexOf(':');
  if (colon > 0) {
    const prefix = text.slice(0, colon);
    const model = text.slice(colon + 1);
    if (prefix === 'local') return { kind: 'local', label: `local:${model}`, model };
    if (providers.has(prefix)) return { kind: 'remote', label: text, provider: prefix, model };
  }
  return { kind: 'local', label: `local:${text}`, model: text };
}

/** `cloud` for paid services, `network` for servers of yours on the LAN or a cluster. */
export function remoteTier(kind: 'cloud' | 'self-hosted'): Tier {
  return kind === 'cloud' ? 'cloud' : 'network';
}

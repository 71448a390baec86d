/**
 * How the library reaches the Hugging Face hub: the endpoint and dispatcher
 * it was given, and the access token read from the secret store for each
 * call (a token saved in settings applies at once). The token goes into the
 * hub client's options and nowhere else: hubFailure scrubs it from messages.
 */
import type { Dispatcher } from 'undici';
import { GatewayError } from '../../gateway/errors.js';
import { HubError, resolveHubEndpoint } from '../hub.js';
import { redact } from '../../secrets/redact.js';
import type { SecretStore } from '../../secrets/store.js';

/** The secret-store name of the Hugging Face access token. */
export const HF_TOKEN_SECRET = 'huggingface-token';

export interface HubSettings {
  /** Hub base URL; `HF_ENDPOINT` from `env`, else https://huggingface.co. */
  readonly endpoint?: string;
  readonly dispatcher?: Dispatcher;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface HubAccessOptions {
  readonly hub?: HubSettings;
  /** Where the token is read from; without one, hub calls go unauthenticated. */
  readonly secrets?: Pick<SecretStore, 'get'>;
  readonly tokenSecretName?: string;
  /** Notes for the engine log (never secrets). */
  readonly log: (line: string) => void;
}

/** What the hub client functions (models/hub.ts, models/download.ts) take. */
export interface HubClientSettings {
  readonly endpoint: string;
  readonly token?: string;
  readonly dispatcher?: Dispatcher;
}

export class HubAccess {
  constructor(private readonly options: HubAccessOptions) {}

  /** The Hugging Face token, read fresh so a token saved in settings applies at once. */
  async token(): Promise<string | undefined> {
    if (!this.options.secrets) return undefined;
    try {
      return await this.options.secrets.get(this.options.tokenSecretName ?? HF_TOKEN_SECRET);
    } catch (error) {
      // SecretStoreError messages name the file, never a value.
      this.options.log(`could not read the Hugging Face token, continuing without it: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  clientSettings(token: string | undefined): HubClientSettings {
    const hub = this.options.hub ?? {};
    return {
      endpoint: resolveHubEndpoint({ endpoint: hub.endpoint, env: hub.env }),
      ...(token ? { token } : {}),
      ...(hub.dispatcher ? { dispatcher: hub.dispatcher } : {}),
    };
  }
}

/** A hub failure as the OpenAI-shaped error our clients see, without the token. Anything else passes through. */
export function hubFailure(error: unknown, token: string | undefined, param: string | null = null): unknown {
  if (!(error instanceof HubError)) return error;
  const message = redact(error.message, { secrets: [token] });
  switch (error.code) {
    case 'invalid_request':
      return new GatewayError({ status: 400, code: 'invalid_value', param, message });
    case 'not_found':
      return new GatewayError({ status: 404, code: 'hub_not_found', param, message });
    case 'auth_required':
      return new GatewayError({ status: 403, code: 'hub_auth_required', param, message });
    case 'rate_limited':
      return new GatewayError({ status: 429, code: 'hub_rate_limited', message, headers: { 'Retry-After': '60' } });
    case 'network':
      return new GatewayError({ status: 502, code: 'hub_unreachable', message });
    default:
      return new GatewayError({ status: 502, code: 'hub_error', message });
  }
}

import { parseArgs } from 'node:util';
import { KEYS_USAGE, KeysUsageError, parseKeysArgs, type KeysArgs } from './keys/keys-cli.js';
import { PROBE_USAGE, ProbeUsageError, parseProbeArgs, type ProbeArgs } from './probe/probe-cli.js';
import { SECRETS_USAGE, SecretsUsageError, parseSecretsArgs, type SecretsArgs } from './secrets/secrets-cli.js';

export interface ServeArgs {
  readonly command: 'serve';
  readonly models: readonly string[];
  /** Serve the demo model bundled with Homeport (beside any --model). */
  readonly demo: boolean;
  readonly port?: number;
  readonly dataDir?: string;
  readonly config?: string;
  readonly parallel?: number;
  readonly ctx?: number;
  readonly threads?: number;
  /** `--host 0.0.0.0` exposes /v1 to the network (needs an app key); `127.0.0.1` keeps it on this machine. */
  readonly host?: '127.0.0.1' | '0.0.0.0';
}
export interface PullArgs {
  readonly command: 'pull';
  /** `REPO[:FILE]`, e.g. `bartowski/Llama-3.2-1B-Instruct-GGUF:Llama-3.2-1B-Instruct-Q4_K_M.gguf`. */
  readonly spec: string;
  readonly dataDir?: string;
  readonly revision?: string;
}
/** `homeport panel-url`: print the panel's address with this data dir's control token. */
export interface PanelUrlArgs {
  readonly command: 'panel-url';
  readonly dataDir?: string;
  readonly config?: string;
  readonly port?: number;
}
export interface HelpArgs {
  readonly command: 'help';
}
export type CliArgs = ServeArgs | PullArgs | PanelUrlArgs | HelpArgs | KeysArgs | SecretsArgs | ProbeArgs;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage:
  homeport serve [--model PATH.gguf ...] [--demo] [--port N] [--data-dir DIR] [--config FILE]
                 [--parallel N] [--ctx N] [--threads N]

  --model PATH     a GGUF model to serve (repeatable); replaces the configured models
  --demo           serve the small demo model bundled with Homeport (stories260k, 1.2 MB, works offline);
                   with nothing configured or found, serve serves it anyway and says so
  --port N         gateway port on 127.0.0.1 (default 4663)
  --data-dir DIR   where config.json and models/ live (default: $HOMEPORT_DATA_DIR or ~/.local/share/homeport)
  --config FILE    config file (default: DATA_DIR/config.json)
  --parallel N     parallel request slots per model (default 4)
  --ctx N          context tokens per slot (default 2048)
  --threads N      CPU threads per model (default: half the cores, never more than the cores)
  --host ADDR      127.0.0.1 (default) or 0.0.0.0 to serve /v1 to the local network; needs an app key
                   (homeport keys create NAME); the control API and panel stay on this machine

  homeport pull REPO[:FILE] [--data-dir DIR] [--revision REV]

  Downloads a GGUF model from Hugging Face (HF_ENDPOINT to use a mirror) into DATA_DIR/models,
  resuming an interrupted download and verifying its sha256. Without FILE, picks a Q4_K_M-class file.

  homeport panel-url [--data-dir DIR] [--config FILE] [--port N]

  Prints the control panel's address with this data dir's control token (http://127.0.0.1:PORT/?token=…);
  open it in a browser while homeport serve runs. Scripts send the token as Authorization: Bearer.

${KEYS_USAGE}

${PROBE_USAGE}

${SECRETS_USAGE}
`;

function listenHost(value: string): '127.0.0.1' | '0.0.0.0' {
  if (value === '127.0.0.1' || value === 'localhost') return '127.0.0.1';
  if (value === '0.0.0.0') return '0.0.0.0';
  throw new UsageError(`--host must be 127.0.0.1 (this machine only) or 0.0.0.0 (the local network too), not "${value}"`);
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number of at least 1 (got "${value}")`);
  return n;
}

/** Strict parse of the command line: unknown flags and bad values are usage errors. */
export function parseCli(argv: readonly string[]): CliArgs {
  if (argv[0] === 'secrets') {
    try {
      return parseSecretsArgs(argv.slice(1));
    } catch (error) {
      if (error instanceof SecretsUsageError) throw new UsageError(error.message);
      throw error;
    }
  }
  if (argv[0] === 'probe') {
    try {
      return parseProbeArgs(argv.slice(1));
    } catch (error) {
      if (error instanceof ProbeUsageError) throw new UsageError(error.message);
      throw error;
    }
  }
  if (argv[0] === 'keys') {
    try {
      return parseKeysArgs(argv.slice(1));
    } catch (error) {
      if (error instanceof KeysUsageError) throw new UsageError(error.message);
      throw error;
    }
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        model: { type: 'string', multiple: true, short: 'm' },
        demo: { type: 'boolean' },
        port: { type: 'string', short: 'p' },
        'data-dir': { type: 'string' },
        config: { type: 'string', short: 'c' },
        parallel: { type: 'string' },
        ctx: { type: 'string' },
        threads: { type: 'string', short: 't' },
        host: { type: 'string' },
        revision: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  const command = positionals[0] ?? 'serve';
  if (command === 'help') return { command: 'help' };
  if (command === 'pull') return parsePull(values, positionals);
  if (command === 'panel-url') return parsePanelUrl(values, positionals);
  if (command !== 'serve') throw new UsageError(`unknown command "${command}"`);
  if (values.revision !== undefined) throw new UsageError('--revision is an option of "pull", not "serve"');
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const port = positiveInt('port', values.port);
  if (port !== undefined && port > 65535) throw new UsageError(`--port must be at most 65535 (got ${port})`);
  return {
    command: 'serve',
    models: values.model ?? [],
    demo: values.demo ?? false,
    port,
    dataDir: values['data-dir'],
    config: values.config,
    parallel: positiveInt('parallel', values.parallel),
    ctx: positiveInt('ctx', values.ctx),
    threads: positiveInt('threads', values.threads),
    ...(values.host !== undefined ? { host: listenHost(values.host) } : {}),
  };
}

function parsePull(values: { model?: string[]; demo?: boolean; port?: string; config?: string; parallel?: string; ctx?: string; threads?: string; 'data-dir'?: string; revision?: string }, positionals: readonly string[]): PullArgs {
  const spec = positionals[1];
  if (!spec) throw new UsageError('pull needs a model: homeport pull REPO[:FILE]');
  if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`);
  for (const flag of ['model', 'demo', 'port', 'config', 'parallel', 'ctx', 'threads'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} is an option of "serve", not "pull"`);
  }
  return { command: 'pull', spec, dataDir: values['data-dir'], revision: values.revision };
}

function parsePanelUrl(values: { model?: string[]; demo?: boolean; port?: string; config?: string; parallel?: string; ctx?: string; threads?: string; 'data-dir'?: string; revision?: string }, positionals: readonly string[]): PanelUrlArgs {
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  for (const flag of ['model', 'demo', 'parallel', 'ctx', 'threads', 'revision'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} is not an option of "panel-url"`);
  }
  const port = positiveInt('port', values.port);
  if (port !== undefined && port > 65535) throw new UsageError(`--port must be at most 65535 (got ${port})`);
  return { command: 'panel-url', dataDir: values['data-dir'], config: values.config, port };
}

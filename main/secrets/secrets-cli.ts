/**
 * `homeport secrets set NAME | list | delete NAME`: cloud keys and the
 * Hugging Face token in the secret store. A value is read from stdin when it
 * is piped, or from a prompt that does not echo — never from the command
 * line, where other users could read it in the process list and it would
 * stay in the shell history. `list` prints names, set/not set and where the
 * value comes from (store or environment), never a value.
 */
import { parseArgs } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { createSecretStore } from './store.js';
import { SecretResolver } from './resolver.js';
import { SecretStoreError } from './store.js';

export interface SecretsArgs {
  readonly command: 'secrets';
  readonly action: 'set' | 'list' | 'delete';
  readonly name?: string;
  readonly dataDir?: string;
}

export class SecretsUsageError extends Error {
  override readonly name = 'SecretsUsageError';
}

export const SECRETS_USAGE = `  homeport secrets set NAME [--data-dir DIR]     value from stdin (echo KEY | homeport secrets set openai) or a hidden prompt
  homeport secrets list [--data-dir DIR]         names, set or not, and whether from the store or the environment
  homeport secrets delete NAME [--data-dir DIR]

  Cloud API keys and the Hugging Face token (huggingface-token). A provider's key is the secret named in
  its apiKeySecret (default: the provider's name); without it, <NAME>_API_KEY (e.g. OPENAI_API_KEY) or HF_TOKEN is used.`;

export function parseSecretsArgs(argv: readonly string[]): SecretsArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { 'data-dir': { type: 'string' } } });
  } catch (error) {
    throw new SecretsUsageError((error as Error).message);
  }
  const [action, name, extra] = parsed.positionals;
  const dataDir = parsed.values['data-dir'];
  if (action === 'list') {
    if (name !== undefined) throw new SecretsUsageError(`unexpected argument "${name}"`);
    return { command: 'secrets', action, ...(dataDir ? { dataDir } : {}) };
  }
  if (action === 'set' || action === 'delete') {
    if (!name) throw new SecretsUsageError(`secrets ${action} needs a NAME, e.g. homeport secrets ${action} openai`);
    if (extra !== undefined) {
      throw new SecretsUsageError(
        action === 'set'
          ? 'secret values are never taken from the command line (the process list and shell history would keep them): pipe the value in, or run without it to be prompted'
          : `unexpected argument "${extra}"`,
      );
    }
    return { command: 'secrets', action, name, ...(dataDir ? { dataDir } : {}) };
  }
  throw new SecretsUsageError(action ? `unknown secrets command "${action}" (set, list, delete)` : 'secrets needs a command: set, list or delete');
}

export interface SecretsIo {
  readonly stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Where the prompt is written (stderr, so stdout stays clean). */
  readonly promptTo: Writable;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function runSecretsCommand(args: SecretsArgs, stateDir: string, io: SecretsIo): Promise<number> {
  const secrets = new SecretResolver({ store: createSecretStore({ dir: stateDir }), ...(io.env ? { env: io.env } : {}) });
  try {
    if (args.action === 'list') {
      for (const s of await secrets.list()) io.out(`${s.name}\t${s.set ? `set (${s.source === 'env' ? `environment: ${s.env.join(' or ')}` : 'store'})` : `not set (or ${s.env.join(' or ')})`}`);
      return 0;
    }
    const name = args.name!;
    if (args.action === 'delete') {
      const removed = await secrets.delete(name);
      io.out(removed ? `Deleted ${name}.` : `No secret ${name} is stored.`);
      return removed ? 0 : 1;
    }
    const value = io.stdin.isTTY ? await promptHidden(`Value for ${name} (not shown): `, io) : await readAll(io.stdin);
    if (!value) {
      io.err(`homeport: no value given for ${name}; nothing changed`);
      return 2;
    }
    await secrets.set(name, value);
    io.out(`Saved ${name} in ${secrets.path}.`);
    return 0;
  } catch (error) {
    if (error instanceof SecretStoreError) {
      io.err(`homeport: ${error.message}`);
      return error.code === 'invalid_name' || error.code === 'invalid_value' ? 2 : 1;
    }
    throw error;
  }
}

/** All of stdin, without the trailing newline a pipe or heredoc adds. */
async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** One line from a terminal with echo off (raw mode), Ctrl-C cancels. */
function promptHidden(question: string, io: SecretsIo): Promise<string> {
  return new Promise((resolve) => {
    const { stdin } = io;
    io.promptTo.write(question);
    let value = '';
    stdin.setRawMode?.(true);
    stdin.resume();
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(value);
        if (ch === '\u0003') return done('');
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = (result: string) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.promptTo.write('\n');
      resolve(result);
    };
    stdin.on('data', onData);
  });
}

/**
 * Entry of the embedded runtime: a child process that loads one GGUF model
 * with node-llama-cpp and serves an OpenAI-compatible API on 127.0.0.1.
 *
 *   embedded-worker --model PATH --port P [--host 127.0.0.1] [--model-id ID]
 *     [--parallel N] [--ctx N] [--threads N] [--queue N] [--batch N]
 *
 * The per-launch key every request must carry comes in the environment
 * variable HOMEPORT_WORKER_KEY (request-guard.ts); without it the worker
 * refuses to start.
 *
 * Exit codes: 0 after SIGTERM/SIGINT or when the parent is gone, 1 when the
 * model cannot be loaded or the port cannot be bound, 2 for a bad command line
 * or a missing key.
 * One line on stdout when ready; diagnostics on stderr.
 *
 *   embedded-worker --spare --port P [--host 127.0.0.1] [--threads N]
 *
 * starts a spare (spare-args.ts): it goes as far as a start can without a
 * model (Node, node-llama-cpp, getLlama) and waits for POST /spare/adopt,
 * which names the model; from then on it is that model's worker.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Llama } from 'node-llama-cpp';
import type { ModelHost } from './model-host.js';
import { watchParent } from './parent-watch.js';
import { EXIT_MODEL_UNUSABLE } from './exit-codes.js';
import { WORKER_KEY_ENV } from './request-guard.js';
import { parseWorkerArgs, WORKER_USAGE, type WorkerOptions } from './worker-args.js';
import { isSpareCommandLine, parseAdoption, parseSpareArgs, SPARE_USAGE, type SpareOptions } from './spare-args.js';
import { WorkerServer } from './worker-server.js';

const SHUTDOWN_DEADLINE_MS = 1800;

function log(line: string): void {
  process.stderr.write(`homeport-embedded: ${line}\n`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * node-llama-cpp reports a file that ends early or has a damaged header as a
 * bare TypeError from deep inside its reader; say what that means.
 */
function describeLoadError(error: unknown): string {
  if (error instanceof TypeError) return `the file is not a complete GGUF model (truncated or corrupt?): ${error.message}`;
  return describe(error);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const cpuCount = availableParallelism();
  let spare: SpareOptions | undefined;
  let options: WorkerOptions | undefined;
  if (isSpareCommandLine(argv)) {
    const parsed = parseSpareArgs(argv, { cpuCount });
    if (!parsed.ok) {
      log(`${parsed.message}\n${SPARE_USAGE}`);
      process.exit(2);
    }
    spare = parsed.options;
  } else {
    const parsed = parseWorkerArgs(argv, { cpuCount });
    if (!parsed.ok) {
      log(`${parsed.message}\n${WORKER_USAGE}`);
      process.exit(2);
    }
    options = parsed.options;
  }
  const key = process.env[WORKER_KEY_ENV] ?? '';
  // Nothing this process starts needs the key.
  delete process.env[WORKER_KEY_ENV];
  if (key.length < 16) {
    log(`${WORKER_KEY_ENV} must hold the per-launch key (at least 16 characters); the worker never serves without one`);
    process.exit(2);
  }

  const modelCreated = options === undefined ? 0 : await modelFileCreated(options.modelPath);
  const bind = spare ?? options!;

  const server = new WorkerServer({ host: bind.host, port: bind.port, modelCreated, log, key });
  let port: number;
  try {
    port = await server.listen();
  } catch (error) {
    log(`cannot listen on ${bind.host}:${bind.port}: ${describe(error)}`);
    process.exit(1);
  }

  const loading = new AbortController();
  let host: ModelHost | undefined;
  /** A spare's Llama, until a model host owns it. */
  let llama: Llama | undefined;
  let stopping = false;

  const shutdown = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`shutting down (${reason})`);
    setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS).unref();
    loading.abort(new Error(reason));
    try {
      await server.close();
      if (host !== undefined) await host.dispose();
      else await llama?.dispose();
    } catch (error) {
      log(`error while shutting down: ${describe(error)}`);
    }
    process.exit(0);
  };

  // `on`, not `once`: signal-exit (loaded with node-llama-cpp) re-raises a signal that has no
  // listener left besides its own, which would kill the process mid-shutdown.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  watchParent({ onParentGone: (reason) => void shutdown(reason) });

  // The path to the first token, in order: import node-llama-cpp (~0.45 s), getLlama (~0.6 s, nearly all
  // of it waiting for the child process in which node-llama-cpp test-loads its native binary on Linux),
  // load the model, create the context. The request handlers (zod, grammar, tool calls: ~0.15 s) are
  // imported while that child runs, not before, so they cost no time on that path.
  let routes: Promise<void> | undefined;
  // A spare takes its adoption from the moment it listens, even while node-llama-cpp is still loading.
  const adoption = spare === undefined ? undefined : server.awaitAdoption((body) => parseAdoption(body, { ...spare, port }, { cpuCount }));
  try {
    // node-llama-cpp is imported only now, after listen: the port answers within milliseconds of the start.
    const { loadModelHost, prepareLlama } = await import('./model-host.js');
    if (spare !== undefined && adoption !== undefined) {
      const prepared = prepareLlama({ threads: spare.threads, log });
      routes = server.loadRoutes();
      routes.catch(() => undefined); // reported below, after the model's outcome
      llama = await prepared;
      if (stopping) return;
      server.markSparePrepared();
      log(`spare ready (threads=${spare.threads}): node-llama-cpp loaded, waiting for a model`);
      options = await adoption;
      log(`adopted as the worker of ${options.modelId} (${options.modelPath})`);
      server.setModelCreated(await modelFileCreated(options.modelPath));
      host = await loadModelHost({ worker: options, signal: loading.signal, log, llama });
      llama = undefined;
    } else {
      const loaded = loadModelHost({ worker: options!, signal: loading.signal, log });
      routes = server.loadRoutes();
      routes.catch(() => undefined); // reported below, after the model's outcome
      host = await loaded;
    }
  } catch (error) {
    if (stopping) return;
    log(`cannot load the model ${options?.modelPath ?? '(none yet: preparing a spare)'}: ${describeLoadError(error)}`);
    process.exit(EXIT_MODEL_UNUSABLE);
  }
  if (options === undefined) return;
  if (stopping) {
    await host.dispose().catch(() => undefined);
    return;
  }
  try {
    await routes;
  } catch (error) {
    log(`cannot load the request handlers: ${describe(error)}`);
    process.exit(1);
  }

  server.ready(host);
  process.stdout.write(
    `homeport-embedded ready model=${host.modelId} port=${port} ctx=${host.contextSize} ` +
      `parallel=${options.parallel} threads=${options.threads}${spare !== undefined ? ' adopted=spare' : ''}\n`,
  );
}

/** The model file's mtime in Unix seconds; exits EXIT_MODEL_UNUSABLE when it cannot be read. */
async function modelFileCreated(modelPath: string): Promise<number> {
  try {
    const info = await stat(modelPath);
    if (!info.isFile()) throw new Error('not a file');
    return Math.floor(info.mtimeMs / 1000);
  } catch (error) {
    log(`cannot read the model file ${modelPath}: ${describe(error)}`);
    process.exit(EXIT_MODEL_UNUSABLE);
  }
}

process.on('uncaughtException', (error) => {
  log(`uncaught exception: ${error.stack ?? error.message}`);
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  log(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});

void main();

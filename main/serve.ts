#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseCli, USAGE, UsageError, type PanelUrlArgs, type PullArgs, type ServeArgs } from './cli-args.js';
import { ensureControlToken, panelUrl, readControlToken } from './control/control-token.js';
import { pullFromCli } from './models/download-cli.js';
import { createSecretStore } from './secrets/store.js';
import { HF_TOKEN_SECRET } from './models/library/service.js';
import { recommendStarter, formatStarterAdvice } from './models/starter.js';
import { createHardwareProbe } from './hardware/probe.js';
import { enginePort, loadConfig } from './config/store.js';
import { ConfigError } from './config/errors.js';
import { dataPaths, defaultDataDir } from './config/paths.js';
import { startEngine, LanWithoutKeysError, NoModelsError, type Engine } from './engine.js';
import { clientSnippet } from './client-snippet.js';
import { bundledDemoModel, demoModelPath, DemoModelMissingError } from './models/demo/demo-model.js';
import { killAllChildrenSync } from './runtimes/process/spawn.js';
import { HOMEPORT_VERSION } from './version.js';
import { runKeysCommand } from './keys/keys-cli.js';
import { probeFromCli } from './probe/probe-cli.js';
import { runSecretsCommand } from './secrets/secrets-cli.js';
import { SecretResolver } from './secrets/resolver.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** `homeport serve`: the headless engine. Exit codes: 0 clean stop, 1 runtime error, 2 usage or config error. */
async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`homeport: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args.command === 'help') {
    out(USAGE);
    return 0;
  }
  if (args.command === 'pull') return pull(args);
  if (args.command === 'panel-url') return printPanelUrl(args);
  if (args.command === 'secrets') return runSecretsCommand(args, dataPaths(resolve(args.dataDir ?? defaultDataDir())).state, { stdin: process.stdin, out, err, promptTo: process.stderr });
  if (args.command === 'probe') return probeFromCli(args, { out, err });
  if (args.command === 'keys') return runKeysCommand(args, dataPaths(resolve(args.dataDir ?? defaultDataDir())).state, out, err);
  return serve(args);
}

/** `homeport pull REPO[:FILE]`: download a model into the data dir's models folder. */
async function pull(args: PullArgs): Promise<number> {
  const paths = dataPaths(resolve(args.dataDir ?? defaultDataDir()));
  // The store first, then HF_TOKEN / HUGGING_FACE_HUB_TOKEN.
  const token = await new SecretResolver({ store: createSecretStore({ dir: paths.state }) }).get(HF_TOKEN_SECRET).catch(() => undefined);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const result = await pullFromCli({ spec: args.spec, destDir: paths.models, revision: args.revision, token: token ?? undefined, signal: controller.signal, out: process.stdout });
  if (result.exitCode === 0) out(`Serve it with: homeport serve   (it is in ${paths.models})`);
  return result.exitCode;
}

/** `homeport panel-url`: the panel's address with the control token, read from the data dir (created if missing). */
async function printPanelUrl(args: PanelUrlArgs): Promise<number> {
  const dataDir = resolve(args.dataDir ?? defaultDataDir());
  let port: number;
  try {
    port = await enginePort(args, dataDir);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`homeport: ${e.message}`);
    return 2;
  }
  const existing = await readControlToken(dataDir);
  out(panelUrl(port, existing ?? (await ensureControlToken(dataDir))));
  if (!existing) err(`homeport: no homeport serve has used ${dataDir} yet; this link works once one does (the token is now in place for it).`);
  return 0;
}

async function serve(args: ServeArgs): Promise<number> {
  const dataDir = resolve(args.dataDir ?? defaultDataDir());
  const paths = dataPaths(dataDir);
  const configFile = resolve(args.config ?? paths.config);
  let engine: Engine;
  let port = args.port;
  // Nothing configured or found: serve the bundled demo model (and say so) rather than nothing.
  const fallback = args.models.length === 0 && !args.demo ? bundledDemoModel() : undefined;
  try {
    const config = await loadConfig(configFile);
    port ??= config.port;
    engine = await startEngine({
      config,
      dataDir,
      configFile,
      modelPaths: args.demo ? [...args.models, demoModelPath()] : args.models,
      ...(fallback !== undefined ? { fallbackModelPath: fallback } : {}),
      portOverride: port,
      tuning: { parallel: args.parallel, ctx: args.ctx, threads: args.threads },
      log: (line) => err(`[homeport] ${line}`),
      ...(args.host !== undefined ? { exposeToLan: args.host === '0.0.0.0' } : {}),
    });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof LanWithoutKeysError) {
      err(`homeport: ${e.message}`);
      return 2;
    }
    if (e instanceof DemoModelMissingError) {
      err(`homeport: ${e.message}`);
      return 1;
    }
    if (e instanceof NoModelsError) {
      err(`homeport: ${e.message}
Add a model in one of these ways:
  homeport serve --model /path/to/model.gguf
  copy a .gguf file into ${paths.models}
  list it in ${configFile}:  { "models": [ { "path": "/path/to/model.gguf" } ] }`);
      const advice = await starterAdvice(dataDir);
      if (advice) err(`\n${advice}`);
      return 1;
    }
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      err(`homeport: port ${port} is already in use on 127.0.0.1. Stop the other program or pass --port N.`);
      return 1;
    }
    throw e;
  }

  const servingFallback = fallback !== undefined && engine.models.some((m) => m.path === fallback);
  if (servingFallback) {
    err(`homeport: no model is configured or found (no --model, none in the config, none in ${paths.models}, no runtime running),
  so Homeport serves its bundled demo model "stories260k" (1.2 MB, TinyStories; it shows Homeport working, it is far too small for real use).
  Serve a model of your own with --model /path/to/model.gguf, or put one in ${paths.models}; --demo asks for the demo model explicitly.`);
    const advice = await starterAdvice(dataDir);
    if (advice) err(`\n${advice}`);
  }
  out(`Homeport ${HOMEPORT_VERSION} — OpenAI-compatible endpoint: ${engine.baseUrl}`);
  for (const m of engine.models) {
    out(`  ${m.id}${m.aliases.length ? ` (aliases: ${m.aliases.join(', ')})` : ''}  ←  ${m.path}  [ctx ${m.tuning.ctx} × ${m.tuning.parallel} slots, ${m.tuning.threads} thread${m.tuning.threads > 1 ? 's' : ''}]`);
  }
  // Models of other runtimes (Ollama, LM Studio, llama-server, vLLM) load on demand.
  const embeddedIds = new Set(engine.models.map((m) => m.id));
  const status = await engine.status();
  const runningRuntimes = new Set(status.runtimes.filter((r) => r.state === 'ready').map((r) => r.id));
  const otherModels = status.models.filter((m) => !embeddedIds.has(m.model));
  const otherRunning = otherModels.filter((m) => runningRuntimes.has(m.runtime)).length;
  for (const m of otherModels) out(`  ${m.model}  ←  ${m.runtime}  [${runningRuntimes.has(m.runtime) ? 'running' : 'loads on demand'}]`);
  out();
  const firstModel = engine.models[0]?.id ?? otherModels[0]?.model;
  if (firstModel !== undefined) out(clientSnippet(engine.baseUrl, firstModel));
  // The one place the token is printed: the link that opens the panel (it becomes a cookie and leaves the address bar).
  out(`Control panel: ${panelUrl(engine.port, await ensureControlToken(dataDir))}`);
  out('  (the link carries this data dir\'s control token; `homeport panel-url` prints it again)   Press Ctrl-C to stop.');

  const started = Date.now();
  return new Promise<number>((done) => {
    engine.whenReady(10 * 60_000).then(
      () => out(readyLine(engine.models.length, otherModels.length - otherRunning, otherRunning, Date.now() - started)),
      async (e: Error) => {
        err(`homeport: a model did not become ready: ${e.message}`);
        // Serving on with other models makes sense; serving nothing does not.
        if (!(await nothingLeftToServe(engine))) return;
        err('homeport: no model can be served, so Homeport stops. Fix the cause above and run it again.');
        await engine.stop().catch(() => killAllChildrenSync());
        done(1);
      },
    );
    let signals = 0;
    const shutdown = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        err(`homeport: ${signal} again, killing runtimes now`);
        killAllChildrenSync();
        done(1);
        return;
      }
      err(`homeport: ${signal}, stopping runtimes…`);
      engine.stop().then(
        () => done(0),
        (e: Error) => {
          err(`homeport: stop failed: ${e.message}`);
          killAllChildrenSync();
          done(1);
        },
      );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}

/** The line printed once the models loaded at start are ready, e.g. `Ready: 1 model loaded in 0.4 s; 2 models of other runtimes load on demand`. */
/** The line that says the endpoint is ready: embedded models loaded, other runtimes' models already running or loading on demand. */
function readyLine(embedded: number, onDemand: number, running: number, elapsedMs: number): string {
  const plural = (n: number) => `${n} model${n === 1 ? '' : 's'}`;
  const loaded = embedded > 0 ? `${plural(embedded)} loaded in ${(elapsedMs / 1000).toFixed(1)} s` : 'no model loaded at start';
  const runningPart = running > 0 ? `; ${plural(running)} of other runtimes running` : '';
  return `Ready: ${loaded}${runningPart}${onDemand > 0 ? `; ${plural(onDemand)} of other runtimes load on demand` : ''}`;
}


/** Every model Homeport lists belongs to a runtime that failed (external runtimes' models count as servable). */
async function nothingLeftToServe(engine: Engine): Promise<boolean> {
  const failed = new Set(engine.runtimes.filter((r) => r.snapshot().state === 'failed').map((r) => r.id));
  const { models } = await engine.status();
  return models.every((m) => failed.has(m.runtime));
}

/** A starter model that fits this machine, as lines to print; null if the hardware cannot be read. */
async function starterAdvice(dataDir: string): Promise<string | null> {
  try {
    const hardware = await createHardwareProbe().snapshot();
    return formatStarterAdvice(recommendStarter(hardware), dataDir).join('\n');
  } catch {
    return null;
  }
}

// Whatever happens to the engine, no runtime child may outlive it.
process.on('exit', () => killAllChildrenSync());
process.on('uncaughtException', (e) => {
  err(`homeport: unexpected error: ${e.stack ?? e.message}`);
  killAllChildrenSync();
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    err(`homeport: ${e.stack ?? e.message}`);
    killAllChildrenSync();
    process.exit(1);
  },
);

import type { HomeportConfig } from '../../config/schema.js';
import { detectRuntimes, type RuntimeDetections } from './detect.js';
import { sharedVersionProbe } from './version-probe.js';
import { buildFleet, detectionOptionsFor, type RuntimeFleet } from './fleet/fleet.js';
import { allocatePort } from '../process/ports.js';
import { defaultEnvName, SecretResolver } from '../../secrets/resolver.js';
import { createSecretStore } from '../../secrets/store.js';
import { resolveAttachedKeys } from './attached-keys.js';

export interface ExternalRuntimes {
  readonly fleet: RuntimeFleet;
  readonly detection: RuntimeDetections;
}

/**
 * Find llama-server, Ollama, LM Studio and vLLM on this machine (installed,
 * running) and build one handle per model they can serve. Bounded: every probe
 * has a timeout, so a filtered port never holds up the engine's start.
 */
export async function startExternalRuntimes(options: {
  readonly config: HomeportConfig;
  readonly cuda: boolean;
  readonly timeoutMs?: number;
  /** Folder of Homeport's secret store, for the keys of attached servers (runtimes.<kind>.apiKeySecret). */
  readonly secretsDir?: string;
}): Promise<ExternalRuntimes> {
  const { config } = options;
  // Without a store (tests, tools), a named secret can still come from its environment variable.
  const secrets =
    options.secretsDir !== undefined
      ? new SecretResolver({ store: createSecretStore({ dir: options.secretsDir }), env: process.env })
      : { declare: () => undefined, get: (name: string) => Promise.resolve(process.env[defaultEnvName(name)]) };
  const attachedKeys = await resolveAttachedKeys({ config: config.runtimes, secrets, env: process.env });
  const gpu = { cuda: options.cuda };
  const detect = () => detectRuntimes({ ...detectionOptionsFor(config.runtimes), env: process.env, timeoutMs: options.timeoutMs ?? 1_500, gpu });
  const detection = await detect();
  const fleet = await buildFleet({
    redetect: detect,
    // Detection waits for versions no longer than its probes; one that comes later shows at once.
    lateVersion: (binaryPath) => sharedVersionProbe.peek(binaryPath),
    attachedKeys,
    config: config.runtimes,
    detection,
    gpu,
    allocatePort: () => allocatePort({ host: '127.0.0.1' }),
    defaults: { ctx: config.defaults.ctx, parallel: config.defaults.parallel, threads: config.defaults.threads },
    supervisor: {
      startDeadlineMs: config.supervisor.startDeadlineMs,
      stopTimeoutMs: config.supervisor.stopTimeoutMs,
      backoff: config.supervisor.backoff,
      crashLimit: config.supervisor.crashLimit,
      logLines: config.supervisor.logLines,
      liveness: config.supervisor.liveness,
    },
  });
  return { fleet, detection };
}

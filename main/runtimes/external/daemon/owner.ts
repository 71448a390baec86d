/**
 * The owner of a daemon runtime's server (Ollama, LM Studio): which one to
 * use is a pure decision from the configured mode and what detection found;
 * the owner is then either an AttachedRuntime (already running, never
 * killed) or a Supervisor that starts it:
 *
 *   Ollama     `ollama serve` with OLLAMA_HOST=127.0.0.1:<fresh port>,
 *              OLLAMA_CONTEXT_LENGTH from Homeport's setting, OLLAMA_NO_CLOUD=1
 *              and OLLAMA_KEEP_ALIVE=-1 (Homeport's idle policy unloads models;
 *              OpenAI-style requests cannot set a keep-alive of their own).
 *   LM Studio  `lms server start --port <fresh port> --bind 127.0.0.1`, a
 *              detached launcher: health decides readiness and liveness, and
 *              stopping runs `lms server stop`.
 */
import { ollamaAdapter, buildOllamaLaunchPlan } from '../adapters/ollama.js';
import { buildLmStudioLaunchPlan, buildLmStudioStopCommand, lmStudioAdapter } from '../adapters/lmstudio.js';
import { AttachedRuntime } from '../attached.js';
import type { AttachedRuntimeOptions } from '../attached.js';
import type { RuntimeDetection } from '../detect.js';
import { Supervisor } from '../../process/supervisor.js';
import type { SupervisorOptions } from '../../process/supervisor.js';
import type { RuntimeHandle } from '../../types.js';
import type { DaemonKind } from './protocol.js';

export type DaemonMode = 'auto' | 'attach' | 'spawn' | 'off';

export type OwnerDecision =
  | { readonly action: 'attach'; readonly url: string; readonly reason: string }
  | { readonly action: 'spawn'; readonly binaryPath: string; readonly reason: string }
  | { readonly action: 'none'; readonly reason: string };

const DISPLAY: Readonly<Record<DaemonKind, string>> = { ollama: 'Ollama', lmstudio: 'LM Studio' };

/** Attach to a running daemon, start one, or neither; with the reason. Pure. */
export function decideDaemonOwner(input: { readonly kind: DaemonKind; readonly mode: DaemonMode; readonly detection: RuntimeDetection }): OwnerDecision {
  const { kind, mode, detection } = input;
  const name = DISPLAY[kind];
  const running = detection.running;
  const binary = detection.binaryPath;
  const attach = (): OwnerDecision => ({ action: 'attach', url: detection.url, reason: `${name} is already running at ${detection.url}; Homeport uses it and never stops it` });
  const spawn = (path: string): OwnerDecision => ({ action: 'spawn', binaryPath: path, reason: `Homeport starts ${name} from ${path}` });
  switch (mode) {
    case 'off':
      return { action: 'none', reason: `${name} is turned off in the settings` };
    case 'attach':
      return running ? attach() : { action: 'none', reason: `${name} is set to attach only, but nothing answers at ${detection.url} (${detection.runningReason}); start it, or let Homeport start it` };
    case 'spawn':
      // LM Studio has one server: `lms server start --port P` would move the user's, and stopping it would stop theirs.
      if (kind === 'lmstudio' && running) {
        return { action: 'none', reason: `LM Studio's server is already running at ${detection.url}, started outside Homeport; Homeport will not move or stop it. Set LM Studio's mode to auto or attach to use it` };
      }
      return binary !== null ? spawn(binary) : { action: 'none', reason: `${name} is set to be started by Homeport, but it is not installed (${detection.installedReason}); install it or set its path` };
    case 'auto':
      if (running) return attach();
      if (binary !== null) return spawn(binary);
      return { action: 'none', reason: `${name} is neither running at ${detection.url} nor installed (${detection.installedReason})` };
  }
}

/** Supervisor settings shared by everything Homeport starts (ids, kinds and plans come from here). */
export type OwnerSupervisorSettings = Omit<SupervisorOptions, 'id' | 'kind' | 'plan'>;

export interface SpawnedDaemonOptions {
  readonly binaryPath: string;
  readonly allocatePort: () => Promise<number>;
  readonly supervisor: OwnerSupervisorSettings;
}

export function spawnOllamaOwner(options: SpawnedDaemonOptions & { readonly contextLength: number }): Supervisor {
  return new Supervisor({
    ...options.supervisor,
    id: 'ollama',
    kind: 'ollama',
    plan: async () => ({
      ...buildOllamaLaunchPlan({
        port: await options.allocatePort(),
        contextLength: options.contextLength,
        keepAlive: { forever: true },
        binaryPath: options.binaryPath,
      }),
      startDeadlineMs: ollamaAdapter.startDeadlineMs,
    }),
  });
}

export function spawnLmStudioOwner(options: SpawnedDaemonOptions & { readonly livenessIntervalMs?: number }): Supervisor {
  return new Supervisor({
    ...options.supervisor,
    id: 'lmstudio',
    kind: 'lmstudio',
    plan: async () => ({
      ...buildLmStudioLaunchPlan({ port: await options.allocatePort(), binaryPath: options.binaryPath }),
      startDeadlineMs: lmStudioAdapter.startDeadlineMs,
      detached: {
        stop: buildLmStudioStopCommand(options.binaryPath),
        ...(options.livenessIntervalMs !== undefined ? { livenessIntervalMs: options.livenessIntervalMs } : {}),
      },
    }),
  });
}

export function attachDaemonOwner(
  kind: DaemonKind,
  url: string,
  options: Omit<AttachedRuntimeOptions, 'id' | 'kind' | 'displayName' | 'baseUrl' | 'health'> = {},
): AttachedRuntime {
  const adapter = kind === 'ollama' ? ollamaAdapter : lmStudioAdapter;
  return new AttachedRuntime({ ...options, id: kind, kind, displayName: adapter.displayName, baseUrl: url, health: adapter.health });
}

/** True for owners Homeport must never kill (it did not start them). */
export function isAttached(owner: RuntimeHandle): boolean {
  return owner instanceof AttachedRuntime;
}

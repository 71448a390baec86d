/**
 * The one typed contract between the renderer and the engine. Electron IPC
 * (desktop) and HTTP (headless/browser) both implement it; the renderer only
 * ever sees these types. Types only: no runtime code here.
 */
import type { EngineStatus } from '../main/control/status.js';
import type { LogLine, RuntimeSnapshot } from '../main/runtimes/types.js';

export interface ControlContract {
  status(): Promise<EngineStatus>;
  runtimeLogs(runtimeId: string): Promise<readonly LogLine[]>;
  startRuntime(runtimeId: string): Promise<RuntimeSnapshot>;
  stopRuntime(runtimeId: string): Promise<RuntimeSnapshot>;
  restartRuntime(runtimeId: string): Promise<RuntimeSnapshot>;
}

/** IPC channel per contract method: one map drives both `handle()` in main and `invoke()` in preload. */
export const CHANNELS = {
  status: 'homeport:status',
  runtimeLogs: 'homeport:runtime-logs',
  startRuntime: 'homeport:start-runtime',
  stopRuntime: 'homeport:stop-runtime',
  restartRuntime: 'homeport:restart-runtime',
} as const satisfies Record<keyof ControlContract, string>;

export type { EngineStatus, LogLine, RuntimeSnapshot };

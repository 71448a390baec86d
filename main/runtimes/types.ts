/**
 * Contracts shared by the runtime handles, the runtime adapters and the
 * gateway. A "runtime" is a process that serves an OpenAI-compatible HTTP API
 * on a loopback port. Homeport spawns it (Supervisor), attaches to one already
 * running (AttachedRuntime) or loads a model into a daemon
 * (DaemonModelRuntime); each is one RuntimeHandle on the lifecycle core.
 */

export const RUNTIME_STATES = ['stopped', 'starting', 'ready', 'stopping', 'failed'] as const;
export type RuntimeState = (typeof RUNTIME_STATES)[number];

export const RUNTIME_KINDS = ['embedded', 'llama-server', 'ollama', 'lmstudio', 'vllm'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

/** What to spawn for one launch attempt. Produced afresh for every attempt (a new port each time). */
export interface LaunchPlan {
  readonly command: string;
  readonly args: readonly string[];
  /** Extra environment, merged over process.env. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Where the runtime will serve, e.g. `http://127.0.0.1:53211` (no trailing slash). */
  readonly baseUrl: string;
  /** Polled with GET until it answers 200, e.g. `/health`. */
  readonly healthPath: string;
  /** Headers the gateway must add when calling this runtime (e.g. a per-launch API key). Never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** How long this launch may take to answer health (e.g. vLLM: 15 min); overrides the supervisor's default. */
  readonly startDeadlineMs?: number;
  /** Exit codes that mean retrying cannot help (e.g. the model file is unusable): no restart, `failed` at once. */
  readonly fatalExitCodes?: readonly number[];
  /** The runtime starts no processes of its own (the embedded worker), so the watchdog need not follow it. */
  readonly startsNoChildren?: boolean;
  /**
   * The command is only a launcher (LM Studio's `lms server start`): it starts
   * a server that runs detached from it, then exits. Its clean exit (code 0)
   * is expected; readiness and liveness are judged by polling health (also
   * while ready: `livenessFailures` failed polls in a row count as a crash),
   * and stopping runs `stop` (e.g. `lms server stop`) instead of signalling.
   */
  readonly detached?: {
    readonly stop: { readonly command: string; readonly args: readonly string[] };
    /** Pause between health polls while ready. Default 2000 ms. */
    readonly livenessIntervalMs?: number;
    /** Failed polls in a row that count as a crash. Default 3. */
    readonly livenessFailures?: number;
    /** The stop command is killed after this long. Default 30 s. */
    readonly stopCommandTimeoutMs?: number;
  };
}

/** Where a ready runtime can be reached. */
export interface RuntimeEndpoint {
  readonly baseUrl: string;
  readonly hostname: string;
  readonly port: number;
  readonly headers: Readonly<Record<string, string>>;
}

export interface LogLine {
  readonly at: number;
  readonly stream: 'stdout' | 'stderr' | 'supervisor';
  readonly line: string;
}

/** What every runtime handle emits: its state changes, and (for processes) each exit. */
export type RuntimeEvent =
  | {
      readonly type: 'state';
      readonly runtimeId: string;
      readonly from: RuntimeState;
      readonly to: RuntimeState;
      readonly reason: string;
      readonly at: number;
    }
  | {
      readonly type: 'exit';
      readonly runtimeId: string;
      readonly pid: number;
      readonly code: number | null;
      readonly signal: NodeJS.Signals | null;
      readonly expected: boolean;
      readonly at: number;
    };

/** The older name of RuntimeEvent, still used by the control routes and some integration tests. */
export type SupervisorEvent = RuntimeEvent;

export interface RuntimeSnapshot {
  readonly id: string;
  readonly kind: RuntimeKind;
  readonly state: RuntimeState;
  readonly pid: number | null;
  readonly port: number | null;
  readonly baseUrl: string | null;
  /** Restarts after crashes since the last explicit start. */
  readonly restarts: number;
  /** Why the runtime is failed/stopped, or the last crash reason. */
  readonly lastError: string | null;
  readonly readySince: number | null;
}

export interface EnsureReadyOptions {
  /** Give up after this many ms (RuntimeNotReadyError). */
  readonly deadlineMs: number;
  /** Abort waiting (e.g. the client went away). */
  readonly signal?: AbortSignal;
}

/** What the gateway and the engine API see of a runtime. Implemented on CoreRuntimeHandle (core-runtime-handle.ts), and by the pool's ManagedRuntime. */
export interface RuntimeHandle {
  readonly id: string;
  readonly kind: RuntimeKind;
  snapshot(): RuntimeSnapshot;
  /**
   * Resolve with the endpoint once the runtime is ready, starting it if it is
   * stopped. Already ready → resolves without any I/O. Rejects with
   * RuntimeNotReadyError (deadline or abort) or RuntimeFailedError (failed).
   */
  ensureReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint>;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /**
   * The endpoint while ready, else null: never starts, waits or counts as a
   * use (for status probes that must not keep a model loaded).
   */
  readyEndpoint?(): RuntimeEndpoint | null;
  /** The bounded ring buffer of the child's stdout/stderr, oldest first. */
  logs(): readonly LogLine[];
  /** Subscribe to typed events; returns the unsubscribe function. */
  subscribe(listener: (event: SupervisorEvent) => void): () => void;
  /**
   * Mark one request in flight (the lifecycle manager never unloads or evicts
   * a runtime that is serving); call the returned function exactly once when
   * the request ends. Optional: plain supervisors do not track requests.
   */
  hold?(): () => void;
  /**
   * Whether Homeport may unload what this handle has loaded: false for a
   * server Homeport attached to (stop() only lets go) and for a model another
   * client loaded into a shared daemon. The lifecycle manager never
   * idle-unloads, evicts or counts such a model. Absent = true.
   */
  managesLoad?(): boolean;
}

export class RuntimeNotReadyError extends Error {
  override readonly name = 'RuntimeNotReadyError';
  constructor(
    readonly runtimeId: string,
    readonly state: RuntimeState,
    message: string,
  ) {
    super(message);
  }
}

export class RuntimeFailedError extends Error {
  override readonly name = 'RuntimeFailedError';
  constructor(
    readonly runtimeId: string,
    readonly reason: string,
    readonly lastLogLines: readonly string[],
  ) {
    super(reason);
  }
}

/**
 * What every RuntimeHandle built on the lifecycle core shares: its id and
 * kind, the core itself (state, queue, events, waiters), the bounded log the
 * core writes its notes to, and the parts of the RuntimeHandle interface that
 * only read those (state, snapshot fields, logs, subscribe, readyEndpoint).
 * A kind (Supervisor, DaemonModelRuntime, AttachedRuntime, test fakes)
 * extends it and adds only how it launches, loads or checks.
 */
import { LifecycleCore, type TransitionTable } from './lifecycle-core.js';
import type { Clock } from './process/health.js';
import { LogBuffer } from './process/log-buffer.js';
import type {
  EnsureReadyOptions,
  LogLine,
  RuntimeEndpoint,
  RuntimeEvent,
  RuntimeHandle,
  RuntimeKind,
  RuntimeSnapshot,
  RuntimeState,
} from './types.js';

export interface CoreRuntimeHandleOptions<K extends RuntimeKind> {
  readonly id: string;
  readonly kind: K;
  readonly transitions: TransitionTable;
  readonly clock: Clock;
  /** Log lines kept. */
  readonly logLines: number;
  /** Longer log lines are truncated (LogBuffer's default when absent). */
  readonly maxLogLineChars?: number;
}

/** The snapshot fields that differ between kinds. */
export type SnapshotFields = Pick<RuntimeSnapshot, 'pid' | 'port' | 'baseUrl' | 'restarts' | 'lastError'>;

export abstract class CoreRuntimeHandle<K extends RuntimeKind = RuntimeKind> implements RuntimeHandle {
  readonly id: string;
  readonly kind: K;
  protected readonly clock: Clock;
  /** The log: the runtime's own output (where it has any) and the core's notes. */
  protected readonly buffer: LogBuffer;
  /** State, transitions, queue, events and waiters (lifecycle-core.ts). */
  protected readonly core: LifecycleCore;

  constructor(options: CoreRuntimeHandleOptions<K>) {
    this.id = options.id;
    this.kind = options.kind;
    this.clock = options.clock;
    this.buffer = new LogBuffer({
      capacity: options.logLines,
      ...(options.maxLogLineChars !== undefined ? { maxLineChars: options.maxLogLineChars } : {}),
      now: () => this.clock.now(),
    });
    this.core = new LifecycleCore({ id: this.id, transitions: options.transitions, clock: this.clock, note: (line) => this.note(line) });
  }

  abstract snapshot(): RuntimeSnapshot;
  abstract ensureReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint>;
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  abstract restart(): Promise<void>;

  /** The endpoint while ready, else null (never starts or waits). */
  readyEndpoint(): RuntimeEndpoint | null {
    return this.core.endpoint;
  }

  logs(): readonly LogLine[] {
    return this.buffer.lines();
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    return this.core.subscribe(listener);
  }

  protected get state(): RuntimeState {
    return this.core.state;
  }

  /** A snapshot from the core's state and ready time plus the kind's own fields. */
  protected snapshotWith(fields: SnapshotFields): RuntimeSnapshot {
    return { id: this.id, kind: this.kind, state: this.core.state, ...fields, readySince: this.core.readySince };
  }

  /** A line in the runtime's log from Homeport itself (state changes, decisions). */
  protected note(line: string): void {
    this.buffer.push('supervisor', line);
  }
}

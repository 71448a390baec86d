/**
 * Reading a runtime binary's version (`llama-server --version`, `ollama -v`,
 * ...) without holding up detection.
 *
 * A version command can be slow (a Python entry point like vLLM's, a cold
 * disk, a loaded machine), so one bound does not fit both: detection waits
 * for the version only as long as its own probes may take, while the command
 * itself may run for `timeoutMs` (default 10 s) before it is killed. A
 * command that outlives detection's wait keeps running in the background and
 * its answer is cached, so the next detection (refresh, the re-detection
 * loop) has it at once.
 *
 * One run per binary: results are cached by path, the binary's size and
 * modification time (an upgrade in place runs it again), arguments and
 * environment. A command that was killed for taking too long is tried again
 * after `retryAfterMs`; any other answer stays.
 */
import { stat } from 'node:fs/promises';
import { formatDuration } from '../process/restart-policy.js';
import { firstLine, type VersionCommand } from './adapters/common.js';
import type { CommandOutput } from './detect.js';

export interface VersionResult {
  readonly version: string | null;
  readonly reason: string;
}

/** Runs a command with a deadline (detect.ts's runCommandWithTimeout). */
export type RunVersionCommand = (command: string, args: readonly string[], options: { env: Readonly<Record<string, string | undefined>>; timeoutMs: number }) => Promise<CommandOutput>;

export interface VersionProbeOptions {
  /** The version command is killed after this long. Default 10 s. */
  readonly timeoutMs?: number;
  /** A killed (too slow) command is run again after this long. Default 60 s. */
  readonly retryAfterMs?: number;
  readonly now?: () => number;
}

export interface VersionRequest {
  readonly binary: string;
  /** How the command is shown in reasons, e.g. `llama-server --version`. */
  readonly display: string;
  readonly command: VersionCommand;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly run: RunVersionCommand;
  /** How long the caller waits before answering without the version. */
  readonly waitMs: number;
}

interface Entry {
  result: Promise<{ readonly result: VersionResult; readonly timedOut: boolean }>;
  settled: { readonly result: VersionResult; readonly at: number; readonly timedOut: boolean } | null;
}

export const DEFAULT_VERSION_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_AFTER_MS = 60_000;

export class VersionProbe {
  private readonly timeoutMs: number;
  private readonly retryAfterMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  /** The latest entry asked for each binary path (for peek). */
  private readonly latest = new Map<string, Entry>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(options: VersionProbeOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_VERSION_TIMEOUT_MS;
    this.retryAfterMs = options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
    this.now = options.now ?? Date.now;
  }

  /** The version, or null with the reason; resolves within `request.waitMs` (plus a stat), never rejects. */
  async read(request: VersionRequest): Promise<VersionResult> {
    const key = await this.keyOf(request);
    let entry = this.entries.get(key);
    const stale = entry?.settled?.timedOut === true && this.now() - entry.settled.at >= this.retryAfterMs;
    if (entry === undefined || stale) {
      entry = this.start(request);
      this.entries.set(key, entry);
    }
    this.latest.set(request.binary, entry);
    if (entry.settled !== null) return entry.settled.result;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<VersionResult>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            version: null,
            reason: `\`${request.display}\` has not answered within ${formatDuration(request.waitMs)}; it may take up to ${formatDuration(this.timeoutMs)} and the version shows on the next detection`,
          }),
        request.waitMs,
      );
    });
    try {
      return await Promise.race([entry.result.then((outcome) => outcome.result), waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * What the last version command asked of `binary` answered, once it has
   * (no I/O): a detection that answered before its version did can show the
   * version as soon as it is known, without detecting again.
   */
  peek(binary: string): VersionResult | null {
    return this.latest.get(binary)?.settled?.result ?? null;
  }

  /** Resolves once no version command is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private start(request: VersionRequest): Entry {
    const entry: Entry = { result: this.runOnce(request), settled: null };
    entry.result = entry.result.then((outcome) => {
      entry.settled = { result: outcome.result, at: this.now(), timedOut: outcome.timedOut };
      return outcome;
    });
    const done = entry.result.finally(() => this.running.delete(done));
    this.running.add(done);
    return entry;
  }

  private async runOnce(request: VersionRequest): Promise<{ result: VersionResult; timedOut: boolean }> {
    const invocation = `\`${request.display}\``;
    let output: CommandOutput;
    try {
      output = await request.run(request.binary, request.command.args, { env: request.env, timeoutMs: this.timeoutMs });
    } catch (error) {
      return { result: { version: null, reason: `${invocation} could not run: ${error instanceof Error ? error.message : String(error)}` }, timedOut: false };
    }
    if (output.timedOut) return { result: { version: null, reason: `${invocation} gave no answer within ${formatDuration(this.timeoutMs)} and was killed` }, timedOut: true };
    if (output.code !== 0) {
      return { result: { version: null, reason: `${invocation} failed (exit ${output.code ?? 'none'}): ${firstLine(output.stderr || output.stdout) || 'no output'}` }, timedOut: false };
    }
    const parsed = request.command.parse(output);
    if (!parsed.ok) return { result: { version: null, reason: `could not read a version from ${invocation}: ${parsed.reason}` }, timedOut: false };
    return { result: { version: parsed.value, reason: `reported by ${invocation}` }, timedOut: false };
  }

  private async keyOf(request: VersionRequest): Promise<string> {
    const info = await stat(request.binary).catch(() => null);
    const env = Object.entries(request.env)
      .filter(([, value]) => value !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify([request.binary, info?.size ?? null, info?.mtimeMs ?? null, request.command.args, env]);
  }
}

/** The probe detection uses unless given one: one cache for the whole process. */
export const sharedVersionProbe = new VersionProbe();

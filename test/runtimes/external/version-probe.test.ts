/**
 * The version probe's cache: one run per binary (path, size, mtime, args,
 * environment), shared by concurrent readers; a binary replaced in place is
 * asked again; a command killed for being slow is retried only after
 * retryAfterMs. Runs are counted through an injected runner; the binaries
 * are real files so their size and mtime are real.
 */
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandOutput } from '../../../main/runtimes/external/detect.js';
import { llamaServerAdapter } from '../../../main/runtimes/external/adapters/llama-server.js';
import { VersionProbe, type RunVersionCommand, type VersionRequest } from '../../../main/runtimes/external/version-probe.js';

function binary(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'version-probe-')), 'llama-server');
  writeFileSync(file, content);
  return file;
}

/** A runner that answers each run with the next scripted output, counting runs. */
function scripted(...outputs: CommandOutput[]): RunVersionCommand & { runs: number } {
  const run = Object.assign(
    (): Promise<CommandOutput> => {
      const output = outputs[Math.min(run.runs, outputs.length - 1)]!;
      run.runs += 1;
      return Promise.resolve(output);
    },
    { runs: 0 },
  );
  return run;
}

const answer = (build: number): CommandOutput => ({ stdout: '', stderr: `version: ${build} (abc1234)\n`, code: 0, timedOut: false });
const killed: CommandOutput = { stdout: '', stderr: '', code: null, timedOut: true };

function request(file: string, run: RunVersionCommand, env: Record<string, string> = {}): VersionRequest {
  return { binary: file, display: 'llama-server --version', command: llamaServerAdapter.version, env, run, waitMs: 5_000 };
}

describe('VersionProbe', () => {
  it('runs a binary\'s version command once, for concurrent and later readers alike', async () => {
    const file = binary('v1');
    const run = scripted(answer(100), answer(200));
    const probe = new VersionProbe();
    const results = await Promise.all([probe.read(request(file, run)), probe.read(request(file, run)), probe.read(request(file, run))]);
    expect(results).toEqual(Array(3).fill({ version: 'b100 (abc1234)', reason: 'reported by `llama-server --version`' }));
    expect(await probe.read(request(file, run))).toMatchObject({ version: 'b100 (abc1234)' });
    expect(run.runs).toBe(1);
    // Another environment is another question (Ollama's -v asks the server at OLLAMA_HOST).
    expect(await probe.read(request(file, run, { OLLAMA_HOST: '127.0.0.1:1' }))).toMatchObject({ version: 'b200 (abc1234)' });
    expect(run.runs).toBe(2);
  });

  it('asks again when the binary is replaced in place', async () => {
    const file = binary('v1');
    const run = scripted(answer(100), answer(101));
    const probe = new VersionProbe();
    expect(await probe.read(request(file, run))).toMatchObject({ version: 'b100 (abc1234)' });
    writeFileSync(file, 'v2, a longer build');
    utimesSync(file, new Date(), new Date(Date.now() + 60_000));
    expect(await probe.read(request(file, run))).toMatchObject({ version: 'b101 (abc1234)' });
    expect(run.runs).toBe(2);
  });

  it('keeps a killed command\'s answer until retryAfterMs, then runs it again', async () => {
    const file = binary('slow');
    const run = scripted(killed, answer(300));
    let now = 0;
    const probe = new VersionProbe({ timeoutMs: 2_000, retryAfterMs: 60_000, now: () => now });
    const reason = '`llama-server --version` gave no answer within 2 s and was killed';
    expect(await probe.read(request(file, run))).toEqual({ version: null, reason });
    now = 59_999;
    expect(await probe.read(request(file, run))).toEqual({ version: null, reason });
    expect(run.runs).toBe(1);
    now = 60_000;
    expect(await probe.read(request(file, run))).toMatchObject({ version: 'b300 (abc1234)' });
    expect(run.runs).toBe(2);
  });

  it('keeps a definite failure: a bad exit or an unreadable answer is not retried', async () => {
    const file = binary('broken');
    const run = scripted({ stdout: '', stderr: 'error while loading shared libraries\n', code: 127, timedOut: false }, answer(1));
    let now = 0;
    const probe = new VersionProbe({ retryAfterMs: 1, now: () => now });
    const first = await probe.read(request(file, run));
    expect(first).toEqual({ version: null, reason: '`llama-server --version` failed (exit 127): error while loading shared libraries' });
    now = 1_000_000;
    expect(await probe.read(request(file, run))).toEqual(first);
    expect(run.runs).toBe(1);
  });
});

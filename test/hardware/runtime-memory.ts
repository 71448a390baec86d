/**
 * Runs the real embedded runtime (the worker Homeport spawns, node-llama-cpp
 * on the CPU) at one context/slots setting, sends it one text completion
 * whose prompt fills a whole batch (so the compute buffer is exercised as a
 * long prompt would), and reads the worker process's memory from
 * /proc/PID/status. Used by the memory table test and the measurement script.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { embeddedLaunchPlan } from '../../main/runtimes/embedded/launch-plan.js';

export interface RuntimeMemoryRequest {
  readonly modelPath: string;
  readonly contextSize: number;
  readonly slots: number;
  /** Copies of PROMPT_SENTENCE in the prompt; the test checks the token count. */
  readonly promptRepeats: number;
  readonly maxTokens?: number;
}

export interface RuntimeMemorySample {
  readonly pid: number;
  /** VmRSS once the model is loaded, before any request. */
  readonly rssAfterLoad: number;
  /** VmRSS after the request. */
  readonly rss: number;
  readonly rssAnon: number;
  readonly rssFile: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Start to ready, and the request, in ms (printed by the tests; never asserted). */
  readonly loadMs: number;
  readonly requestMs: number;
}

/**
 * The compiled worker, as users run it: from the sources the worker would run
 * under the tsx loader, which alone adds about 70 MiB to the process.
 */
const COMPILED_LAUNCH_PLAN = fileURLToPath(new URL('../../dist/main/runtimes/embedded/launch-plan.js', import.meta.url));

const PROMPT_SENTENCE = 'Once upon a time there was a little girl who lived in a small house near the big forest with her mother. ';
/** The key the worker checks on every request (the security guard reads it from its environment). */
const WORKER_KEY_ENV = 'HOMEPORT_WORKER_KEY';

interface ProcStatus {
  readonly rss: number;
  readonly anon: number;
  readonly file: number;
}

async function procStatus(pid: number): Promise<ProcStatus> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]) * 1024;
  };
  return { rss: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile') };
}

/** Start the worker, wait for its ready line, send one request, read its memory, stop it. */
export async function measureEmbeddedRuntime(request: RuntimeMemoryRequest): Promise<RuntimeMemorySample> {
  const key = 'memory-test-key-0123456789abcdef';
  if (!existsSync(COMPILED_LAUNCH_PLAN)) {
    throw new Error(`${COMPILED_LAUNCH_PLAN} is missing: run \`npm run build:engine\` first (the memory test runs the compiled worker, as users do).`);
  }
  const plan = embeddedLaunchPlan({
    adapterUrl: pathToFileURL(COMPILED_LAUNCH_PLAN).href,
    modelPath: request.modelPath,
    port: 0,
    ctx: request.contextSize,
    parallel: request.slots,
    threads: 1,
  });
  const child = spawn(plan.command, [...plan.args], {
    env: { ...process.env, ...plan.env, [WORKER_KEY_ENV]: key },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  try {
    const started = performance.now();
    const port = await readyPort(child.stdout, () => stderr);
    const ready = performance.now();
    const pid = child.pid!;
    const afterLoad = await procStatus(pid);
    const response = await fetch(`http://127.0.0.1:${port}/v1/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
      body: JSON.stringify({ prompt: PROMPT_SENTENCE.repeat(request.promptRepeats), max_tokens: request.maxTokens ?? 16, temperature: 0 }),
    });
    const body = (await response.json()) as { usage?: { prompt_tokens?: number; completion_tokens?: number }; error?: unknown };
    if (!response.ok) throw new Error(`worker answered ${response.status}: ${JSON.stringify(body)}`);
    const after = await procStatus(pid);
    const answered = performance.now();
    return {
      pid,
      rssAfterLoad: afterLoad.rss,
      rss: after.rss,
      rssAnon: after.anon,
      rssFile: after.file,
      promptTokens: body.usage?.prompt_tokens ?? 0,
      completionTokens: body.usage?.completion_tokens ?? 0,
      loadMs: Math.round(ready - started),
      requestMs: Math.round(answered - ready),
    };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
}

async function readyPort(stdout: NodeJS.ReadableStream, stderr: () => string): Promise<number> {
  let text = '';
  for await (const chunk of stdout) {
    text += String(chunk);
    const match = /homeport-embedded ready .*port=(\d+)/.exec(text);
    if (match) return Number(match[1]);
  }
  throw new Error(`the worker exited before it was ready:\n${stderr()}`);
}

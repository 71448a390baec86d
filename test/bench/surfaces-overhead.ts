import { readFileSync } from 'node:fs';
import type { BenchClient } from './http-client.js';
import { median } from './stats.js';

export interface SurfacesOverheadResult {
  readonly samples: number;
  readonly chatP50: number;
  readonly messagesP50: number;
  readonly responsesP50: number;
  /** Median of the per-round differences to the chat request of the same round (ms). */
  readonly messagesAddedP50: number;
  readonly responsesAddedP50: number;
  /**
   * With `enginePid`: the engine process's CPU time per request (µs, from /proc/PID/schedstat), the chat
   * request's median and the medians of the per-round differences. Steadier than latency on a shared machine.
   */
  readonly cpu?: { readonly chatUs: number; readonly messagesAddedUs: number; readonly responsesAddedUs: number };
}

/** Rounds of all three requests before measuring. */
const WARM_ROUNDS = 600;

/** CPU time the process has run, in ns (Linux). */
function cpuNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ', 1)[0]);
}

/**
 * The translation cost of the Anthropic Messages and OpenAI Responses
 * surfaces: the same one-token request through /v1/chat/completions,
 * /v1/messages and /v1/responses (store: false, so no state is written),
 * one at a time, in a rotating order each round, paired by round.
 */
export async function measureSurfacesOverhead(options: { client: BenchClient; model: string; samples: number; enginePid?: number }): Promise<SurfacesOverheadResult> {
  const { client, model } = options;
  const prompt = 'Once upon a time';
  const calls = [
    () => client.timedPost('/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], max_tokens: 1, temperature: 0 })),
    () => client.timedPost('/v1/messages', JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], max_tokens: 1, temperature: 0 })),
    () => client.timedPost('/v1/responses', JSON.stringify({ model, input: prompt, max_output_tokens: 1, temperature: 0, store: false })),
  ];
  // Warm every path to the same steady state first: the chat path is already hot from the rows before this one,
  // the surfaces' code is not, and V8 keeps optimising a path for its first few thousand calls.
  for (let i = 0; i < WARM_ROUNDS; i++) for (const call of calls) await call();
  const times: number[][] = [[], [], []];
  const cpu: number[][] = [[], [], []];
  const pid = options.enginePid;
  for (let round = 0; round < options.samples; round++) {
    for (let k = 0; k < calls.length; k++) {
      const at = (round + k) % calls.length;
      const before = pid === undefined ? 0 : cpuNs(pid);
      times[at]!.push(await calls[at]!());
      if (pid !== undefined) cpu[at]!.push((cpuNs(pid) - before) / 1000);
    }
  }
  const [chat, messages, responses] = times as [number[], number[], number[]];
  const [chatCpu, messagesCpu, responsesCpu] = cpu as [number[], number[], number[]];
  return {
    ...(pid === undefined
      ? {}
      : {
          cpu: {
            chatUs: median(chatCpu),
            messagesAddedUs: median(messagesCpu.map((t, i) => t - chatCpu[i]!)),
            responsesAddedUs: median(responsesCpu.map((t, i) => t - chatCpu[i]!)),
          },
        }),
    samples: options.samples,
    chatP50: median(chat),
    messagesP50: median(messages),
    responsesP50: median(responses),
    messagesAddedP50: median(messages.map((t, i) => t - chat[i]!)),
    responsesAddedP50: median(responses.map((t, i) => t - chat[i]!)),
  };
}

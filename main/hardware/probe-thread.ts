/**
 * Worker-thread entry of the hardware probe (probe.ts starts it): probes this
 * machine with systeminformation, whose synchronous shell-outs then stall
 * this thread instead of the engine's, and posts the snapshot back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadSystemInformation, probeWith } from './probe.js';

const { probedAt } = workerData as { readonly probedAt: number };
parentPort?.postMessage(await probeWith(await loadSystemInformation(), probedAt));

/**
 * `homeport probe [MODEL…] [--port N] [--data-dir DIR] [--config FILE] [--key KEY] [--json]`:
 * asks the running engine (the control API on this machine) to probe each
 * model, or every model it serves when none is named, and prints each
 * feature's verdict with its evidence. The app key (needed once keys exist)
 * comes from --key or HOMEPORT_API_KEY; it is sent to the engine for the
 * probe's requests and never printed.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { enginePort } from '../config/store.js';
import { ConfigError } from '../config/errors.js';
import { defaultDataDir } from '../config/paths.js';
import { readControlToken } from '../control/control-token.js';
import type { ProbeReport } from './types.js';

export interface ProbeArgs {
  readonly command: 'probe';
  readonly models: readonly string[];
  readonly dataDir?: string;
  readonly config?: string;
  readonly port?: number;
  readonly key?: string;
  readonly json: boolean;
}

export const PROBE_USAGE = `  homeport probe [MODEL ...] [--port N] [--data-dir DIR] [--config FILE] [--key KEY] [--json]

  Sends a short battery through the running Homeport to each model (all when none is named) and prints,
  per feature (tools, json_schema, seed, stop, logprobs, include_usage, n, context_length), whether it is
  honoured, ignored or an error, with the evidence. Results are kept per model and runtime version.
  --key (or HOMEPORT_API_KEY): an app key, needed once keys exist.`;

export class ProbeUsageError extends Error {
  override readonly name = 'ProbeUsageError';
}

export function parseProbeArgs(argv: readonly string[]): ProbeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } },
    });
  } catch (error) {
    throw new ProbeUsageError((error as Error).message);
  }
  const { values } = parsed;
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ProbeUsageError(`--port must be a port number, got "${values.port}"`);
  }
  return {
    command: 'probe',
    models: parsed.positionals,
    json: values.json ?? false,
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(values.key !== undefined ? { key: values.key } : {}),
  };
}

export interface ProbeCommandContext {
  /** The running engine's origin, e.g. `http://127.0.0.1:11435`. */
  readonly origin: string;
  readonly controlToken: string;
  /** App key for the probe's requests (never printed). */
  readonly apiKey?: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Runs the probes one model after another; 0 when every probe ran, 1 otherwise. */
export async function runProbeCommand(args: ProbeArgs, ctx: ProbeCommandContext): Promise<number> {
  const headers = { authorization: `Bearer ${ctx.controlToken}`, 'content-type': 'application/json' };
  const call = async (path: string, init: RequestInit = {}) => {
    try {
      return await fetch(`${ctx.origin}/homeport/v1${path}`, { ...init, headers });
    } catch (error) {
      throw new Error(`Homeport is not answering at ${ctx.origin} (${(error as Error).message}). Start it with \`homeport serve\`, or pass --port.`, { cause: error });
    }
  };
  let models = [...args.models];
  try {
    if (models.length === 0) {
      const res = await call('/models');
      if (!res.ok) throw new Error(`listing models failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { data?: { id: string }[] } | { id: string }[];
      models = (Array.isArray(body) ? body : (body.data ?? [])).map((m) => m.id);
      if (models.length === 0) {
        ctx.err('homeport: the engine serves no models to probe.');
        return 1;
      }
    }
  } catch (error) {
    ctx.err(`homeport: ${(error as Error).message}`);
    return 1;
  }
  let failed = 0;
  const reports: ProbeReport[] = [];
  for (const model of models) {
    if (!args.json) ctx.err(`probing ${model}…`);
    try {
      const res = await call(`/models/${encodeURIComponent(model)}/probe`, { method: 'POST', body: JSON.stringify(ctx.apiKey ? { apiKey: ctx.apiKey } : {}) });
      const body = (await res.json()) as ProbeReport | { error: { message: string } };
      if (!res.ok || 'error' in body) throw new Error('error' in body ? body.error.message : `answered ${res.status}`);
      reports.push(body);
      if (!args.json) ctx.out(formatReport(body));
    } catch (error) {
      failed++;
      ctx.err(`homeport: probing ${model}: ${(error as Error).message}`);
    }
  }
  if (args.json) ctx.out(JSON.stringify(reports, null, 2));
  return failed === 0 ? 0 : 1;
}

/** A report as aligned text: the model and runtime, then one line per feature. */
export function formatReport(report: ProbeReport): string {
  const width = Math.max(...report.features.map((f) => f.feature.length));
  const lines = [`${report.model} — ${report.runtimeVersion} (${(report.durationMs / 1000).toFixed(1)} s)`];
  for (const f of report.features) lines.push(`  ${f.feature.padEnd(width)}  ${f.verdict.padEnd(8)}  ${f.evidence}`);
  return lines.join('\n');
}

/** The CLI entry: finds the running engine (port from --port or the config, token from the data dir) and probes. */
export async function probeFromCli(args: ProbeArgs, io: { readonly out: (line: string) => void; readonly err: (line: string) => void }): Promise<number> {
  const dataDir = resolve(args.dataDir ?? defaultDataDir());
  let port: number;
  try {
    port = await enginePort(args, dataDir);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(`homeport: ${e.message}`);
    return 2;
  }
  const controlToken = await readControlToken(dataDir);
  if (controlToken === null) {
    io.err(`homeport: no homeport serve has used ${dataDir} yet; start one (homeport serve) and probe again.`);
    return 1;
  }
  const apiKey = args.key ?? process.env.HOMEPORT_API_KEY;
  return runProbeCommand(args, { origin: `http://127.0.0.1:${port}`, controlToken, ...(apiKey ? { apiKey } : {}), out: io.out, err: io.err });
}

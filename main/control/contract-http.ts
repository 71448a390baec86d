/**
 * The contract's own routes (mounted under /homeport/v1, behind the token):
 *
 *   GET /session                      the token works: version and endpoint
 *   GET /events/status                SSE `status`: on connect, every second, and at once on a runtime state change
 *   GET /events/models                SSE `models` (the list) on connect and on every state change; `decision` per lifecycle decision
 *   GET /runtimes/:id/logs/events     SSE `lines`: the buffer so far (or the lines after `Last-Event-ID` / `?since=`
 *                                     when reconnecting: log-cursor.ts), then new lines as they come
 *
 * Every other entry of preload/contract.ts is served by the route file of
 * its room; `contractCoverage` lists which are missing on a given router
 * (test/control/contract-coverage.test.ts keeps them honest).
 */
import { Router, type Request, type Response } from 'express';
import { CALLS, SUBSCRIPTIONS, type ListOf, type ModelEvents, type RuntimeLogEvents, type SessionView, type StatusEvents } from '../../preload/contract.js';
import type { EngineStatus } from './status.js';
import type { ModelView } from './model-list.js';
import type { Decision } from '../lifecycle/decisions.js';
import type { LogLine, RuntimeHandle, SupervisorEvent } from '../runtimes/types.js';
import { GatewayError } from '../gateway/errors.js';
import { serveEvents } from './sse-stream.js';
import { cursorAfter, linesAfterCursor, parseCursor } from './log-cursor.js';

export interface ContractRoutesOptions {
  readonly version: string;
  readonly baseUrl: string;
  status(): Promise<EngineStatus>;
  models(): readonly ModelView[];
  runtimes(): readonly RuntimeHandle[];
  subscribeDecisions(listener: (decision: Decision) => void): () => void;
  /** Status push interval (default 1 s) and log poll interval (default 250 ms); tests shorten them. */
  readonly statusEveryMs?: number;
  readonly logPollMs?: number;
  readonly heartbeatMs?: number;
}

export function createContractRouter(options: ContractRoutesOptions): Router {
  const router = Router();
  const statusEveryMs = options.statusEveryMs ?? 1_000;
  const logPollMs = options.logPollMs ?? 250;
  const sse = { heartbeatMs: options.heartbeatMs };

  /** Calls `listener` on every runtime event of every runtime (runtimes can be added by a refresh, so re-read each time). */
  const onRuntimeEvents = (listener: (event: SupervisorEvent) => void): (() => void) => {
    const stops = options.runtimes().map((runtime) => runtime.subscribe(listener));
    return () => stops.forEach((stop) => stop());
  };

  router.get('/session', function session(_req: Request, res: Response) {
    const view: SessionView = { version: options.version, baseUrl: options.baseUrl };
    res.json(view);
  });

  router.get('/events/status', async function statusEvents(_req: Request, res: Response) {
    await serveEvents<StatusEvents>(
      res,
      async function streamStatus(stream) {
        let sending = false;
        let again = false;
        const push = async () => {
          if (sending) {
            again = true;
            return;
          }
          sending = true;
          try {
            do {
              again = false;
              stream.send('status', await options.status());
            } while (again && !stream.isClosed);
          } finally {
            sending = false;
          }
        };
        const timer = setInterval(() => void push().catch(() => undefined), statusEveryMs);
        const stop = onRuntimeEvents((event) => {
          if (event.type === 'state') void push().catch(() => undefined);
        });
        try {
          await push();
          await stream.closed;
        } finally {
          clearInterval(timer);
          stop();
        }
      },
      sse,
    );
  });

  router.get('/events/models', async function modelEvents(_req: Request, res: Response) {
    await serveEvents<ModelEvents>(
      res,
      async function streamModels(stream) {
        let last = '';
        const push = () => {
          const list: ListOf<ModelView> = { object: 'list', data: options.models() };
          const text = JSON.stringify(list);
          if (text === last) return;
          last = text;
          stream.send('models', list);
        };
        const stopRuntimes = onRuntimeEvents(push);
        const stopDecisions = options.subscribeDecisions((decision) => {
          stream.send('decision', decision);
          push();
        });
        // In-flight counts and idle deadlines move without a state event: look again now and then.
        const timer = setInterval(push, statusEveryMs);
        try {
          push();
          await stream.closed;
        } finally {
          clearInterval(timer);
          stopRuntimes();
          stopDecisions();
        }
      },
      sse,
    );
  });

  router.get('/runtimes/:id/logs/events', async function runtimeLogEvents(req: Request, res: Response) {
    const id = String(req.params.id);
    const runtime = options.runtimes().find((r) => r.id === id);
    if (!runtime) {
      throw new GatewayError({ status: 404, code: 'runtime_not_found', param: 'id', message: `No runtime "${id}". GET /homeport/v1/status lists the runtimes.` });
    }
    const resumeFrom = parseCursor(req.headers['last-event-id'] ?? req.query.since);
    await serveEvents<RuntimeLogEvents>(
      res,
      async function streamLogs(stream) {
        let last: LogLine | undefined;
        /** Each event carries the cursor after it, which a reconnecting reader sends back. */
        const send = (lines: readonly LogLine[], buffer: readonly LogLine[]) => {
          const id = cursorAfter(buffer);
          stream.send('lines', { runtime: runtime.id, lines }, id ?? undefined);
        };
        const push = () => {
          const lines = runtime.logs();
          const fresh = linesAfter(lines, last);
          if (fresh.length === 0) return;
          last = fresh[fresh.length - 1];
          send(fresh, lines);
        };
        const timer = setInterval(push, logPollMs);
        try {
          const buffer = runtime.logs();
          send(resumeFrom ? linesAfterCursor(buffer, resumeFrom) : buffer, buffer);
          last = buffer.at(-1);
          await stream.closed;
        } finally {
          clearInterval(timer);
        }
      },
      sse,
    );
  });

  return router;
}

/** The lines of a ring buffer that came after `last` (all of them when `last` fell out of the ring). */
export function linesAfter(lines: readonly LogLine[], last: LogLine | undefined): readonly LogLine[] {
  if (last === undefined) return lines;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line === last || (line.at === last.at && line.stream === last.stream && line.line === last.line)) return lines.slice(i + 1);
  }
  return lines.filter((line) => line.at >= last.at);
}

/** Each contract entry as `METHOD /path` (subscriptions as `GET`), for checking which ones a router serves. */
export function contractRoutes(): { readonly name: string; readonly method: string; readonly path: string }[] {
  return [
    ...Object.entries(CALLS).map(([name, spec]) => ({ name, method: spec.method, path: spec.path })),
    ...Object.entries(SUBSCRIPTIONS).map(([name, spec]) => ({ name: `subscribe:${name}`, method: 'GET', path: spec.path })),
  ];
}

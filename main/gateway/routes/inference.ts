import type { Dispatcher } from 'undici';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { MetricsSink, RequestMeter } from '../../metrics/types.js';
import type { RuntimeEndpoint } from '../../runtimes/types.js';
import type { ModelDirectory } from '../types.js';
import type { BodyValidator } from '../validate.js';
import { readJsonBody } from '../body.js';
import { forwardToRuntime } from '../proxy.js';
import { modelNotFound, runtimeUnavailable } from '../route-errors.js';
import { modelAllowed } from '../app-key-guard.js';
import { unservedEndpointAdvice } from '../../runtimes/external/unserved-endpoint.js';
import { GatewayError } from '../errors.js';

/** A 403 for an app key whose allowlist leaves this model out. */
function modelNotAllowed(model: string): GatewayError {
  return new GatewayError({ status: 403, code: 'model_not_allowed', message: `This app key may not use the model '${model}'. Use a key without a model list, or add the model to this key's list.` });
}
import type { Router } from '../../routing/router.js';
import { ModelEcho } from '../model-echo.js';
import { TIER_HEADER, unroutedTierError } from '../../routing/forced-tier.js';
import type { RequestLog, RequestTrace } from '../../requests/request-log.js';
import type { LoadTracker } from '../../routing/load-tracker.js';
import { ClientGone } from '../../routing/client-gone.js';
import { renameModel } from '../../routing/model-rename.js';
import { roundMs } from '../../routing/server-timing.js';

export interface InferenceRouteOptions {
  /** The metrics name of the endpoint, e.g. `chat.completions`. */
  readonly endpointName: string;
  /** The OpenAI path, forwarded as is, e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly validate: BodyValidator;
  readonly models: ModelDirectory;
  readonly metrics: MetricsSink;
  readonly bodyLimitBytes: number;
  readonly readyDeadlineMs: number;
  readonly dispatcher: Dispatcher;
  /** Model names with a route go through the router (cache, local, network, cloud). */
  readonly router?: Router;
  /** Every request gets a record here. */
  readonly requests?: RequestLog;
  /** Looks for runtime servers again before a model name nobody serves is answered 404 (refresh-on-miss.ts). */
  readonly refreshOnMiss?: () => Promise<void>;
}

/** The API key's name when the gateway checked one, else the User-Agent. */
function clientOf(req: IncomingMessage): string {
  // Set by the app-key guard (which drops any such header a client sent).
  const app = req.headers['x-homeport-app'];
  return (typeof app === 'string' ? app : undefined) ?? req.headers['user-agent'] ?? 'unknown';
}

/**
 * A meter that also tells the request trace (phases, tokens, the end) and the
 * router's load tracker (in flight and request times of the runtime).
 */
function tracedMeter(meter: RequestMeter, trace: RequestTrace, endLoad: ((ok: boolean) => void) | undefined): RequestMeter {
  return {
    waiting: () => {
      trace.setPhase('queued');
      meter.waiting();
    },
    forwarded: () => {
      trace.setPhase('prefill');
      meter.forwarded();
    },
    firstToken: () => {
      trace.firstToken();
      meter.firstToken();
    },
    tokens: (n) => {
      trace.tokens(n);
      meter.tokens(n);
    },
    finish: (result) => {
      endLoad?.(result.status < 400 && !result.error);
      meter.finish(result);
      if (!trace.finished) {
        trace.attempt({ target: trace.finalTarget ?? '', tier: 'local', outcome: result.status === 499 ? 'cancelled' : 'answered', reason: result.error ?? 'the model\'s own runtime (no route)', status: result.status });
        trace.finish(result);
      }
    },
  };
}

/**
 * Wraps a meter so that `finish` runs exactly once, whoever ends the request,
 * and releases the runtime's in-flight hold at that moment.
 */
function finishOnce(meter: RequestMeter, release: (() => void) | undefined): RequestMeter {
  let done = false;
  return {
    waiting: () => meter.waiting(),
    forwarded: () => meter.forwarded(),
    firstToken: () => meter.firstToken(),
    tokens: (n) => meter.tokens(n),
    finish: (result) => {
      if (done) return;
      done = true;
      release?.();
      meter.finish(result);
    },
  };
}

const GONE_WHILE_WAITING = { status: 499, error: 'The client closed the connection while waiting for the runtime.' } as const;

/** Usable as an express handler and by the gateway's fast lane. Rejects with the error to answer. */
export type InferenceHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The hot path of one inference endpoint: read and check the body, resolve
 * the model, wait for its runtime, forward. Errors thrown here become
 * OpenAI-shaped responses in the error middleware.
 */
export function createInferenceHandler(options: InferenceRouteOptions): InferenceHandler {
  const { models, metrics } = options;

  return async function inferenceHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { raw, json } = await readJsonBody(req, { limitBytes: options.bodyLimitBytes });
    const routed = options.validate(json);
    if (!modelAllowed(req, routed.model)) throw modelNotAllowed(routed.model);
    const route = options.router?.route(routed.model);
    if (route !== undefined && options.router !== undefined && options.requests !== undefined) {
      const trace = options.requests.begin({ client: clientOf(req), route: route.name, model: routed.model, endpoint: options.endpointName, stream: routed.stream });
      res.setHeader('x-homeport-request-id', trace.id);
      try {
        await options.router.handle({ req, res, raw, json, stream: routed.stream, endpointName: options.endpointName, path: options.path, route, trace, clientGone: new ClientGone(res) });
      } catch (err) {
        // A runtime that failed between the decision and the call, or a bug: answered by the error middleware.
        const unavailable = runtimeUnavailable(err);
        trace.finish({ status: unavailable?.status ?? 500, error: unavailable?.message ?? String(err) });
        throw unavailable ?? err;
      }
      return;
    }
    // No route: only the model's own local runtime can answer, so a tier forced elsewhere is refused.
    const tierError = unroutedTierError(req.headers[TIER_HEADER], routed.model);
    if (tierError !== null) throw tierError;
    const resolveStart = performance.now();
    let entry = models.resolve(routed.model);
    if (entry === undefined && options.refreshOnMiss !== undefined) {
      await options.refreshOnMiss();
      entry = models.resolve(routed.model);
    }
    if (entry === undefined) throw modelNotFound(routed.model, models.list());

    const runtime = entry.runtime;
    res.setHeader('x-homeport-route', `local; runtime=${runtime.id}; model=${entry.id}`);
    let baseMeter = metrics.begin({ modelId: entry.id, runtimeId: runtime.id, endpoint: options.endpointName, stream: routed.stream });
    let trace: RequestTrace | undefined;
    if (options.requests !== undefined) {
      trace = options.requests.begin({ client: clientOf(req), route: null, model: routed.model, endpoint: options.endpointName, stream: routed.stream });
      trace.serving(`local:${entry.id}`, 'local');
      res.setHeader('x-homeport-request-id', trace.id);
      res.setHeader('x-homeport-cache', 'off');
      const load: LoadTracker | undefined = options.router?.load;
      baseMeter = tracedMeter(baseMeter, trace, load?.begin(runtime.id));
    }
    // In flight from here on: lifecycle policy never unloads or evicts a runtime with holds.
    const meter = finishOnce(baseMeter, runtime.hold?.());
    // Finding the model is this path's routing (a re-detection pass on a miss included; waiting for the runtime is not).
    const routingMs = performance.now() - resolveStart;
    if (trace !== undefined) trace.timing.routingMs = roundMs(routingMs);

    // Waiting for a runtime that is not ready: the client leaving stops the wait. A ready runtime resolves at once,
    // and the proxy watches the response for the client leaving from then on.
    const waitGone = runtime.snapshot().state === 'ready' ? undefined : new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) waitGone?.abort();
    };
    let endpoint: RuntimeEndpoint;
    try {
      if (waitGone !== undefined) {
        res.on('close', onClose);
        meter.waiting();
      }
      endpoint = await runtime.ensureReady({ deadlineMs: options.readyDeadlineMs, ...(waitGone ? { signal: waitGone.signal } : {}) });
    } catch (err) {
      if (waitGone?.signal.aborted) {
        meter.finish(GONE_WHILE_WAITING);
        return;
      }
      const unavailable = runtimeUnavailable(err);
      meter.finish({ status: unavailable?.status ?? 500, error: unavailable?.message ?? String(err) });
      throw unavailable ?? err;
    } finally {
      if (waitGone !== undefined) res.off('close', onClose);
    }
    if (waitGone?.signal.aborted) {
      meter.finish(GONE_WHILE_WAITING);
      return;
    }

    // Forward the client's bytes untouched unless the runtime knows the model by another name;
    // then its answers get the client's name back.
    const renamed = entry.upstreamModel !== routed.model;
    const body = renamed ? renameModel(raw, json, entry.upstreamModel) : raw;

    try {
      forwardToRuntime({
        dispatcher: options.dispatcher,
        endpoint,
        path: options.path,
        body,
        accept: req.headers.accept,
        runtimeId: runtime.id,
        stream: routed.stream,
        res,
        meter,
        echo: ModelEcho.between(entry.upstreamModel, routed.model),
        timing: { routingMs, ...(trace !== undefined ? { onUpstream: (ms: number) => (trace.timing.upstreamMs = ms) } : {}) },
        // Attached servers have ids like `llama-server@host:port`; the ones Homeport started do not.
        advise: (status, text) =>
          unservedEndpointAdvice({ ownedBy: entry.ownedBy, modelId: entry.id, path: options.path, status, body: text, spawnedByHomeport: !runtime.id.includes('@') }),
      });
    } catch (err) {
      // Only a bug gets here (e.g. an invalid header in the endpoint); the error middleware answers 500.
      meter.finish({ status: 500, error: String(err) });
      throw err;
    }
  };
}

/**
 * The worker's HTTP server (node:http directly: no framework on the per-token
 * path). It listens before the model loads, answering /health with 503
 * `loading` and every /v1 path with an OpenAI-shaped 503 until ready() hands
 * it the loaded model. Every failure a client can cause ends in an
 * OpenAI-shaped error; none of them can take the process down.
 *
 * The request handlers (and with them node-llama-cpp, zod, the grammar and
 * tool-call code) are imported by loadRoutes(), not with this module: the
 * port answers within a few milliseconds of the process starting, and the
 * worker loads the handlers while node-llama-cpp tests its native binary in a
 * process of its own (worker-main.ts), off the path to the first token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, methodNotAllowed, modelLoading, notFound, shuttingDown, toApiError } from './api-errors.js';
import { clientGoneSignal, DEFAULT_BODY_LIMIT_BYTES, readJsonBody, sendError, sendJson } from './http-io.js';
import type { ModelHost } from './model-host.js';
import { checkWorkerRequest } from './request-guard.js';
import type { RouteContext } from './route-context.js';
import { ADOPT_PATH } from './spare-args.js';

export interface WorkerServerOptions {
  readonly host: string;
  readonly port: number;
  /** Unix seconds reported as the model's `created`. */
  readonly modelCreated: number;
  readonly bodyLimitBytes?: number;
  /** The per-launch key every request must carry (request-guard.ts). */
  readonly key: string;
  /** Diagnostics (stderr). */
  readonly log: (line: string) => void;
}

type Phase = { readonly name: 'spare' } | { readonly name: 'loading' } | { readonly name: 'ready'; readonly host: ModelHost } | { readonly name: 'stopping' };

interface PostRoute {
  readonly handler: (context: RouteContext) => Promise<void>;
}

type PostRoutes = Readonly<Record<string, PostRoute>>;

/** Counts a chat request's prompt tokens (tokenize.ts; kept here too so this module does not import the handlers). */
const TOKENIZE_PATH = '/tokenize';

/** The POST paths the worker serves; a path not listed is a 404 in every phase. */
const POST_PATHS: ReadonlySet<string> = new Set(['/v1/chat/completions', '/v1/completions', '/v1/embeddings', TOKENIZE_PATH]);

async function importPostRoutes(): Promise<PostRoutes> {
  const [chat, text, embeddings, tokenize] = await Promise.all([
    import('./chat-completions.js'),
    import('./text-completions.js'),
    import('./embeddings.js'),
    import('./tokenize.js'),
  ]);
  return {
    '/v1/chat/completions': { handler: chat.handleChatCompletion },
    '/v1/completions': { handler: text.handleTextCompletion },
    '/v1/embeddings': { handler: embeddings.handleEmbeddings },
    [TOKENIZE_PATH]: { handler: tokenize.handleTokenize },
  };
}

/** What a spare does with an adoption request's body: the options to load with, or why not. */
export type AdoptionCheck<T> = (body: unknown) => { readonly ok: true; readonly options: T } | { readonly ok: false; readonly message: string };

export class WorkerServer {
  readonly #options: WorkerServerOptions;
  readonly #server: Server;
  /** Aborts every running request at shutdown. */
  readonly #stopping = new AbortController();
  #phase: Phase = { name: 'loading' };
  /** The bound port (known after listen), which requests must name in `Host`. */
  #port = -1;
  #routes: PostRoutes | undefined;
  #routesLoading: Promise<void> | undefined;
  #modelCreated: number;
  /** While a spare: takes the adoption request (set by awaitAdoption). */
  #adopt: ((body: unknown) => string | null) | undefined;
  #sparePrepared = false;

  constructor(options: WorkerServerOptions) {
    this.#options = options;
    this.#modelCreated = options.modelCreated;
    this.#server = createServer({ noDelay: true }, (request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        options.log(`request handling failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        if (!response.destroyed) sendError(response, toApiError(error));
      });
    });
  }

  /** Start listening; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve(this.#port);
      });
    });
  }

  /** Import the request handlers (once); ready() needs them. */
  loadRoutes(): Promise<void> {
    this.#routesLoading ??= importPostRoutes().then((routes) => {
      this.#routes = routes;
    });
    return this.#routesLoading;
  }

  /**
   * Serve as a spare until adopted: /health answers 503 `spare`, and one POST /spare/adopt
   * whose body `check` accepts ends it (202); the phase is then `loading`, as in a cold start.
   */
  awaitAdoption<T>(check: AdoptionCheck<T>): Promise<T> {
    return new Promise((resolve) => {
      this.#phase = { name: 'spare' };
      this.#adopt = (body) => {
        const result = check(body);
        if (!result.ok) return result.message;
        this.#adopt = undefined;
        this.#phase = { name: 'loading' };
        resolve(result.options);
        return null;
      };
    });
  }

  /** The spare has done everything a start does before the model file (shown by /health). */
  markSparePrepared(): void {
    this.#sparePrepared = true;
  }

  /** The model's `created` (Unix seconds), known once an adopted spare has read the file. */
  setModelCreated(seconds: number): void {
    this.#modelCreated = seconds;
  }

  /** Serve `host`; loadRoutes() must have finished. */
  ready(host: ModelHost): void {
    if (this.#routes === undefined) throw new Error('ready() before loadRoutes() finished');
    if (this.#phase.name === 'loading') this.#phase = { name: 'ready', host };
  }

  /** Stop accepting, abort running and queued requests, and close every connection. */
  async close(): Promise<void> {
    if (this.#phase.name === 'ready') this.#phase.host.slots.close();
    this.#phase = { name: 'stopping' };
    this.#stopping.abort(new Error('the runtime is shutting down'));
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    // Give aborted streams a moment to end on their own, then cut what is left.
    setTimeout(() => this.#server.closeAllConnections(), 200).unref();
    await closed;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = (request.url ?? '/').split('?', 1)[0]!;
    const phase = this.#phase;

    try {
      const refusal = checkWorkerRequest({ method, headers: request.headers }, { port: this.#port, key: this.#options.key });
      if (refusal !== null) throw refusal;
      if (path === '/health') {
        if (method !== 'GET') throw methodNotAllowed(method, path, ['GET']);
        this.#sendHealth(response, phase);
        return;
      }
      if (phase.name === 'stopping') throw shuttingDown();
      if (path === ADOPT_PATH) {
        if (method !== 'POST') throw methodNotAllowed(method, path, ['POST']);
        await this.#handleAdoption(request, response);
        return;
      }
      if ((phase.name === 'loading' || phase.name === 'spare') && (path.startsWith('/v1/') || path === TOKENIZE_PATH)) throw modelLoading();

      if (path === '/v1/models' || path.startsWith('/v1/models/')) {
        if (method !== 'GET') throw methodNotAllowed(method, path, ['GET']);
        this.#sendModels(response, path);
        return;
      }
      if (!POST_PATHS.has(path)) throw notFound(method, path);
      if (method !== 'POST') throw methodNotAllowed(method, path, ['POST']);
      const route = this.#routes?.[path];
      if (phase.name !== 'ready' || route === undefined) throw modelLoading();

      const signal = AbortSignal.any([clientGoneSignal(response), this.#stopping.signal]);
      const body = await readJsonBody(request, this.#options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES);
      await route.handler({ host: phase.host, body, response, signal });
    } catch (error) {
      if (response.destroyed) return; // the client left; nobody to tell
      const apiError = toApiError(error);
      if (!(error instanceof ApiError)) {
        this.#options.log(`${method} ${path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
      sendError(response, this.#stopping.signal.aborted && !(error instanceof ApiError) ? shuttingDown() : apiError);
    }
  }

  async #handleAdoption(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const adopt = this.#adopt;
    if (adopt === undefined) {
      throw new ApiError({ status: 409, type: 'invalid_request_error', code: 'not_a_spare', message: 'This worker is not a spare waiting for a model.' });
    }
    const body = await readJsonBody(request, this.#options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES);
    const refusal = adopt(body);
    if (refusal !== null) throw new ApiError({ status: 400, type: 'invalid_request_error', code: 'invalid_adoption', message: refusal });
    sendJson(response, 202, { status: 'adopted', pid: process.pid });
  }

  #sendHealth(response: ServerResponse, phase: Phase): void {
    if (phase.name === 'spare') {
      sendJson(response, 503, { status: 'spare', prepared: this.#sparePrepared, pid: process.pid });
      return;
    }
    if (phase.name !== 'ready') {
      sendJson(response, 503, { status: phase.name });
      return;
    }
    const stats = phase.host.slots.stats();
    sendJson(response, 200, {
      status: 'ok',
      model: phase.host.modelId,
      slots: { total: stats.total, busy: stats.busy },
      queued: stats.queued,
    });
  }

  #sendModels(response: ServerResponse, path: string): void {
    const phase = this.#phase;
    if (phase.name !== 'ready') throw modelLoading();
    const entry = { id: phase.host.modelId, object: 'model', created: this.#modelCreated, owned_by: 'homeport-embedded' };
    if (path === '/v1/models') {
      sendJson(response, 200, { object: 'list', data: [entry] });
      return;
    }
    const id = safeDecode(path.slice('/v1/models/'.length));
    if (id !== entry.id) {
      throw new ApiError({
        status: 404,
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
        message: `The model '${id}' does not exist; this runtime serves '${entry.id}'.`,
      });
    }
    sendJson(response, 200, entry);
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

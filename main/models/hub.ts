/**
 * A small client for the parts of the Hugging Face Hub API that Homeport
 * uses: searching GGUF model repos and listing a repo's files with their
 * sizes and LFS sha256 digests.
 *
 * Endpoints (as used by huggingface_hub and huggingface.js):
 *   GET {endpoint}/api/models?search=Q&filter=gguf&sort=downloads&limit=N
 *       -> [{ id, downloads, likes, tags, gated, private, lastModified, ... }]
 *   GET {endpoint}/api/models/{repo}/tree/{revision}?recursive=true
 *       -> [{ type: 'file'|'directory', path, size, oid, lfs?: { oid, size, pointerSize } }]
 *       paginated with a `Link: <url>; rel="next"` header.
 *   GET {endpoint}/{repo}/resolve/{revision}/{path}   (see download-transfer.ts)
 *
 * Failures carry `X-Error-Code` (GatedRepo, RepoNotFound, RevisionNotFound,
 * EntryNotFound) and `X-Error-Message` headers and a JSON `{ error }` body.
 * The token is sent as `Authorization: Bearer hf_...`, only to the hub's own
 * origin, and never appears in an error message.
 */
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { redact } from '../secrets/redact.js';
import { quantFromFileName } from './quant-name.js';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export const AUTH_REQUIRED_MESSAGE =
  "This repository is gated or private: accept its terms on huggingface.co and add a Hugging Face token in Homeport's settings";

/** Options every hub call takes. */
export interface HubClientOptions {
  /** Hub base URL; defaults to `HF_ENDPOINT` from `env`, then https://huggingface.co. */
  readonly endpoint?: string;
  /** A Hugging Face access token (`hf_...`) for gated and private repos. Never logged. */
  readonly token?: string;
  /** undici dispatcher (an Agent, a MockAgent, a proxy...); the global one otherwise. */
  readonly dispatcher?: Dispatcher;
  readonly signal?: AbortSignal;
  /** Where `HF_ENDPOINT` is read from; process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

// ---------------------------------------------------------------- errors

export type HubErrorCode =
  | 'auth_required'
  | 'not_found'
  | 'invalid_request'
  | 'rate_limited'
  | 'http_error'
  | 'network'
  | 'bad_response';

/** A hub failure with a code the UI can branch on and a message a person can act on. */
export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    readonly code: HubErrorCode,
    message: string,
    readonly details: { readonly status?: number; readonly retryable?: boolean } = {},
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.details.retryable ?? false;
  }
  /** What a log or an IPC payload may carry: no stack, no cause. */
  toJSON(): { name: string; code: HubErrorCode; message: string; status?: number } {
    return { name: this.name, code: this.code, message: this.message, status: this.details.status };
  }
}

/** What a failed hub response says about itself. */
export interface HubFailure {
  readonly status: number;
  /** `X-Error-Code`, when the hub sent one. */
  readonly errorCode?: string;
  /** `X-Error-Message` or the JSON body's `error`. */
  readonly errorMessage?: string;
}

/** Maps a failed response to a HubError. `what` names the thing asked for, e.g. `ggml-org/tiny-llamas`. */
export function hubErrorFor(failure: HubFailure, what: string, token?: string): HubError {
  const said = failure.errorMessage ? ` (the hub said: ${redact(failure.errorMessage, { secrets: [token] })})` : '';
  const status = failure.status;
  if (status === 401 || status === 403 || failure.errorCode === 'GatedRepo') {
    const hint = token ? ' A token was sent: check that it is valid and that its account has access to this repository.' : '';
    // Without a valid token the hub answers a missing repo exactly like a private one.
    const maybeMissing = failure.errorCode === 'RepoNotFound' ? ` If you typed the name, check it: ${what} may not exist.` : '';
    return new HubError('auth_required', `${AUTH_REQUIRED_MESSAGE}.${hint}${maybeMissing}`, { status });
  }
  if (status === 404) {
    const kind =
      failure.errorCode === 'RevisionNotFound' ? 'Revision not found' : failure.errorCode === 'EntryNotFound' ? 'File not found' : 'Not found';
    return new HubError('not_found', `${kind} on Hugging Face: ${what}${said}`, { status });
  }
  if (status === 429) {
    return new HubError('rate_limited', `Hugging Face is rate-limiting requests for ${what}; try again in a minute${said}`, { status, retryable: true });
  }
  if (status === 400 || status === 422) {
    return new HubError('invalid_request', `Hugging Face rejected the request for ${what}${said}`, { status });
  }
  return new HubError('http_error', `Hugging Face answered HTTP ${status} for ${what}${said}`, { status, retryable: status >= 500 });
}

/** A transport failure (refused, reset, timed out) as a retryable HubError. */
export function networkErrorFor(error: unknown, endpoint: string, token?: string): HubError {
  const reason = error instanceof Error ? error.message : String(error);
  return new HubError('network', `Could not reach Hugging Face at ${endpoint}: ${redact(reason, { secrets: [token] })}`, { retryable: true });
}

// ---------------------------------------------------------------- shared request plumbing

export function resolveHubEndpoint(options: Pick<HubClientOptions, 'endpoint' | 'env'>): string {
  const env = options.env ?? process.env;
  const raw = options.endpoint ?? env.HF_ENDPOINT ?? DEFAULT_HUB_ENDPOINT;
  return raw.replace(/\/+$/, '');
}

const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throws unless `repo` looks like `owner/name`, so it can be put in a URL path as is. */
export function assertRepoId(repo: string): void {
  if (!REPO_ID.test(repo) || repo.includes('..')) {
    throw new HubError('invalid_request', `"${repo}" is not a Hugging Face repository id (expected owner/name)`);
  }
}

/** `a/b c.gguf` -> `a/b%20c.gguf`: each path segment encoded, slashes kept. */
export function encodeRepoPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Headers for a request to `url`: the token goes only to the hub's own origin, never to a CDN. */
export function hubHeaders(url: string, endpoint: string, token: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'homeport', ...extra };
  if (token && new URL(url).origin === new URL(endpoint).origin) headers.authorization = `Bearer ${token}`;
  return headers;
}

/** Reads `X-Error-Code`, `X-Error-Message` and a JSON `{error}` body from a failed response, then drops the body. */
export async function readFailure(response: Dispatcher.ResponseData): Promise<HubFailure> {
  const header = (name: string): string | undefined => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  let bodyMessage: string | undefined;
  try {
    const text = (await response.body.text()).slice(0, 2000);
    const parsed = z.object({ error: z.string() }).safeParse(JSON.parse(text));
    if (parsed.success) bodyMessage = parsed.data.error;
  } catch {
    // Not JSON or the body broke off: the status code alone has to do.
  }
  return { status: response.statusCode, errorCode: header('x-error-code'), errorMessage: header('x-error-message') ?? bodyMessage };
}

async function getJson(url: string, what: string, options: HubClientOptions & { endpoint: string }): Promise<{ json: unknown; next?: string }> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      method: 'GET',
      headers: hubHeaders(url, options.endpoint, options.token, { accept: 'application/json' }),
      dispatcher: options.dispatcher,
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw networkErrorFor(error, options.endpoint, options.token);
  }
  if (response.statusCode !== 200) throw hubErrorFor(await readFailure(response), what, options.token);
  let json: unknown;
  try {
    json = await response.body.json();
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new HubError('bad_response', `Hugging Face sent a response for ${what} that is not JSON`);
  }
  const link = response.headers.link;
  return { json, next: nextLink(Array.isArray(link) ? link.join(', ') : link, url) };
}

/** The `rel="next"` target of a Link header, resolved against the request URL. */
export function nextLink(header: string | undefined, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (match?.[1]) return new URL(match[1], base).toString();
  }
  return undefined;
}

function parseOrThrow<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new HubError('bad_response', `Hugging Face sent an unexpected response for ${what}`);
  return parsed.data;
}

// ---------------------------------------------------------------- search

const searchEntrySchema = z.object({
  id: z.string(),
  downloads: z.number().optional(),
  likes: z.number().optional(),
  tags: z.array(z.string()).optional(),
  gated: z.union([z.boolean(), z.string()]).optional(),
  private: z.boolean().optional(),
  lastModified: z.string().optional(),
  pipeline_tag: z.string().optional(),
});

export interface ModelSearchResult {
  readonly id: string;
  readonly downloads: number;
  readonly likes: number;
  readonly tags: readonly string[];
  /** false, or how access is granted: 'auto' | 'manual'. */
  readonly gated: false | string;
  readonly private: boolean;
  readonly lastModified?: string;
  readonly pipelineTag?: string;
}

export type ModelSearchSort = 'downloads' | 'likes' | 'trendingScore' | 'lastModified' | 'createdAt';

export interface SearchOptions extends HubClientOptions {
  readonly query: string;
  /** How many results (1..100); 20 by default. */
  readonly limit?: number;
  /** Sorted by downloads unless told otherwise (always most first). */
  readonly sort?: ModelSearchSort;
}

/** GGUF model repos whose id matches `query`, most downloaded first. */
export async function searchGgufModels(options: SearchOptions): Promise<ModelSearchResult[]> {
  const endpoint = resolveHubEndpoint(options);
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 20), 1), 100);
  const params = new URLSearchParams({ search: options.query, filter: 'gguf', sort: options.sort ?? 'downloads', limit: String(limit) });
  const what = `the search "${options.query}"`;
  const { json } = await getJson(`${endpoint}/api/models?${params.toString()}`, what, { ...options, endpoint });
  const entries = parseOrThrow(z.array(searchEntrySchema), json, what);
  return entries.slice(0, limit).map((entry) => ({
    id: entry.id,
    downloads: entry.downloads ?? 0,
    likes: entry.likes ?? 0,
    tags: entry.tags ?? [],
    gated: entry.gated === undefined || entry.gated === false ? false : String(entry.gated),
    private: entry.private ?? false,
    lastModified: entry.lastModified,
    pipelineTag: entry.pipeline_tag,
  }));
}

// ---------------------------------------------------------------- repo files

const treeEntrySchema = z.object({
  type: z.string(),
  path: z.string(),
  size: z.number(),
  oid: z.string(),
  lfs: z.object({ oid: z.string(), size: z.number(), pointerSize: z.number().optional() }).optional(),
});

/** One file in a repo at a revision. */
export interface RepoFile {
  readonly path: string;
  /** Bytes of the real content (the LFS object's size for LFS files). */
  readonly size: number;
  /** Git blob id (sha1): of the content for plain files, of the pointer for LFS files. */
  readonly gitOid: string;
  /** sha256 of the content, for LFS files (every GGUF in practice). */
  readonly sha256?: string;
}

export interface ListFilesOptions extends HubClientOptions {
  readonly repo: string;
  readonly revision?: string;
}

/** Every file of `repo` at `revision` (default `main`), following pagination. */
export async function listRepoFiles(options: ListFilesOptions): Promise<RepoFile[]> {
  assertRepoId(options.repo);
  const endpoint = resolveHubEndpoint(options);
  const revision = options.revision ?? 'main';
  const what = `${options.repo} (revision ${revision})`;
  const files: RepoFile[] = [];
  let url: string | undefined = `${endpoint}/api/models/${options.repo}/tree/${encodeURIComponent(revision)}?recursive=true`;
  for (let page = 0; url !== undefined; page += 1) {
    if (page >= 1000) throw new HubError('bad_response', `Hugging Face kept paginating the file list of ${what}`);
    const { json, next }: { json: unknown; next?: string } = await getJson(url, what, { ...options, endpoint });
    for (const entry of parseOrThrow(z.array(treeEntrySchema), json, what)) {
      if (entry.type !== 'file') continue;
      files.push({ path: entry.path, size: entry.lfs?.size ?? entry.size, gitOid: entry.oid, sha256: entry.lfs?.oid });
    }
    url = next;
  }
  return files;
}

// ---------------------------------------------------------------- GGUF grouping

/** `name-00002-of-00003.gguf`: llama.cpp's gguf-split naming. */
const SPLIT_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

export interface SplitPart {
  /** The path with the part counter removed: `dir/name.gguf`. */
  readonly groupPath: string;
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export function splitPartOf(path: string): SplitPart | undefined {
  const match = SPLIT_NAME.exec(path);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  const index = Number(match[2]);
  const count = Number(match[3]);
  if (index < 1 || count < 1 || index > count) return undefined;
  return { groupPath: `${match[1]}.gguf`, index, count };
}

export interface GgufFile extends RepoFile {
  readonly quant?: string;
  readonly split?: SplitPart;
}

/** One downloadable model: a single .gguf file, or every part of a split one. */
export interface GgufGroup {
  /** The single file's path, or the split's path without the part counter. */
  readonly key: string;
  readonly quant?: string;
  /** In part order. */
  readonly files: readonly GgufFile[];
  readonly totalSize: number;
  /** For split models: whether the listing has every part. */
  readonly complete: boolean;
  /** A multimodal projector (`mmproj-*.gguf`), which goes beside a model rather than being one. */
  readonly projector: boolean;
}

export interface GgufListing {
  readonly repo: string;
  readonly revision: string;
  readonly files: readonly GgufFile[];
  readonly groups: readonly GgufGroup[];
}

/** The .gguf files of a repo, each with its quant and split part, grouped into downloadable models. */
export function groupGgufFiles(files: readonly RepoFile[]): { files: GgufFile[]; groups: GgufGroup[] } {
  const ggufs: GgufFile[] = files
    .filter((file) => file.path.toLowerCase().endsWith('.gguf'))
    .map((file) => ({ ...file, quant: quantFromFileName(file.path), split: splitPartOf(file.path) }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const byKey = new Map<string, GgufFile[]>();
  for (const file of ggufs) {
    const key = file.split?.groupPath ?? file.path;
    byKey.set(key, [...(byKey.get(key) ?? []), file]);
  }
  const groups: GgufGroup[] = [...byKey].map(([key, members]) => {
    const parts = [...members].sort((a, b) => (a.split?.index ?? 0) - (b.split?.index ?? 0));
    const first = parts[0];
    const count = first?.split?.count;
    const complete = count === undefined || (parts.length === count && parts.every((part, i) => part.split?.index === i + 1));
    const baseName = key.slice(key.lastIndexOf('/') + 1);
    return {
      key,
      quant: first?.quant,
      files: parts,
      totalSize: parts.reduce((sum, part) => sum + part.size, 0),
      complete,
      projector: /^mmproj/i.test(baseName),
    };
  });
  return { files: ggufs, groups };
}

/** The GGUF files of `repo`, with sizes, sha256, quant names and split grouping. */
export async function listGgufFiles(options: ListFilesOptions): Promise<GgufListing> {
  const files = await listRepoFiles(options);
  return { repo: options.repo, revision: options.revision ?? 'main', ...groupGgufFiles(files) };
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUTH_REQUIRED_MESSAGE,
  groupGgufFiles,
  HubError,
  listGgufFiles,
  listRepoFiles,
  nextLink,
  resolveHubEndpoint,
  searchGgufModels,
  splitPartOf,
} from '../../main/models/hub.js';
import { quantFromFileName, quantPreferenceRank } from '../../main/models/quant-name.js';
import { startHubDouble, STORIES_SHA256, STORIES_SIZE, TEST_TOKEN, type HubDouble } from '../fixtures/hf-hub-double.js';

async function hubErrorOf(promise: Promise<unknown>): Promise<HubError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HubError);
  return error as HubError;
}

describe('hub client against the hub double', () => {
  let hub: HubDouble;
  beforeEach(async () => {
    hub = await startHubDouble({ treePageSize: 3 });
  });
  afterEach(async () => {
    await hub.close();
  });

  it('searches GGUF repos, most downloaded first, with the query string the hub expects', async () => {
    const results = await searchGgufModels({ endpoint: hub.endpoint, query: 'llama', limit: 10 });
    // Matches ids containing the query; the safetensors and private llama repos are filtered out.
    expect(results.map((r) => r.id)).toEqual(['ggml-org/tiny-llamas', 'homeport-test/gated-llama-GGUF']);
    const all = await searchGgufModels({ endpoint: hub.endpoint, query: '', limit: 10 });
    // The safetensors repo has the most downloads but no gguf tag; the private one is invisible without a token.
    expect(all.map((r) => r.id)).toEqual(['ggml-org/tiny-llamas', 'homeport-test/tiny-split-GGUF', 'homeport-test/gated-llama-GGUF']);
    expect(all[0]).toMatchObject({ downloads: 4200, likes: 12, gated: false, private: false });
    expect(all[0]?.tags).toContain('gguf');
    expect(all[2]?.gated).toBe('manual');

    const request = hub.requests.find((r) => r.url.startsWith('/api/models?'));
    const params = new URL(request?.url ?? '', hub.endpoint).searchParams;
    expect(params.get('filter')).toBe('gguf');
    expect(params.get('sort')).toBe('downloads');
    expect(params.get('limit')).toBe('10');
    expect(params.get('search')).toBe('llama');

    const limited = await searchGgufModels({ endpoint: hub.endpoint, query: '', limit: 1 });
    expect(limited).toHaveLength(1);
    const withToken = await searchGgufModels({ endpoint: hub.endpoint, query: 'private', token: TEST_TOKEN });
    expect(withToken.map((r) => r.id)).toEqual(['homeport-test/private-llama-GGUF']);
  });

  it('lists files with sizes, LFS sha256 and git oids, following tree pagination', async () => {
    const files = await listRepoFiles({ endpoint: hub.endpoint, repo: 'homeport-test/tiny-split-GGUF' });
    expect(files.map((f) => f.path).sort()).toEqual(
      [
        '.gitattributes',
        'Q4_K_M/tiny-Q4_K_M-00001-of-00003.gguf',
        'Q4_K_M/tiny-Q4_K_M-00002-of-00003.gguf',
        'Q4_K_M/tiny-Q4_K_M-00003-of-00003.gguf',
        'mmproj-tiny-F16.gguf',
        'tiny-IQ2_XS-00001-of-00002.gguf',
        'tiny-Q8_0.gguf',
      ].sort(),
    );
    // 8 entries (7 files + 1 directory) at 3 per page: three tree requests, the later ones by cursor.
    const treeRequests = hub.requests.filter((r) => r.url.includes('/tree/'));
    expect(treeRequests).toHaveLength(3);
    expect(treeRequests[0]?.url).toContain('recursive=true');
    expect(treeRequests[2]?.url).toContain('cursor=6');

    const plain = (await listRepoFiles({ endpoint: hub.endpoint, repo: 'ggml-org/tiny-llamas' })).find((f) => f.path === 'README.md');
    expect(plain?.sha256).toBeUndefined();
    expect(plain?.gitOid).toMatch(/^[0-9a-f]{40}$/);
  });

  it('lists the GGUF files of a repo with quant names, sizes and split groups', async () => {
    const tiny = await listGgufFiles({ endpoint: hub.endpoint, repo: 'ggml-org/tiny-llamas' });
    expect(tiny.files).toHaveLength(1);
    expect(tiny.files[0]).toMatchObject({ path: 'stories260K.gguf', size: STORIES_SIZE, sha256: STORIES_SHA256, quant: undefined });

    const split = await listGgufFiles({ endpoint: hub.endpoint, repo: 'homeport-test/tiny-split-GGUF' });
    const byKey = new Map(split.groups.map((g) => [g.key, g]));
    const q4 = byKey.get('Q4_K_M/tiny-Q4_K_M.gguf');
    expect(q4).toMatchObject({ quant: 'Q4_K_M', complete: true, projector: false, totalSize: STORIES_SIZE });
    expect(q4?.files.map((f) => f.split?.index)).toEqual([1, 2, 3]);
    expect(q4?.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256 ?? ''))).toBe(true);
    expect(byKey.get('tiny-Q8_0.gguf')).toMatchObject({ quant: 'Q8_0', complete: true, totalSize: STORIES_SIZE });
    expect(byKey.get('tiny-IQ2_XS.gguf')).toMatchObject({ quant: 'IQ2_XS', complete: false });
    expect(byKey.get('mmproj-tiny-F16.gguf')).toMatchObject({ quant: 'F16', projector: true });
  });

  it('lists a gated repo without a token (only its downloads are gated)', async () => {
    const gated = await listGgufFiles({ endpoint: hub.endpoint, repo: 'homeport-test/gated-llama-GGUF' });
    expect(gated.files[0]).toMatchObject({ path: 'stories260K-Q4_0.gguf', quant: 'Q4_0', sha256: STORIES_SHA256 });
  });

  it('reports a private repo as auth_required without leaking the token, and lists it with the token', async () => {
    const noToken = await hubErrorOf(listRepoFiles({ endpoint: hub.endpoint, repo: 'homeport-test/private-llama-GGUF' }));
    expect(noToken.code).toBe('auth_required');
    expect(noToken.message).toContain(AUTH_REQUIRED_MESSAGE);

    const wrong = 'hf_WrongTokenAbcdefghijklmnop';
    const withWrong = await hubErrorOf(listRepoFiles({ endpoint: hub.endpoint, repo: 'homeport-test/private-llama-GGUF', token: wrong }));
    expect(withWrong.code).toBe('auth_required');
    for (const text of [withWrong.message, JSON.stringify(withWrong), String(withWrong.stack)]) expect(text).not.toContain(wrong);
    expect(hub.requests.at(-1)?.headers.authorization).toBe(`Bearer ${wrong}`);

    const files = await listRepoFiles({ endpoint: hub.endpoint, repo: 'homeport-test/private-llama-GGUF', token: TEST_TOKEN });
    expect(files.map((f) => f.path)).toEqual(['secret-Q5_K_M.gguf']);
  });

  it('maps missing repos and revisions to not_found, and rejects malformed repo ids before any request', async () => {
    const missing = await hubErrorOf(listRepoFiles({ endpoint: hub.endpoint, repo: 'nobody/nothing', token: TEST_TOKEN }));
    expect(missing.code).toBe('not_found');
    // Anonymous: the hub hides whether the repo exists, so the message covers both cases.
    const anonymous = await hubErrorOf(listRepoFiles({ endpoint: hub.endpoint, repo: 'nobody/nothing' }));
    expect(anonymous.code).toBe('auth_required');
    expect(anonymous.message).toContain('nobody/nothing (revision main) may not exist');
    const revision = await hubErrorOf(listRepoFiles({ endpoint: hub.endpoint, repo: 'ggml-org/tiny-llamas', revision: 'v9' }));
    expect(revision.code).toBe('not_found');
    expect(revision.message).toContain('Revision not found');
    const before = hub.requests.length;
    const malformed = await hubErrorOf(listRepoFiles({ endpoint: hub.endpoint, repo: '../etc/passwd' }));
    expect(malformed.code).toBe('invalid_request');
    expect(hub.requests.length).toBe(before);
  });

  it('takes the endpoint from HF_ENDPOINT when no option is given', async () => {
    const results = await searchGgufModels({ env: { HF_ENDPOINT: `${hub.endpoint}/` }, query: 'tiny' });
    expect(results.map((r) => r.id)).toContain('ggml-org/tiny-llamas');
  });
});

describe('network failures', () => {
  it('reports an unreachable hub as a retryable network error', async () => {
    const hub = await startHubDouble();
    const endpoint = hub.endpoint;
    await hub.close();
    const error = await hubErrorOf(searchGgufModels({ endpoint, query: 'x' }));
    expect(error.code).toBe('network');
    expect(error.retryable).toBe(true);
  });
});

describe('pure helpers', () => {
  it('resolves the endpoint: option, then HF_ENDPOINT, then huggingface.co', () => {
    expect(resolveHubEndpoint({ endpoint: 'http://x/', env: { HF_ENDPOINT: 'http://y' } })).toBe('http://x');
    expect(resolveHubEndpoint({ env: { HF_ENDPOINT: 'http://y//' } })).toBe('http://y');
    expect(resolveHubEndpoint({ env: {} })).toBe('https://huggingface.co');
  });

  it('parses Link headers', () => {
    expect(nextLink('<https://hf.co/api/models/a/b/tree/main?cursor=xyz>; rel="next"', 'https://hf.co/')).toBe(
      'https://hf.co/api/models/a/b/tree/main?cursor=xyz',
    );
    expect(nextLink('<https://hf.co/p1>; rel="prev"', 'https://hf.co/')).toBeUndefined();
    expect(nextLink(undefined, 'https://hf.co/')).toBeUndefined();
  });

  it('recognises split part names', () => {
    expect(splitPartOf('dir/Model-Q4_K_M-00002-of-00005.gguf')).toEqual({ groupPath: 'dir/Model-Q4_K_M.gguf', index: 2, count: 5 });
    expect(splitPartOf('model-00006-of-00005.gguf')).toBeUndefined();
    expect(splitPartOf('model-Q4_K_M.gguf')).toBeUndefined();
  });

  it('groups files: non-gguf dropped, parts ordered even when listed out of order', () => {
    const file = (path: string, size = 10) => ({ path, size, gitOid: 'a'.repeat(40), sha256: 'b'.repeat(64) });
    const { groups } = groupGgufFiles([file('README.md'), file('m-Q8_0-00002-of-00002.gguf', 5), file('m-Q8_0-00001-of-00002.gguf', 7)]);
    expect(groups).toHaveLength(1);
    expect(groups[0]?.files.map((f) => f.path)).toEqual(['m-Q8_0-00001-of-00002.gguf', 'm-Q8_0-00002-of-00002.gguf']);
    expect(groups[0]).toMatchObject({ key: 'm-Q8_0.gguf', totalSize: 12, complete: true, quant: 'Q8_0' });
  });
});

describe('quantFromFileName', () => {
  it.each([
    ['Llama-3.2-1B-Instruct-Q4_K_M.gguf', 'Q4_K_M'],
    ['qwen2.5-7b-instruct-q5_k_s.gguf', 'Q5_K_S'],
    ['model.Q8_0.gguf', 'Q8_0'],
    ['phi-2.Q4_0.gguf', 'Q4_0'],
    ['gemma-2b-it-f16.gguf', 'F16'],
    ['Qwen3-0.6B-BF16.gguf', 'BF16'],
    ['Meta-Llama-3-8B-Instruct-IQ2_XS.gguf', 'IQ2_XS'],
    ['model-IQ3_XXS.gguf', 'IQ3_XXS'],
    ['model-IQ4_NL.gguf', 'IQ4_NL'],
    ['model-Q6_K.gguf', 'Q6_K'],
    ['Qwen3-30B-A3B-UD-Q4_K_XL.gguf', 'UD-Q4_K_XL'],
    ['model-Q4_0_4_8.gguf', 'Q4_0_4_8'],
    ['model-TQ1_0.gguf', 'TQ1_0'],
    ['gpt-oss-20b-MXFP4.gguf', 'MXFP4'],
    ['model-fp32.gguf', 'F32'],
    ['bigmodel-Q4_K_M-00001-of-00003.gguf', 'Q4_K_M'],
    ['Q5_K_M/model-00001-of-00002.gguf', 'Q5_K_M'],
    ['Q8_0-conversion-of-model-Q4_K_M.gguf', 'Q4_K_M'],
    ['stories260K.gguf', undefined],
    ['XQ4_K_Mx.gguf', undefined],
    ['mistral-7b-v0.1.gguf', undefined],
  ])('%s -> %s', (name, quant) => {
    expect(quantFromFileName(name)).toBe(quant);
  });

  it('ranks the default preference Q4_K_M > Q4_0 > Q5_K_M > Q8_0 > anything else', () => {
    const ranks = ['Q4_K_M', 'Q4_0', 'Q5_K_M', 'Q8_0', 'IQ2_XS', undefined].map((q) => quantPreferenceRank(q));
    expect(ranks).toEqual([0, 1, 2, 3, 4, 4]);
    expect(quantPreferenceRank('UD-Q4_K_M')).toBe(0);
  });
});

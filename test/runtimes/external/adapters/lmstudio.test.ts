import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildLmStudioLaunchPlan,
  buildLmStudioLoadCommand,
  buildLmStudioStatusCommand,
  buildLmStudioStopCommand,
  buildLmStudioUnloadCommand,
  judgeLmStudioHealth,
  lmStudioAdapter,
  parseLmStudioModels,
  parseLmStudioStatus,
  parseLmsVersion,
} from '../../../../main/runtimes/external/adapters/lmstudio.js';
import { freePort, runDouble, waitForHttp } from '../../../fixtures/doubles/harness.js';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) {
    const info = path.join(home, '.internal', 'double-server.json');
    if (!existsSync(info)) continue;
    try {
      process.kill((JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('lmstudio commands', () => {
  it('starts the server on a loopback port through lms', () => {
    expect(buildLmStudioLaunchPlan({ port: 9200 })).toEqual({
      command: 'lms',
      args: ['server', 'start', '--port', '9200', '--bind', '127.0.0.1'],
      baseUrl: 'http://127.0.0.1:9200',
      healthPath: '/lmstudio-greeting',
      headers: {},
    });
    expect(lmStudioAdapter.launcherExits).toBe(true);
    expect(buildLmStudioStopCommand()).toEqual({ command: 'lms', args: ['server', 'stop'] });
    expect(buildLmStudioStatusCommand('/opt/lms')).toEqual({ command: '/opt/lms', args: ['server', 'status', '--json'] });
  });

  it('builds lms load and unload argv', () => {
    expect(buildLmStudioLoadCommand({ modelKey: 'qwen2.5-0.5b-instruct' }).args).toEqual(['load', 'qwen2.5-0.5b-instruct', '-y']);
    expect(buildLmStudioLoadCommand({ modelKey: 'k', identifier: 'chat', contextLength: 8192, gpu: 'max', parallel: 2, ttlSeconds: 600 }).args).toEqual([
      'load', 'k', '--identifier', 'chat', '-c', '8192', '--gpu', 'max', '--parallel', '2', '--ttl', '600', '-y',
    ]);
    expect(buildLmStudioLoadCommand({ modelKey: 'k', gpu: 0.5 }).args).toContain('0.5');
    expect(() => buildLmStudioLoadCommand({ modelKey: 'k', gpu: 2 })).toThrow(RangeError);
    expect(buildLmStudioUnloadCommand({ identifier: 'chat' }).args).toEqual(['unload', 'chat']);
    expect(buildLmStudioUnloadCommand({ all: true }).args).toEqual(['unload', '--all']);
  });
});

describe('lmstudio parsers', () => {
  it('reads status, version, greeting and /api/v0/models', () => {
    expect(parseLmStudioStatus('{"running":true,"port":1234}\n')).toEqual({ ok: true, value: { running: true, port: 1234 } });
    expect(parseLmStudioStatus('{"running":false}')).toEqual({ ok: true, value: { running: false, port: null } });
    expect(parseLmStudioStatus('The server is not running.').ok).toBe(false);
    expect(parseLmsVersion({ stdout: '{"version":"abc123"}\n', stderr: '' })).toEqual({ ok: true, value: 'abc123' });
    expect(parseLmsVersion({ stdout: 'CLI commit: def456\n', stderr: '' })).toEqual({ ok: true, value: 'def456' });
    expect(judgeLmStudioHealth({ status: 200, body: '{"lmstudio":true}' }).healthy).toBe(true);
    // LM Studio answers unknown paths with 200 too: the body decides.
    expect(judgeLmStudioHealth({ status: 200, body: '{"error":"Unexpected endpoint or method. (GET /x)"}' }).healthy).toBe(false);
    expect(parseLmStudioModels({ data: [{ id: 'a', type: 'vlm', state: 'loaded', max_context_length: 8 }, { id: 'b', type: 'embeddings', state: 'not-loaded' }] })).toEqual({
      ok: true,
      value: [
        { id: 'a', type: 'llm', loaded: true, contextLength: null, maxContextLength: 8, sizeBytes: null },
        { id: 'b', type: 'embedding', loaded: false, contextLength: null, maxContextLength: null, sizeBytes: null },
      ],
    });
  });
});

describe('lmstudio adapter against its doubles', () => {
  it('starts the server, loads and unloads with the built commands, and sees it in /api/v0/models', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'lms-adapter-'));
    homes.push(home);
    const env = { HOMEPORT_DOUBLE_LMS_HOME: home };
    const port = await freePort();
    const plan = lmStudioAdapter.buildLaunchPlan({ port });
    expect(await runDouble('lms', plan.args, { env })).toMatchObject({ code: 0 });
    const health = await waitForHttp(`${plan.baseUrl}${plan.healthPath}`);
    expect(lmStudioAdapter.health.judge({ status: health.status, body: await health.text() }).healthy).toBe(true);

    const status = await runDouble('lms', buildLmStudioStatusCommand().args, { env });
    expect(parseLmStudioStatus(status.stdout)).toEqual({ ok: true, value: { running: true, port } });

    const load = buildLmStudioLoadCommand({ modelKey: 'qwen2.5-0.5b-instruct', identifier: 'chat', contextLength: 8192, gpu: 'off', parallel: 2, ttlSeconds: 300 });
    expect(await runDouble('lms', load.args, { env })).toMatchObject({ code: 0 });
    const models = lmStudioAdapter.models.parse(await (await fetch(`${plan.baseUrl}${lmStudioAdapter.models.path}`)).json());
    expect(models).toMatchObject({ ok: true, value: [{ id: 'qwen2.5-0.5b-instruct', loaded: true }, { id: 'text-embedding-nomic-embed-text-v1.5', loaded: false }] });

    expect(await runDouble('lms', buildLmStudioUnloadCommand({ identifier: 'chat' }).args, { env })).toMatchObject({ code: 0 });
    const after = lmStudioAdapter.models.parse(await (await fetch(`${plan.baseUrl}${lmStudioAdapter.models.path}`)).json());
    expect(after).toMatchObject({ ok: true, value: [{ loaded: false }, { loaded: false }] });

    expect(lmStudioAdapter.version.parse(await runDouble('lms', lmStudioAdapter.version.args, { env }))).toMatchObject({ ok: true });
    expect(await runDouble('lms', buildLmStudioStopCommand().args, { env })).toMatchObject({ code: 0 });
  });
});

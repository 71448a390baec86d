import { chmodSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectRuntimes, VLLM_NEEDS_GPU } from '../../../main/runtimes/external/detect.js';
import { VersionProbe } from '../../../main/runtimes/external/version-probe.js';
import { buildFleet } from '../../../main/runtimes/external/fleet/fleet.js';
import { runtimesConfigSchema } from '../../../main/config/runtimes-schema.js';
import { allocatePort } from '../../../main/runtimes/process/ports.js';
import { doubleBin, freePort, killAllDoubles, runDouble, spawnDouble, waitForHttp, type DoubleName } from '../../fixtures/doubles/harness.js';
import { DOUBLE_VERSIONS } from '../../fixtures/doubles/versions.js';
import { testModel } from '../../support/models.js';

const MODEL = testModel('stories260K.gguf');
const NODE_DIR = path.dirname(process.execPath);

function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A PATH holding symlinks to the double shims (and node, which the shims run). */
function pathWithShims(names: readonly DoubleName[]): string {
  const dir = tempDir('detect-bin-');
  for (const name of names) symlinkSync(doubleBin(name), path.join(dir, name));
  return `${dir}${path.delimiter}${NODE_DIR}`;
}

async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

describe('detectRuntimes with every runtime installed and running', () => {
  const lmsHome = tempDir('detect-lms-');
  const urls = { llamaServer: '', ollama: '', lmstudio: '', vllm: '' };

  beforeAll(async () => {
    const [llamaPort, ollamaPort, lmsPort, vllmPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    urls.llamaServer = `http://127.0.0.1:${llamaPort}`;
    urls.ollama = `http://127.0.0.1:${ollamaPort}`;
    urls.lmstudio = `http://127.0.0.1:${lmsPort}`;
    urls.vllm = `http://127.0.0.1:${vllmPort}`;
    spawnDouble('llama-server', ['-m', MODEL, '--port', String(llamaPort), '--api-key', 'secret']);
    spawnDouble('ollama', ['serve'], { env: { OLLAMA_HOST: `127.0.0.1:${ollamaPort}` } });
    spawnDouble('vllm', ['serve', 'org/m', '--host', '127.0.0.1', '--port', String(vllmPort), '--api-key', 'secret']);
    const started = await runDouble('lms', ['server', 'start', '--port', String(lmsPort)], { env: { HOMEPORT_DOUBLE_LMS_HOME: lmsHome } });
    expect(started.code).toBe(0);
    await Promise.all([waitForHttp(`${urls.llamaServer}/health`), waitForHttp(`${urls.ollama}/`), waitForHttp(`${urls.vllm}/health`)]);
  });

  afterAll(async () => {
    await killAllDoubles();
    const info = path.join(lmsHome, '.internal', 'double-server.json');
    if (existsSync(info)) process.kill((JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid, 'SIGKILL');
  });

  it('finds each binary on PATH, reads its version and recognises its server', async () => {
    const env = { ...process.env, PATH: pathWithShims(['llama-server', 'ollama', 'lms', 'vllm']), HOMEPORT_DOUBLE_LMS_HOME: lmsHome };
    const found = await detectRuntimes({ env, urls, timeoutMs: 10_000, gpu: { cuda: true } });

    const { build, commit } = DOUBLE_VERSIONS.llamaServer;
    expect(found['llama-server']).toMatchObject({ installed: true, version: `b${build} (${commit})`, running: true, url: urls.llamaServer, available: true });
    expect(found.ollama).toMatchObject({ installed: true, version: DOUBLE_VERSIONS.ollama, running: true, available: true });
    expect(found.lmstudio).toMatchObject({ installed: true, version: DOUBLE_VERSIONS.lms, running: true, available: true });
    expect(found.vllm).toMatchObject({ installed: true, version: DOUBLE_VERSIONS.vllm, running: true, available: true });
    expect(found.vllm.runningReason).toContain('needs an API key');
    for (const detection of Object.values(found)) {
      expect(detection.binaryPath).toMatch(/detect-bin-/);
      expect(detection.installedReason).toContain('found on PATH');
      expect(detection.versionReason).toMatch(/^reported by `/);
    }
  });

  it('reports vLLM unavailable without a CUDA GPU, and tells runtimes apart by fingerprint', async () => {
    const env = { ...process.env, PATH: pathWithShims([]) };
    const swapped = { llamaServer: urls.ollama, ollama: urls.lmstudio, lmstudio: urls.vllm, vllm: urls.llamaServer };
    const found = await detectRuntimes({ env, urls: swapped, timeoutMs: 5_000 });
    expect(found.vllm.available).toBe(false);
    expect(found.vllm.reason).toBe(VLLM_NEEDS_GPU);
    for (const detection of Object.values(found)) {
      expect(detection.running).toBe(false);
      expect(detection.runningReason).toMatch(/^something answers at .* but it is not /);
    }
  });

  it('uses a configured binary path instead of PATH and can be run again', async () => {
    const env = { ...process.env, PATH: NODE_DIR };
    const first = await detectRuntimes({ env, urls, timeoutMs: 10_000, paths: { llamaServer: doubleBin('llama-server'), vllm: '/nonexistent/vllm' } });
    expect(first['llama-server']).toMatchObject({ installed: true, binaryPath: doubleBin('llama-server') });
    expect(first['llama-server'].installedReason).toContain('configured path');
    expect(first.vllm).toMatchObject({ installed: false, binaryPath: null });
    // Not installed, but the running Ollama still tells its version.
    expect(first.ollama).toMatchObject({ installed: false, running: true, version: DOUBLE_VERSIONS.ollama });
    expect(first.ollama.versionReason).toContain('reported by the running server');
    const second = await detectRuntimes({ env, urls, timeoutMs: 10_000, paths: { llamaServer: doubleBin('llama-server'), vllm: '/nonexistent/vllm' } });
    expect(second['llama-server']).toEqual(first['llama-server']);
  });
});

describe('detectRuntimes with nothing there', () => {
  it('reports each runtime as not installed and not running, with reasons', async () => {
    const env = { PATH: tempDir('detect-empty-') };
    const urls = { llamaServer: await closedPortUrl(), ollama: await closedPortUrl(), lmstudio: await closedPortUrl(), vllm: await closedPortUrl() };
    const found = await detectRuntimes({ env, urls, timeoutMs: 2_000, gpu: { cuda: true } });
    for (const detection of Object.values(found)) {
      expect(detection).toMatchObject({ installed: false, binaryPath: null, version: null, running: false, available: false });
      expect(detection.installedReason).toMatch(/not found on PATH/);
      expect(detection.runningReason).toMatch(/connection refused/);
      expect(detection.reason).toMatch(/neither installed nor running/);
    }
  });

  it('returns within the timeout when a port accepts connections and never answers', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    try {
      const started = Date.now();
      const found = await detectRuntimes({ env: { PATH: '' }, urls: { llamaServer: url, ollama: url, lmstudio: url, vllm: url }, timeoutMs: 500 });
      expect(Date.now() - started).toBeLessThan(5_000);
      for (const detection of Object.values(found)) {
        expect(detection.running).toBe(false);
        expect(detection.runningReason).toContain('within 500 ms');
      }
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('answers without a version that is slow to come, and kills a version command that hangs, saying so', async () => {
    const dir = tempDir('detect-hang-');
    const fake = path.join(dir, 'llama-server');
    writeFileSync(fake, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(fake, 0o755);
    const versions = new VersionProbe({ timeoutMs: 1_000 });
    const options = { env: { PATH: `${dir}${path.delimiter}/usr/bin${path.delimiter}/bin` }, urls: { llamaServer: await closedPortUrl() }, timeoutMs: 300, versions };
    const found = await detectRuntimes(options);
    expect(found['llama-server']).toMatchObject({ installed: true, version: null, available: true });
    expect(found['llama-server'].versionReason).toBe(
      '`llama-server --version` has not answered within 300 ms; it may take up to 1 s and the version shows on the next detection',
    );
    await versions.idle();
    const again = await detectRuntimes(options);
    expect(again['llama-server'].versionReason).toBe('`llama-server --version` gave no answer within 1 s and was killed');
  });

  it('runs a slow version command once per binary, in the background, and serves its answer from the cache', async () => {
    const dir = tempDir('detect-slow-');
    const runs = path.join(dir, 'runs.log');
    const fake = path.join(dir, 'llama-server');
    // A slow double binary: says it started, takes 4 s, prints a llama-server version line, says it finished.
    writeFileSync(fake, `#!/bin/sh\necho started >> '${runs}'\nsleep 4\necho 'version: 4242 (abc1234)' >&2\necho finished >> '${runs}'\n`);
    chmodSync(fake, 0o755);
    const port = await freePort();
    const server = spawnDouble('llama-server', ['-m', MODEL, '--port', String(port)]);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`);
      const versions = new VersionProbe({ timeoutMs: 60_000 });
      const options = { env: { PATH: `/usr/bin${path.delimiter}/bin` }, paths: { llamaServer: fake }, urls: { llamaServer: `http://127.0.0.1:${port}` }, timeoutMs: 1_000, versions };
      const first = await detectRuntimes(options);
      // The server is found while the version command is still running.
      expect(first['llama-server']).toMatchObject({ installed: true, running: true, available: true, version: null });
      expect(first['llama-server'].versionReason).toMatch(/^`llama-server --version` has not answered within 1 s/);
      expect(readFileSync(runs, 'utf8')).toBe('started\n');
      // A fleet built on that detection shows the version once it comes, without detecting again.
      const off = runtimesConfigSchema.parse({ llamaServer: { mode: 'off' }, ollama: { mode: 'off' }, lmstudio: { mode: 'off' }, vllm: { mode: 'off' } });
      const fleet = await buildFleet({ config: off, detection: first, gpu: { cuda: false }, allocatePort: () => allocatePort(), lateVersion: (binaryPath) => versions.peek(binaryPath) });
      const shown = () => fleet.detected.find((d) => d.kind === 'llama-server');
      expect(shown()).toMatchObject({ running: true, version: null });

      await versions.idle();
      expect(readFileSync(runs, 'utf8')).toBe('started\nfinished\n');
      expect(shown()).toMatchObject({ running: true, version: 'b4242 (abc1234)', versionReason: 'reported by `llama-server --version`' });
      await fleet.stop();
      for (let i = 0; i < 2; i++) {
        const later = await detectRuntimes(options);
        expect(later['llama-server']).toMatchObject({ running: true, version: 'b4242 (abc1234)', versionReason: 'reported by `llama-server --version`' });
      }
      expect(readFileSync(runs, 'utf8')).toBe('started\nfinished\n');
    } finally {
      await server.stop({ signal: 'SIGKILL' });
    }
  });

  it('sees a llama-server started with --api-key, whose /v1/models needs the key, as running and says a key is needed', async () => {
    const port = await freePort();
    const keyed = spawnDouble('llama-server', ['-m', MODEL, '--port', String(port), '--api-key', 'user-key-1234']);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`);
      expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(401);
      const found = await detectRuntimes({ env: { PATH: '' }, urls: { llamaServer: `http://127.0.0.1:${port}` }, timeoutMs: 2_000 });
      expect(found['llama-server']).toMatchObject({ running: true, available: true });
      expect(found['llama-server'].runningReason).toContain('its /v1 needs an API key: runtimes.llamaServer.apiKeySecret or apiKeyEnv');
    } finally {
      await keyed.stop({ signal: 'SIGKILL' });
    }
  });

  it('sees a llama-server that is still loading its model as running', async () => {
    const port = await freePort();
    const loading = spawnDouble('llama-server', ['-m', MODEL, '--port', String(port)], { env: { HOMEPORT_DOUBLE_HEALTH_DELAY_MS: '60000' } });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, { accept: (status) => status === 503 });
      const found = await detectRuntimes({ env: { PATH: '' }, urls: { llamaServer: `http://127.0.0.1:${port}` }, timeoutMs: 2_000 });
      expect(found['llama-server']).toMatchObject({ running: true, available: true });
      expect(found['llama-server'].runningReason).toContain('loading its model');
    } finally {
      await loading.stop({ signal: 'SIGKILL' });
    }
  });
});

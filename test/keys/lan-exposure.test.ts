/**
 * LAN exposure: refused without an app key; with one, /v1 answers this
 * machine's network address (with the key only), the Host allowlist accepts
 * its network names, and the control API and panel stay loopback-only.
 * Requests come from this machine's own non-loopback address, which the
 * engine sees as a remote client. A machine with no network interface fails
 * this test with that reason (it cannot be checked there).
 */
import { mkdtemp } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../main/config/store.js';
import { dataPaths } from '../../main/config/paths.js';
import { startEngine, LanWithoutKeysError, type Engine } from '../../main/engine.js';
import { AppKeyStore } from '../../main/keys/key-store.js';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import { lanHosts } from '../../main/gateway/lan-hosts.js';
import { testModel } from '../support/models.js';
import { engineControlToken } from '../support/control-token.js';

function lanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) if (!address.internal && address.family === 'IPv4') return address.address;
  }
  throw new Error('This machine has no non-loopback IPv4 interface, so LAN exposure cannot be tested here.');
}

const engines: Engine[] = [];
afterAll(async () => {
  await Promise.all(engines.map((engine) => engine.stop()));
});

async function start(dataDir: string, exposeToLan: boolean): Promise<{ engine: Engine; port: number }> {
  const port = await allocatePort({ host: '127.0.0.1' });
  const engine = await startEngine({ config: parseConfig({}), dataDir, modelPaths: [testModel('stories260K.gguf')], portOverride: port, tuning: { threads: 1, parallel: 1, ctx: 256 }, exposeToLan });
  engines.push(engine);
  await engine.whenReady(60_000);
  return { engine, port };
}

describe('LAN exposure', () => {
  it('lists this machine’s addresses and names as allowed hosts', () => {
    const hosts = lanHosts(4663, { eth0: [{ address: '192.168.1.7', family: 'IPv4', internal: false } as never, { address: 'fe80::1%eth0', family: 'IPv6', internal: false } as never], lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true } as never] }, 'Den-PC');
    expect(hosts).toEqual(['192.168.1.7:4663', '[fe80::1]:4663', 'den-pc:4663', 'den-pc.local:4663']);
  });

  it('is refused while no app key exists, before anything starts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'homeport-lan-'));
    const port = await allocatePort({ host: '127.0.0.1' });
    await expect(startEngine({ config: parseConfig({ lan: { enabled: true } }), dataDir, modelPaths: [testModel('stories260K.gguf')], portOverride: port })).rejects.toBeInstanceOf(LanWithoutKeysError);
  });

  it('with a key: /v1 answers the network address with the key only; the control API stays on this machine', async () => {
    const address = lanAddress();
    const dataDir = await mkdtemp(join(tmpdir(), 'homeport-lan-'));
    const { key } = AppKeyStore.inStateDir(dataPaths(dataDir).state).create('laptop');
    const { port } = await start(dataDir, true);
    const token = await engineControlToken(dataDir);
    const remote = `http://${address}:${port}`;

    const noKey = await request(`${remote}/v1/models`);
    expect(noKey.statusCode).toBe(401);
    await noKey.body.text();
    const withKey = await request(`${remote}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(withKey.statusCode).toBe(200);
    expect(((await withKey.body.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);

    const control = await request(`${remote}/homeport/v1/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(control.statusCode).toBe(403);
    expect(((await control.body.json()) as { error: { code: string } }).error.code).toBe('loopback_only');
    const panel = await request(`${remote}/`);
    expect(panel.statusCode).toBe(403);
    await panel.body.text();

    const local = await request(`http://127.0.0.1:${port}/homeport/v1/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(local.statusCode).toBe(200);
    await local.body.text();
    // A name that is not this machine's is still refused (DNS rebinding).
    const rebound = await request(`${remote}/v1/models`, { headers: { host: `evil.example:${port}`, authorization: `Bearer ${key}` } });
    expect(rebound.statusCode).toBe(403);
    await rebound.body.text();
  });

  it('without LAN exposure the engine does not listen on the network address', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'homeport-lan-'));
    const { port } = await start(dataDir, false);
    await expect(request(`http://${lanAddress()}:${port}/v1/models`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

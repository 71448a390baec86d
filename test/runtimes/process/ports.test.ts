import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { allocatePort, isPortFree } from '../../../main/runtimes/process/ports.js';

const servers: net.Server[] = [];

function occupy(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    servers.push(server);
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address !== null) resolve(address.port);
      else reject(new Error('no address'));
    });
  });
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

describe('ports', () => {
  it('allocates a port that is actually free to bind on loopback', async () => {
    const port = await allocatePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
    await expect(occupy(port)).resolves.toBe(port);
  });

  it('detects a taken port', async () => {
    const taken = await occupy();
    await expect(isPortFree(taken)).resolves.toBe(false);
  });

  it('reports a port free again once its listener closed', async () => {
    const port = await occupy();
    await new Promise((done) => servers.pop()?.close(done));
    await expect(isPortFree(port)).resolves.toBe(true);
  });

  it('uses the preferred port when it is free', async () => {
    const port = await occupy();
    await new Promise((done) => servers.pop()?.close(done));
    await expect(allocatePort({ preferred: port })).resolves.toBe(port);
  });

  it('falls back to another port when the preferred one is taken', async () => {
    const taken = await occupy();
    const port = await allocatePort({ preferred: taken });
    expect(port).not.toBe(taken);
    await expect(isPortFree(port)).resolves.toBe(true);
  });

  it('does not hand out the same port twice in a row', async () => {
    const ports = new Set<number>();
    for (let i = 0; i < 20; i += 1) ports.add(await allocatePort());
    expect(ports.size).toBe(20);
  });

  it('refuses non-loopback hosts and invalid ports', async () => {
    await expect(allocatePort({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
    await expect(isPortFree(70_000)).rejects.toThrow(RangeError);
  });
});

/**
 * Loopback port allocation for runtimes.
 *
 * A free port is found by listening on port 0 (the kernel picks one), reading
 * it and closing again. The child binds it a moment later; another process
 * could take it in between, which the supervisor sees as a crash and retries
 * with a fresh port. To keep two of our own launches from getting the same
 * port in that gap, ports the kernel picked recently are not handed out
 * again (an explicitly preferred port is given whenever it is free).
 */
import net from 'node:net';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
/** How long a handed-out port is reserved against being handed out again. */
const RESERVATION_MS = 15_000;
const MAX_TRIES = 20;

const recentlyAllocated = new Map<number, number>();

export interface AllocatePortOptions {
  /** Loopback address to check on. Homeport never binds anything else. */
  readonly host?: string;
  /** Use this port if it is free; otherwise any free port. */
  readonly preferred?: number;
}

function assertLoopback(host: string): void {
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new Error(`refusing to allocate a port on ${host}: runtimes only listen on loopback (127.0.0.1 or ::1)`);
  }
}

function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port > 0 && port < 65536;
}

/** Listen on `port` (0 = any) and report the port that was bound, or null if it is taken. */
function probeListen(port: number, host: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(null);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

function reserve(port: number): number {
  const now = Date.now();
  for (const [reserved, expiresAt] of recentlyAllocated) {
    if (expiresAt <= now) recentlyAllocated.delete(reserved);
  }
  recentlyAllocated.set(port, now + RESERVATION_MS);
  return port;
}

function isReserved(port: number): boolean {
  const expiresAt = recentlyAllocated.get(port);
  return expiresAt !== undefined && expiresAt > Date.now();
}

/** True when nothing listens on `port` at `host` (we could bind it ourselves). */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  assertLoopback(host);
  if (!isValidPort(port)) throw new RangeError(`not a TCP port: ${port}`);
  return (await probeListen(port, host)) !== null;
}

/** A loopback port that is free right now (the preferred one when possible). */
export async function allocatePort(options: AllocatePortOptions = {}): Promise<number> {
  const host = options.host ?? '127.0.0.1';
  assertLoopback(host);
  const { preferred } = options;
  if (preferred !== undefined) {
    if (!isValidPort(preferred)) throw new RangeError(`not a TCP port: ${preferred}`);
    if ((await probeListen(preferred, host)) !== null) return reserve(preferred);
  }
  for (let tries = 0; tries < MAX_TRIES; tries += 1) {
    const port = await probeListen(0, host);
    if (port !== null && !isReserved(port)) return reserve(port);
  }
  throw new Error(`could not find a free port on ${host} after ${MAX_TRIES} tries`);
}

/**
 * Reference for the gateway-overhead rows: the least a separate proxy process
 * can do — read the body, send it upstream on a keep-alive connection, pipe
 * the answer back — with no checks, routing, metrics or error handling.
 * What it adds on this machine is the cost of the extra process hop itself.
 *   node dist/test/bench/bare-proxy.js UPSTREAM_ORIGIN PORT
 */
import http from 'node:http';

const [upstreamOrigin, portArg] = process.argv.slice(2);
if (!upstreamOrigin || !portArg) throw new Error('usage: bare-proxy UPSTREAM_ORIGIN PORT');
const upstream = new URL(upstreamOrigin);
// The embedded worker's per-launch key, passed by environment (never argv).
const auth = process.env.HOMEPORT_WORKER_KEY ? { authorization: `Bearer ${process.env.HOMEPORT_WORKER_KEY}` } : {};
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, noDelay: true });

http
  .createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = http.request(
        { agent, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...auth, 'content-type': 'application/json', 'content-length': body.length } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  })
  .listen(Number(portArg), '127.0.0.1', () => process.stdout.write('ready\n'));

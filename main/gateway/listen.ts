import http from 'node:http';
import type { GatewayApp } from './app.js';

export interface ListenGatewayOptions {
  readonly port: number;
  /** Loopback, or every interface when the API is exposed to the LAN (which needs app keys). */
  readonly host: '127.0.0.1' | '0.0.0.0';
}

export interface ListeningGateway {
  readonly server: http.Server;
  readonly port: number;
  /** Stops listening and destroys every client connection (kept-alive and in-flight) and upstream connection. */
  close(): Promise<void>;
}

/**
 * Serves a gateway app on 127.0.0.1. The app's Host allowlist names one port,
 * so the port must be the one the app was created with.
 */
export function listenGateway(app: GatewayApp, options: ListenGatewayOptions): Promise<ListeningGateway> {
  if (options.port !== app.gatewayPort) {
    return Promise.reject(
      new Error(`The gateway was created for port ${app.gatewayPort} but asked to listen on ${options.port}.`),
    );
  }
  const server = http.createServer(function gatewayRequest(req, res) {
    if (!app.fastLane(req, res)) app(req, res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve({ server, port: options.port, close: () => closeServer(server, app) });
    });
  });
}

function closeServer(server: http.Server, app: GatewayApp): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => {
      app.dispose();
      if (err) reject(err);
      else resolve();
    });
    server.closeAllConnections();
  });
}

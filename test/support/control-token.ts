/**
 * The control token in tests: every call to /homeport/* needs it (see
 * main/control/control-token.ts). Harnesses that start a gateway themselves
 * use TEST_CONTROL_TOKEN; a real engine makes its own in its data dir, read
 * with `readControlToken(dataDir)`.
 */
import { readControlToken } from '../../main/control/control-token.js';

/** A token of the real shape (43 base64url characters), for gateways a test builds itself. */
export const TEST_CONTROL_TOKEN = 'test-control-token-0123456789abcdefghijklmn';

/** `Authorization: Bearer <token>` plus any headers given. */
export function controlHeaders(token: string, headers: HeadersInit = {}): Headers {
  const merged = new Headers(headers);
  merged.set('authorization', `Bearer ${token}`);
  return merged;
}

/** fetch with the control token added. */
export function controlFetch(token: string, url: string | URL, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: controlHeaders(token, init.headers) });
}

/** The token an engine made in its data dir; fails when there is none. */
export async function engineControlToken(dataDir: string): Promise<string> {
  const token = await readControlToken(dataDir);
  if (!token) throw new Error(`No control token in ${dataDir}: did the engine start?`);
  return token;
}

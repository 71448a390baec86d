/**
 * Which page may talk to the engine over IPC: the app's own renderer, served
 * on its own scheme (`homeport://app/…`, see window.ts) or loaded from its
 * file:// index.html (ignoring the #route and ?query), or — in
 * development only — the Vite dev server's origin. Anything else (another
 * file on disk, a remote page, an about:blank child frame, a data: URL) is
 * refused. Pure, so it is tested without Electron.
 */
export interface TrustedPageOptions {
  /** file:// URL of the built renderer's index.html. */
  readonly rendererIndexUrl?: string;
  /** Origin of the app's own scheme, e.g. `homeport://app`: any page under it is the app's. */
  readonly appOrigin?: string;
  /** e.g. http://127.0.0.1:5173 when running against `vite dev`; unset in packaged apps. */
  readonly devServerUrl?: string;
}

export function createTrustedPagePolicy(options: TrustedPageOptions): (url: string) => boolean {
  const index = options.rendererIndexUrl === undefined ? null : new URL(options.rendererIndexUrl);
  if (index !== null && index.protocol !== 'file:') throw new Error('rendererIndexUrl must be a file:// URL');
  const appPrefix = options.appOrigin === undefined ? null : `${options.appOrigin.replace(/\/+$/, '')}/`;
  if (appPrefix !== null && /^(https?|file):/.test(appPrefix)) throw new Error('appOrigin must be the app\'s own scheme');
  const devOrigin = options.devServerUrl ? new URL(options.devServerUrl).origin : null;
  if (devOrigin !== null && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(devOrigin)) {
    throw new Error('devServerUrl must be a loopback http:// origin');
  }

  return function isTrustedPage(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (appPrefix !== null && url.startsWith(appPrefix) && !url.slice(appPrefix.length).includes('..')) return true;
    if (parsed.protocol === 'file:') return index !== null && parsed.host === index.host && parsed.pathname === index.pathname;
    return devOrigin !== null && parsed.origin === devOrigin;
  };
}

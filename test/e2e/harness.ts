/**
 * The browser tests' harness: the real engine (in-process, serving the built
 * panel at / and the public API at /v1, with its control token) and Debian's
 * Chromium driven by playwright-core, headless.
 *
 * Nothing here skips: a missing Chromium, a missing panel build or a missing
 * model fails the run with what to do about it.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startEngine, type Engine } from '../../main/engine.js';
import { parseConfig } from '../../main/config/store.js';
import type { ConfigInput } from '../../main/config/schema.js';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import { engineControlToken } from '../support/control-token.js';
import { testModel } from '../support/models.js';

export const CHROMIUM_PATH = process.env.HOMEPORT_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built panel; HOMEPORT_PANEL_DIR points elsewhere (e.g. an unminified build for profiling). */
export const PANEL_DIR = process.env.HOMEPORT_PANEL_DIR ?? join(ROOT, 'dist', 'renderer');
/** Screenshots of every page, light and dark (dist/ is not committed). */
export const SHOTS_DIR = join(ROOT, 'dist', 'e2e-shots');

export function requireChromium(): string {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM_PATH}: the browser tests need it. Install Debian's chromium (apt-get install chromium; .ci/run does) or set HOMEPORT_CHROMIUM to its path.`,
    );
  }
  return CHROMIUM_PATH;
}

export function requirePanelBuild(): void {
  if (!existsSync(join(PANEL_DIR, 'index.html'))) {
    throw new Error(`The panel is not built (${PANEL_DIR}/index.html is missing). Run \`npm run build:renderer\` (npm test builds it first).`);
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface PanelEngine {
  readonly engine: Engine;
  readonly origin: string;
  readonly token: string;
  readonly dataDir: string;
  /** The two model ids served (a second copy of stories260K under another name, for side by side). */
  readonly models: readonly [string, string];
  /** The link `homeport serve` prints: opening it once signs the browser in. */
  readonly panelUrl: string;
  close(): Promise<void>;
}

export interface PanelEngineOptions {
  /** HF_ENDPOINT for the library's hub client (the hub double). */
  readonly hubEndpoint?: string;
  readonly config?: ConfigInput;
}

/** A real engine serving the built panel and two tiny models (stories260K and a copy under another name). */
export async function startPanelEngine(options: PanelEngineOptions = {}): Promise<PanelEngine> {
  requirePanelBuild();
  const dataDir = await mkdtemp(join(tmpdir(), 'homeport-e2e-'));
  const copies = join(dataDir, 'copies');
  await mkdir(copies, { recursive: true });
  const first = join(copies, 'stories-a.gguf');
  const second = join(copies, 'stories-b.gguf');
  await copyFile(testModel('stories260K.gguf'), first);
  await copyFile(testModel('stories260K.gguf'), second);
  const previousHub = process.env.HF_ENDPOINT;
  if (options.hubEndpoint) process.env.HF_ENDPOINT = options.hubEndpoint;
  const port = await allocatePort({ host: '127.0.0.1' });
  const engine = await startEngine({
    config: parseConfig({ supervisor: { startDeadlineMs: 60_000, stopTimeoutMs: 3_000, crashLimit: { count: 5, windowMs: 60_000 }, backoff: { initialMs: 100, factor: 2, maxMs: 2_000 }, logLines: 200 }, ...options.config }),
    dataDir,
    modelPaths: [first, second],
    portOverride: port,
    // A long context lets one answer run for seconds (stories260K is fast), long enough to press Stop mid-stream.
    tuning: { threads: 1, parallel: 2, ctx: 4096 },
    cuda: false,
    panelDir: PANEL_DIR,
  });
  await engine.whenReady(60_000);
  const origin = `http://127.0.0.1:${port}`;
  const token = await engineControlToken(dataDir);
  const ids = engine.models.map((m) => m.id);
  return {
    engine,
    origin,
    token,
    dataDir,
    models: [ids[0]!, ids[1]!],
    panelUrl: `${origin}/?token=${token}`,
    async close() {
      await engine.stop();
      if (options.hubEndpoint) {
        if (previousHub === undefined) delete process.env.HF_ENDPOINT;
        else process.env.HF_ENDPOINT = previousHub;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Records main-thread long tasks (> 50 ms) from the first script on, into `window.__longTasks`. */
const LONG_TASK_PROBE = `
  window.__longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { window.__longTasksUnsupported = String(e); }
`;

export interface PanelSession {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/** A fresh browser context (its own cookies) in a light or dark colour scheme, optionally signed in through the panel link. */
export async function openPanel(browser: Browser, target: PanelEngine, options: { readonly scheme?: 'light' | 'dark'; readonly signedIn?: boolean; readonly hash?: string } = {}): Promise<PanelSession> {
  const context = await browser.newContext({ colorScheme: options.scheme ?? 'light', viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  await context.addInitScript(LONG_TASK_PROBE);
  const page = await context.newPage();
  page.setDefaultTimeout(45_000);
  const url = options.signedIn === false ? `${target.origin}/` : target.panelUrl;
  await page.goto(url);
  if (options.hash) await page.goto(`${target.origin}/#${options.hash}`);
  return { context, page, close: () => context.close() };
}

export async function goTo(page: Page, origin: string, hash: string): Promise<void> {
  await page.goto(`${origin}/#${hash}`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SHOTS_DIR, { recursive: true });
  const path = join(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function longTasks(page: Page): Promise<{ start: number; duration: number }[]> {
  return page.evaluate(() => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks ?? []);
}

/** Figures the e2e tests measure, printed at the end and written beside the screenshots. */
export const figures: Record<string, unknown> = {};

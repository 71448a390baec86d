/**
 * The panel end to end in a real browser (Debian's Chromium via
 * playwright-core) against the real engine serving the built panel, two
 * copies of stories260K (stories-a, stories-b), a route `chat` over
 * stories-a with the exact cache on, and the Hugging Face hub double.
 *
 * Every test opens its own browser context and does its own setup (its own
 * prompt, its own clicks); they share the engine, the hub double and the
 * browser to save time on a small machine. Timing figures are measured and
 * reported (dist/e2e-shots/figures.json), asserted only generously.
 */
import { cpus, totalmem } from 'node:os';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHubDouble, type HubDouble } from '../fixtures/hf-hub-double.js';
import { testModel } from '../support/models.js';
import { CHART_COLORS } from '../../renderer/theme.js';
import { figures, goTo, launchBrowser, longTasks, openPanel, screenshot, SHOTS_DIR, startPanelEngine, type PanelEngine } from './harness.js';
import { summariseTrace, type TraceEvent } from './trace-summary.js';

/** Runs in the page: how many of a chart canvas's pixels are one of the series colours (#rrggbb), optionally only in its top part. */
function seriesPixels(canvas: HTMLCanvasElement, { colors, topShare = 1 }: { readonly colors: readonly string[]; readonly topShare?: number }): number {
  const rgb = colors.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
  const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, Math.round(canvas.height * topShare));
  let count = 0;
  for (let p = 0; p < data.length; p += 4) {
    if (data[p + 3]! < 200) continue;
    if (rgb.some(([r, g, b]) => Math.abs(data[p]! - r!) < 24 && Math.abs(data[p + 1]! - g!) < 24 && Math.abs(data[p + 2]! - b!) < 24)) count += 1;
  }
  return count;
}

// A real browser on a shared 2-core machine: generous per-test time.
vi.setConfig({ testTimeout: 180_000 });

let browser: Browser;
let target: PanelEngine;
let hub: HubDouble;

beforeAll(async () => {
  browser = await launchBrowser();
  hub = await startHubDouble({ chunkDelayMs: 25 });
  target = await startPanelEngine({ hubEndpoint: hub.endpoint, config: { routes: { chat: { targets: ['local:stories-a'] } } } });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await target?.close();
  await hub?.close();
  await writeFile(join(SHOTS_DIR, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`).catch(() => undefined);
  console.log(`e2e figures: ${JSON.stringify(figures)}`);
});

const answers = (page: Page) => page.locator('[aria-label="Answer"]');
const streamingAnswers = (page: Page) => page.locator('[aria-label="Answer"][data-streaming="true"]');

async function pickTarget(page: Page, label: string, option: string) {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

async function setField(page: Page, label: string, value: string) {
  const input = page.getByRole('textbox', { name: label, exact: true });
  await input.fill(value);
  await input.blur();
}

async function send(page: Page, text: string) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** Waits until nothing streams (the Send button is back). */
async function settled(page: Page) {
  await page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 60_000 });
  await expect.poll(() => streamingAnswers(page).count(), { timeout: 30_000 }).toBe(0);
}

async function openPlayground(scheme: 'light' | 'dark' = 'light') {
  const session = await openPanel(browser, target, { scheme, hash: '/playground' });
  await session.page.getByRole('heading', { name: 'Playground', level: 2 }).waitFor();
  await expect.poll(() => session.page.getByRole('combobox', { name: 'Model or route' }).inputValue()).not.toBe('');
  return session;
}

describe('signing in', () => {
  it('without the token the API answers 401 and the page says how to get in', async () => {
    const api = await fetch(`${target.origin}/homeport/v1/status`);
    expect(api.status).toBe(401);
    const session = await openPanel(browser, target, { signedIn: false });
    try {
      await session.page.getByRole('heading', { name: /needs its control token/i }).waitFor();
      expect(await session.page.getByText(/homeport serve|panel-url/).first().isVisible()).toBe(true);
      await screenshot(session.page, 'sign-in-needed-light');
    } finally {
      await session.close();
    }
  });

  it('opens the panel from its link and is interactive within a second or so', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    try {
      const started = Date.now();
      await page.goto(target.panelUrl);
      await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
      const shown = Date.now() - started;
      await page.getByRole('link', { name: 'Models' }).click();
      await page.getByRole('heading', { name: 'Models', level: 2 }).waitFor();
      const interactive = Date.now() - started;
      figures.panelFirstPageMs = shown;
      figures.panelInteractiveMs = interactive;
      // The panel's own mark (App.tsx: first page on screen with the engine's status), from navigation start, and paint.
      const marks = await page.evaluate(() => ({
        interactive: performance.getEntriesByName('homeport:interactive')[0]?.startTime ?? null,
        firstContentfulPaint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
        domContentLoaded: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.domContentLoadedEventEnd ?? null,
      }));
      figures.panelTimeToInteractiveMark = marks.interactive === null ? null : Math.round(marks.interactive);
      figures.panelFirstContentfulPaintMs = marks.firstContentfulPaint === null ? null : Math.round(marks.firstContentfulPaint);
      figures.panelDomContentLoadedMs = marks.domContentLoaded === null ? null : Math.round(marks.domContentLoaded);
      expect(marks.interactive).not.toBeNull();
      // Reported, not a speed target here (test/bench is for those); a generous bound catches a hang.
      expect(interactive).toBeLessThan(15_000);
    } finally {
      await context.close();
    }
  });
});

describe('Models', () => {
  it('unloads and loads a model by clicking and shows its state change', async () => {
    const { page, close } = await openPanel(browser, target, { hash: '/models' });
    try {
      const row = page.getByRole('row').filter({ hasText: target.models[1] });
      await row.getByText('Loaded', { exact: true }).waitFor();
      await page.getByRole('button', { name: `Unload ${target.models[1]}` }).click();
      await row.getByText(/^(Available|Not loaded|Unloaded)$/).waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: `Load ${target.models[1]}` }).click();
      await row.getByText('Loaded', { exact: true }).waitFor({ timeout: 60_000 });
    } catch (error) {
      await screenshot(page, `failed-${expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 80)}`).catch(() => undefined);
      throw error;
    } finally {
      await close();
    }
  });

  it('adds a folder, finds the GGUF in it, and serves it with Load', async () => {
    const folder = join(target.dataDir, 'my-ggufs');
    await mkdir(folder, { recursive: true });
    await copyFile(testModel('stories260K.gguf'), join(folder, 'shelf-model.gguf'));
    const { page, close } = await openPanel(browser, target, { hash: '/models' });
    try {
      await page.getByRole('tab', { name: /Folders and files/ }).click();
      await page.getByRole('textbox', { name: 'Folder to add' }).fill(folder);
      await page.getByRole('button', { name: 'Add folder' }).click();
      await page.getByRole('button', { name: `Remove folder ${folder}` }).waitFor();
      await screenshot(page, 'models-folders-light');
      await page.getByRole('tab', { name: 'My models' }).click();
      const row = page.getByRole('row').filter({ hasText: 'shelf-model' });
      await row.first().waitFor({ timeout: 30_000 });
      await row.first().getByRole('button', { name: /^Load / }).click();
      await page.getByRole('row').filter({ hasText: 'shelf-model' }).getByText('Loaded', { exact: true }).first().waitFor({ timeout: 60_000 });
      await screenshot(page, 'models-served-from-library-light');
    } catch (error) {
      await screenshot(page, `failed-${expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 80)}`).catch(() => undefined);
      throw error;
    } finally {
      await close();
    }
  });

  it('downloads from the hub and the progress bar reaches done', async () => {
    const { page, close } = await openPanel(browser, target, { hash: '/models' });
    try {
      await page.getByRole('tab', { name: 'Download' }).click();
      await page.getByRole('textbox', { name: 'Search Hugging Face' }).fill('tiny');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('listitem').filter({ hasText: 'ggml-org/tiny-llamas' }).click();
      await page.getByRole('button', { name: 'Download stories260K.gguf' }).click();
      const bar = page.getByRole('progressbar', { name: 'Download of stories260K.gguf' }).first();
      await bar.waitFor();
      await expect.poll(() => bar.getAttribute('aria-valuetext'), { timeout: 60_000 }).toMatch(/^Done/);
      expect(Number(await bar.getAttribute('aria-valuenow'))).toBe(100);
    } catch (error) {
      await screenshot(page, `failed-${expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 80)}`).catch(() => undefined);
      throw error;
    } finally {
      await close();
    }
  });
});

describe('Hardware', () => {
  it("shows this machine's CPU and RAM", async () => {
    const { page, close } = await openPanel(browser, target, { hash: '/hardware' });
    try {
      const cpu = page.getByRole('region', { name: 'CPU', exact: true });
      await cpu.waitFor();
      const cores = cpus().length;
      const cpuText = await cpu.innerText();
      expect(cpuText).toMatch(new RegExp(`\\b${cores} (cores?|threads?)\\b`));
      const memory = await page.getByRole('region', { name: 'Memory', exact: true }).innerText();
      const gib = totalmem() / 1024 ** 3;
      const shown = Number(/([\d.]+) GiB/.exec(memory)?.[1]);
      expect(Math.abs(shown - gib)).toBeLessThan(0.2);
      // The live chart draws the samples the engine kept (it records from a few seconds after it starts) at
      // once on open: the first count shown is already several samples, where the live stream alone brings one.
      const live = page.getByRole('region', { name: 'Live use' });
      const label = live.getByText(/sample so far|samples so far|Last 10 minutes/);
      await label.waitFor();
      const firstLabel = await label.innerText();
      const count = /Last 10 minutes/.test(firstLabel) ? Infinity : Number(/([\d,]+) samples? so far/.exec(firstLabel)?.[1]?.replace(/,/g, ''));
      expect(count).toBeGreaterThanOrEqual(3);
      let drawn = 0;
      for (let i = 0; i < 50 && drawn === 0; i++) {
        drawn = await live.locator('canvas').first().evaluate(seriesPixels, { colors: [CHART_COLORS[0], CHART_COLORS[1]] });
        if (drawn === 0) await page.waitForTimeout(100);
      }
      expect(drawn).toBeGreaterThan(0);
    } catch (error) {
      await screenshot(page, `failed-${expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 80)}`).catch(() => undefined);
      throw error;
    } finally {
      await close();
    }
  });
});

describe('Playground', () => {
  it('streams an answer with TTFT and tok/s, and Stop ends generation mid-stream', async () => {
    const { page, close } = await openPlayground();
    try {
      await pickTarget(page, 'Model or route', target.models[0]);
      await setField(page, 'Max tokens', '4000');
      await setField(page, 'Temperature', '0.8');
      const sentAt = Date.now();
      await send(page, 'Once upon a time, in a big forest');
      const live = streamingAnswers(page);
      await live.filter({ hasText: /TTFT \d/ }).waitFor();
      await live.filter({ hasText: /\d tok\/s/ }).waitFor();
      figures.playgroundFiguresVisibleMs = Date.now() - sentAt;
      await page.getByRole('button', { name: 'Stop' }).click();
      await settled(page);
      const answer = answers(page).last();
      const text = await answer.innerText();
      expect(text).toMatch(/stopped/i);
      expect(text).toMatch(/TTFT \d/);
      expect(text).toMatch(/\d tok\/s/);
      const tokens = (t: string) => Number(/([\d,]+) tokens/.exec(t)?.[1]?.replace(/,/g, ''));
      const stoppedAt = tokens(text);
      expect(stoppedAt).toBeGreaterThan(0);
      expect(stoppedAt).toBeLessThan(4000); // ended mid-stream, well before max_tokens
      // Generation ended: nothing more arrives.
      await page.waitForTimeout(700);
      expect(tokens(await answer.innerText())).toBe(stoppedAt);
      // And the engine has nothing in flight for it any more.
      await expect
        .poll(async () => {
          const res = await fetch(`${target.origin}/homeport/v1/status`, { headers: { authorization: `Bearer ${target.token}` } });
          const status = (await res.json()) as { models?: { inFlight?: number }[] };
          return (status.models ?? []).reduce((n, m) => n + (m.inFlight ?? 0), 0);
        }, { timeout: 10_000 })
        .toBe(0);
    } catch (error) {
      await screenshot(page, `failed-${expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 80)}`).catch(() => undefined);
      throw error;
    } finally {
      await close();
    }
  });

  it('forces the local tier: the request carries it and the answer says so', async () => {
    const { page, close } = await openPlayground();
    try {
      await pickTarget(page, 'Model or route', target.models[0]);
      await setField(page, 'Max tokens', '20');
      await page.getByRole('radiogroup').getByText('Local', { exact: true }).click();
      expect(await page.getByRole('radio', { name: 'Local' }).isChecked()).toBe(true);
      await send(page, 'A forced story');
      await settled(page);
      const answer = answers(page).last();
      await expect.poll(() => answer.innerText()).toMatch(/forced local/i);
      expect(await answer.innerText()).toMatch(/\blocal\b/i);
      await page.getByRole('button', { name: 'Copy as code' }).click();
      await expect.poll(() => page.getByText("-H 'x-homeport-tier: local'").count()).toBeGreaterThan(0);
      await screenshot(page, 'playground-forced-tier-light');
    } catch (error) {
      await screenshot(page, `failed-${expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 80)}`).catch(() => undefined);
      throw error;
    } finally {
      await close();
    }
  });

  it('answers the same prompt to two models side by side, streaming in parallel with their figures', async () => {
    const { page, close } = await openPlayground();
    try {
      await pickTarget(page, 'Model or route', target.models[0]);
      await page.getByRole('button', { name: 'Add model side by side' }).click();
      await pickTarget(page, 'Model or route for lane 2', target.models[1]);
      await setField(page, 'Max tokens', '2000');
      await setField(page, 'Temperature', '0.8');
      await send(page, 'The little dog');
      // Both lanes stream at the same time.
      await expect.poll(() => streamingAnswers(page).filter({ hasText: /TTFT \d/ }).count(), { timeout: 20_000 }).toBe(2);
      await settled(page);
      const lane1 = page.getByRole('region', { name: `Lane 1: ${target.models[0]}` });
      const lane2 = page.getByRole('region', { name: `Lane 2: ${target.models[1]}` });
      for (const lane of [lane1, lane2]) {
        const text = await lane.locator('[aria-label="Answer"]').innerText();
        expect(text).toMatch(/TTFT \d/);
        expect(text).toMatch(/\d tokens/);
      }
      await screenshot(page, 'playground-side-by-side-light');
    } catch (error) {
      await screenshot(page, `failed-${expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 80)}`).catch(() => undefined);
      throw error;
    } finally {
      await close();
    }
  });
});

describe('Playground conversations', () => {
  it('saves a conversation, finds it by a word of its prompt, and exports it as Markdown', async () => {
    const { page, close } = await openPlayground();
    const marker = `lighthouse-${Date.now().toString(36)}`;
    try {
      await pickTarget(page, 'Model or route', target.models[0]);
      await setField(page, 'Max tokens', '30');
      await send(page, `A story about a ${marker}`);
      await settled(page);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Saved' }).first().waitFor();
      await page.getByRole('textbox', { name: 'Search conversations' }).fill(marker);
      const item = page.getByRole('button', { name: `Open A story about a ${marker}` });
      await item.waitFor();
      await page.getByRole('button', { name: `More for A story about a ${marker}` }).click();
      const download = page.waitForEvent('download');
      await page.getByRole('menuitem', { name: 'Export Markdown' }).click();
      const file = await (await download).path();
      const { readFile } = await import('node:fs/promises');
      const markdown = await readFile(file!, 'utf8');
      expect(markdown).toContain(`# A story about a ${marker}`);
      expect(markdown).toContain(`## Model: ${target.models[0]}`);
      expect(markdown).toMatch(/### Assistant/);
    } catch (error) {
      await screenshot(page, 'failed-playground-conversations').catch(() => undefined);
      throw error;
    } finally {
      await close();
    }
  });
});

describe('Routing', () => {
  it('finds a Playground request in the log with its tier and reason, and a second identical one is a cache hit', async () => {
    const { page, close } = await openPlayground();
    const prompt = `A cat named ${Date.now().toString(36)}`;
    try {
      await pickTarget(page, 'Model or route', 'chat');
      await setField(page, 'Temperature', '0');
      await setField(page, 'Max tokens', '40');
      await send(page, prompt);
      await settled(page);
      const first = answers(page).last();
      await expect.poll(() => first.innerText()).toMatch(/cache miss/i);
      // Same prompt again, temperature 0: answered from the cache.
      await page.getByRole('button', { name: 'New chat' }).click();
      await send(page, prompt);
      await settled(page);
      const second = answers(page).last();
      await expect.poll(() => second.innerText(), { timeout: 10_000 }).toMatch(/cache hit/i);
      expect(await second.innerText()).toMatch(/\bcache\b/i);
      await screenshot(page, 'playground-cache-hit-light');

      await goTo(page, target.origin, '/routing');
      await page.getByRole('heading', { name: 'Routing', level: 2 }).waitFor();
      await page.getByRole('textbox', { name: 'Route', exact: true }).fill('chat');
      const rows = page.getByRole('table', { name: 'Requests' }).getByRole('row').filter({ hasText: 'chat' });
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
      // Newest first: the cache hit, then the local answer.
      await expect.poll(() => rows.nth(0).innerText()).toMatch(/cache/i);
      const localRow = rows.filter({ hasText: /local/i }).first();
      await localRow.click();
      const drawer = page.getByRole('dialog');
      await drawer.getByRole('table', { name: 'Targets tried' }).waitFor();
      const trace = await drawer.innerText();
      expect(trace).toMatch(/local:stories-a/);
      expect(trace).toMatch(/answered/i);
      expect((await drawer.getByLabel('Reason').innerText()).trim().length).toBeGreaterThan(3);
      await screenshot(page, 'routing-trace-light');
    } catch (error) {
      await screenshot(page, `failed-${expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 80)}`).catch(() => undefined);
      throw error;
    } finally {
      await close();
    }
  });

  it('shows a route error next to its field, then saves and applies a fixed route without a restart', async () => {
    const { page, close } = await openPanel(browser, target, { hash: '/routing' });
    try {
      await page.getByRole('heading', { name: 'Routing', level: 2 }).waitFor();
      await page.getByRole('button', { name: 'Add route' }).first().click();
      const route = page.getByRole('group', { name: 'Route new-route' });
      await route.getByRole('textbox', { name: /Targets, in order/ }).fill('nowhere:some-model');
      await page.getByRole('button', { name: 'Save and apply' }).click();
      await expect.poll(() => route.innerText(), { timeout: 10_000 }).toMatch(/no provider "nowhere"/);
      await screenshot(page, 'routing-field-error-light');
      await route.getByRole('textbox', { name: /Targets, in order/ }).fill(`local:${target.models[1]}`);
      await page.getByRole('button', { name: 'Save and apply' }).click();
      await page.getByText(/Saved and applied/).waitFor();
      // Applied at once: the new route answers through the public endpoint.
      const res = await fetch(`${target.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'new-route', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
      });
      expect(res.status).toBe(200);
    } catch (error) {
      await screenshot(page, `failed-${expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 80)}`).catch(() => undefined);
      throw error;
    } finally {
      await close();
    }
  });
});

/** Three requests from other apps to the second model, all at once (they fill the live tables while a page streams). */
async function otherAppsAsk(prompt: string): Promise<void> {
  await Promise.all(
    Array.from({ length: 3 }, (_, i) =>
      fetch(`${target.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: target.models[1], messages: [{ role: 'user', content: `${prompt} ${i}` }], max_tokens: 300, stream: false }),
      }).then((r) => r.text()),
    ),
  );
}

/**
 * Sends a long prompt from the Playground page, lets other apps ask meanwhile, and waits for the answer's end under a
 * light trace (top-level tasks only): it gives each long task's thread time beside its wall time, since on a machine
 * whose cores are all busy a task can take 300 ms of wall time for 6 ms of work, waiting for a core. Each page in
 * `pages` is marked in the trace by its name.
 */
async function traceLongStream(page: Page, pages: ReadonlyArray<readonly [Page, string]>, prompt: string, othersAsk: string) {
  // Playwright compiles its injected script in the page on the first waitForFunction (a 15–25 ms task of the test's, not the panel's): before the trace.
  await page.waitForFunction(() => true);
  await browser.startTracing(undefined, { categories: ['toplevel', 'blink.user_timing'] });
  for (const [p, name] of pages) await p.evaluate((n) => performance.mark(`hp-page:${n}`), name);
  const started = Date.now();
  await send(page, prompt);
  await streamingAnswers(page).first().waitFor();
  await otherAppsAsk(othersAsk);
  // A plain selector polled twice a second: a role query (getByRole) walks the whole page's accessibility tree on every poll, itself a long task beside a 3,000-token answer.
  await page.waitForFunction(() => document.querySelector('[aria-label="Answer"][data-streaming="true"]') === null, undefined, { polling: 500, timeout: 90_000 });
  const streamedMs = Date.now() - started;
  const trace = summariseTrace((JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents, { longTaskMs: 50 });
  return { streamedMs, trace };
}

/** What one page's main thread did over a traced stream, from the trace: CPU in all, and in its longest and heaviest tasks. */
function pageWork(trace: Awaited<ReturnType<typeof traceLongStream>>['trace'], name: string) {
  const traced = trace.pages.find((p) => p.page === name);
  const threadTimes = (traced?.longTasks ?? []).map((t) => t.threadMs ?? 0);
  return {
    mainThreadCpuMs: Math.round(traced?.cpuMs ?? 0),
    longestTaskCpuMs: Math.round(Math.max(0, ...threadTimes)),
    longTasksOver50MsCpu: threadTimes.filter((ms) => ms >= 50).length,
    // Every task, whatever its wall time: the one that took the most CPU, and how many took 16 ms or more.
    heaviestTaskCpuMs: Math.round(traced?.longestCpu.threadMs ?? 0),
    tasksOver16MsCpu: traced?.tasksByCpu.over16Ms ?? 0,
  };
}

describe('smoothness', () => {
  it('keeps the main thread free of long tasks during a long stream while the request tables update', async () => {
    const playground = await openPlayground();
    const routing = await openPanel(browser, target, { hash: '/routing' });
    const overview = await openPanel(browser, target, { hash: '/overview' });
    try {
      const { page } = playground;
      await pickTarget(page, 'Model or route', target.models[0]);
      await setField(page, 'Max tokens', '3000');
      await setField(page, 'Temperature', '0.9');
      // Only what happens during the stream counts (each page's own loading comes before).
      const baseline = (await longTasks(page)).length;
      const routingBaseline = (await longTasks(routing.page)).length;
      const overviewBaseline = (await longTasks(overview.page)).length;
      const { streamedMs, trace } = await traceLongStream(page, [[page, 'playground'], [routing.page, 'routing'], [overview.page, 'overview']], 'Tell me a very long story about a dragon', 'story');
      const tasks = (await longTasks(page)).slice(baseline);
      const routingTasks = (await longTasks(routing.page)).slice(routingBaseline);
      const overviewTasks = (await longTasks(overview.page)).slice(overviewBaseline);
      const answerText = await answers(page).last().innerText();
      figures.longStream = {
        streamedMs,
        tokens: Number(/(\d[\d,]*) tokens/.exec(answerText)?.[1]?.replace(/,/g, '')),
        tokPerSecShown: /([\d.,]+) tok\/s/.exec(answerText)?.[1],
        playgroundLongTasks: tasks.length,
        playgroundLongestMs: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
        routingPageLongTasks: routingTasks.length,
        routingLongestMs: Math.round(Math.max(0, ...routingTasks.map((t) => t.duration))),
        overviewPageLongTasks: overviewTasks.length,
        overviewLongestMs: Math.round(Math.max(0, ...overviewTasks.map((t) => t.duration))),
        // The same stretch from the trace: the CPU time the long tasks' work took.
        cpu: { playground: pageWork(trace, 'playground'), routing: pageWork(trace, 'routing'), overview: pageWork(trace, 'overview') },
      };
      const supported = await page.evaluate(() => !(window as unknown as { __longTasksUnsupported?: string }).__longTasksUnsupported);
      expect(supported).toBe(true);

      // An Overview opened now draws the minute just streamed at once (rebuilt from the request log): its
      // line stands well above zero, where live samples alone would start at zero (nothing generates now).
      const fresh = await openPanel(browser, target, { hash: '/overview' });
      try {
        const chart = fresh.page.getByRole('img', { name: /^Tokens per second/ });
        await chart.waitFor();
        let raised = 0;
        for (let i = 0; i < 30 && raised === 0; i++) {
          raised = await chart.locator('canvas').first().evaluate(seriesPixels, { colors: [CHART_COLORS[0]], topShare: 0.5 }).catch(() => 0);
          if (raised === 0) await fresh.page.waitForTimeout(100);
        }
        expect(raised).toBeGreaterThan(0);
      } finally {
        await fresh.close();
      }
      // Reported figures; only a stall (a task of several seconds) fails here.
      expect(Math.max(0, ...tasks.map((t) => t.duration))).toBeLessThan(2000);
    } finally {
      await playground.close();
      await routing.close();
      await overview.close();
    }
  });
});

describe('smoothness, one window', () => {
  it('a long stream in the Playground as the one open page (the desktop window), the request stores live behind it', async () => {
    const playground = await openPlayground();
    try {
      const { page } = playground;
      await pickTarget(page, 'Model or route', target.models[0]);
      await setField(page, 'Max tokens', '3000');
      await setField(page, 'Temperature', '0.9');
      const baseline = (await longTasks(page)).length;
      const { streamedMs, trace } = await traceLongStream(page, [[page, 'playground']], 'Tell me a very long story about a castle', 'tale');
      const tasks = (await longTasks(page)).slice(baseline);
      figures.longStreamOneWindow = {
        streamedMs,
        longTasks: tasks.length,
        longestMs: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
        ...pageWork(trace, 'playground'),
      };
      // The answer streamed to its end on the page; only a stall fails here (the figures are reported).
      expect(await answers(page).last().innerText()).toMatch(/\d[\d,]* tokens/);
      expect(Math.max(0, ...tasks.map((t) => t.duration))).toBeLessThan(2000);
    } finally {
      await playground.close();
    }
  });
});

describe('screenshots', () => {
  it('saves every page in light and dark', async () => {
    const pages = ['overview', 'models', 'runtimes', 'routing', 'hardware', 'playground', 'settings'];
    const saved: string[] = [];
    const problems: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const { page, close } = await openPanel(browser, target, { scheme, hash: '/overview' });
      try {
        for (const name of pages) {
          await goTo(page, target.origin, `/${name}`);
          try {
            await page.getByRole('heading', { level: 2 }).first().waitFor({ timeout: 20_000 });
            await page.waitForTimeout(1200); // live figures and lazy chunks settle
            saved.push(await screenshot(page, `${name}-${scheme}`));
          } catch (error) {
            problems.push(`${name} (${scheme}): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
            await screenshot(page, `failed-${name}-${scheme}`).catch(() => undefined);
          }
        }
      } finally {
        await close();
      }
    }
    figures.screenshots = saved.map((p) => p.split('/').pop());
    expect(problems).toEqual([]);
    expect(saved).toHaveLength(pages.length * 2);
  });
});

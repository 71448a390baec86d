/**
 * A user's pass in a real browser (Debian Chromium, the real engine): the
 * engine killed (SIGKILL, `homeport serve` as a user runs it) while the panel
 * is open, then started again on the same port and data dir; and a request's
 * trace at a laptop's width.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import { testModel } from '../support/models.js';
import { runServe } from '../support/serve-process.js';
import { launchBrowser, openPanel, screenshot, startPanelEngine } from './harness.js';

vi.setConfig({ testTimeout: 180_000 });

let browser: Browser;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await browser?.close();
});

/** Page errors and console errors, less the browser's own line for each request that found no server (expected while it is down). */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    const text = message.text();
    if (/^Failed to load resource: net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|INCOMPLETE_CHUNKED_ENCODING|EMPTY_RESPONSE)/.test(text)) return;
    // The panel's own note when a page's code could not be fetched (the page says so on screen).
    if (text.startsWith('A page could not be loaded: ')) return;
    errors.push(`console.${message.type()}: ${text}`);
  });
  return errors;
}

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name }).click();

describe('the engine is killed while the panel is open', () => {
  it('says so plainly on every page and picks up by itself when the engine is back, without a reload', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'homeport-e2e-kill-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await allocatePort({ host: '127.0.0.1' });
    const args = ['serve', '--model', testModel('stories260K.gguf'), '--threads', '1', '--port', String(port), '--data-dir', dataDir];
    const start = async () => {
      const serve = runServe(args);
      cleanups.push(async () => {
        serve.child.kill('SIGKILL');
        await serve.exited;
      });
      const [, url] = await serve.waitForOutput(/Control panel: (\S+)/, 90_000);
      await serve.waitForOutput(/Ready:/, 90_000);
      return { serve, url: url! };
    };
    const first = await start();

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${first.url}#/models`);
    const models = page.getByRole('table', { name: 'Models' });
    await models.getByText('stories260k', { exact: true }).first().waitFor({ timeout: 30_000 });
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    // The other pages' code is fetched once the first page is up (a page not fetched yet is the next test's case).
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((entry) => /\/SettingsPage-[^/]*\.js/.test(entry.name)), undefined, { timeout: 30_000 });

    first.serve.child.kill('SIGKILL');
    await first.serve.exited;
    const banner = page.getByRole('alert').filter({ hasText: 'engine is not answering' });
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.textContent()).toMatch(/picks up by itself once the engine is back/);
    await screenshot(page, 'recovery-engine-down-models');

    // A page first opened while the engine is away says so too, and reads itself once the engine is back.
    await nav(page, 'Settings');
    await banner.waitFor();
    const settingsAway = page.getByText('Could not read the settings');
    await settingsAway.waitFor({ timeout: 30_000 });
    expect(await page.getByRole('navigation', { name: 'Pages' }).isVisible()).toBe(true);

    await start();
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByRole('textbox', { name: /^Port/ }).waitFor({ timeout: 30_000 });
    expect(await settingsAway.count()).toBe(0);
    await expect.poll(() => page.locator('header').getByRole('status').textContent(), { timeout: 30_000 }).toBe('Connected');

    await nav(page, 'Models');
    await models.getByText('stories260k', { exact: true }).first().waitFor();
    await expect.poll(() => page.getByText('Could not read the model library').count(), { timeout: 30_000 }).toBe(0);
    expect(await page.getByText('Could not list the served models').count()).toBe(0);
    await screenshot(page, 'recovery-engine-back-models');

    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(errors).toEqual([]);
  });
});

describe('a page whose code could not be fetched', () => {
  it('says so in its place, keeps the navigation, and opens on Try again (not a blank panel)', async () => {
    const target = await startPanelEngine();
    cleanups.push(() => target.close());
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    const errors = collectErrors(page);
    let blocked = true;
    await page.route(/\/assets\/HardwarePage-[^/]*\.js(\?.*)?$/, (route) => (blocked ? route.abort('connectionrefused') : route.continue()));
    await page.goto(target.panelUrl);
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
    await nav(page, 'Hardware');
    await page.getByText('The Hardware page could not be opened').waitFor();
    expect(await page.getByRole('navigation', { name: 'Pages' }).isVisible()).toBe(true);
    await screenshot(page, 'page-code-unavailable');
    blocked = false;
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Hardware', level: 2 }).waitFor();
    expect(await page.getByText('The Hardware page could not be opened').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe('a request trace at 1280 × 800', () => {
  it('shows each target’s outcome whole, not cut to "ANSWERE…"', async () => {
    const target = await startPanelEngine();
    cleanups.push(() => target.close());
    const answer = await fetch(`${target.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: target.models[0], messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8 }),
    });
    expect(answer.status).toBe(200);
    const session = await openPanel(browser, target, { hash: '/routing' });
    cleanups.push(() => session.close());
    const { page } = session;
    const errors = collectErrors(page);
    await page.setViewportSize({ width: 1280, height: 800 });
    const log = page.getByRole('table', { name: 'Requests' });
    await log.getByRole('row').nth(1).click();
    const tried = page.getByRole('table', { name: 'Targets tried' });
    const badge = tried.locator('.mantine-Badge-root').first();
    await badge.waitFor();
    expect((await badge.textContent())?.toLowerCase()).toContain('answered 200');
    const fit = await badge.evaluate((root) => {
      const label = root.querySelector('.mantine-Badge-label') as HTMLElement;
      const cell = root.closest('td')!.getBoundingClientRect();
      const box = root.getBoundingClientRect();
      return { labelCut: label.scrollWidth > label.clientWidth + 1, insideCell: box.right <= cell.right + 1 };
    });
    expect(fit).toEqual({ labelCut: false, insideCell: true });
    await screenshot(page, 'trace-1280');
    expect(errors).toEqual([]);
  });
});

/** Runs in the page: texts in a table's cells that are cut (an ellipsis) or spill out of their cell. */
function cutTexts(table: Element): string[] {
  const cut: string[] = [];
  for (const cell of table.querySelectorAll('[role="cell"]')) {
    const box = cell.getBoundingClientRect();
    for (const el of cell.querySelectorAll('p, span')) {
      if (!el.textContent?.trim() || el.children.length > 0) continue;
      const r = el.getBoundingClientRect();
      const html = el as HTMLElement;
      const ellipsis = getComputedStyle(html).textOverflow === 'ellipsis' && html.scrollWidth > html.clientWidth + 1 && !html.closest('[title]');
      if (ellipsis || r.left < box.left - 1 || r.right > box.right + 1) cut.push(el.textContent.trim());
    }
  }
  return cut;
}

describe('the Models table at 1280 × 800', () => {
  it('shows each state and figure whole (a state was cut to "NOT LOA…")', async () => {
    const target = await startPanelEngine();
    cleanups.push(() => target.close());
    const session = await openPanel(browser, target, { hash: '/models' });
    cleanups.push(() => session.close());
    const { page } = session;
    const errors = collectErrors(page);
    await page.setViewportSize({ width: 1280, height: 800 });
    const table = page.getByRole('table', { name: 'Models' });
    await page.getByRole('button', { name: `Unload ${target.models[1]}` }).click();
    await table.getByText('Not loaded').first().waitFor({ timeout: 30_000 });
    // The library's fit is in once the scan has answered (a predicted range needs the memory bandwidth, measured on the
    // Hardware page: its short form is checked in format.test.ts).
    await table.getByText(/^Fits/).first().waitFor({ timeout: 60_000 });
    expect(await table.evaluate(cutTexts)).toEqual([]);
    await screenshot(page, 'models-1280');
    expect(errors).toEqual([]);
  });
});

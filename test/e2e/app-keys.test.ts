/**
 * App keys from the Settings page in a real browser (Debian Chromium, the real
 * engine): create a key limited to a model (typed into the model list, one a
 * typo), see it once with the engine's warning, check from outside that /v1
 * now needs it and that it is limited, revoke it, and /v1 is open again.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPanel, screenshot, startPanelEngine, type PanelEngine } from './harness.js';

vi.setConfig({ testTimeout: 180_000 });

let browser: Browser;
let target: PanelEngine;

beforeAll(async () => {
  [browser, target] = await Promise.all([launchBrowser(), startPanelEngine()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

const chat = (model: string, key?: string) =>
  fetch(`${target.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 }),
  });

describe('app keys in Settings', () => {
  it('creates a key limited to one model, shows it once, and revokes it', async () => {
    const [allowed, other] = target.models;
    const session = await openPanel(browser, target, { hash: '/settings' });
    const page = session.page;
    const section = page.getByRole('region', { name: 'App keys' });
    await section.getByText('No app keys yet.').waitFor();

    await section.getByLabel('App name').fill('notes-app');
    const models = section.getByLabel('Only these models').and(page.locator('input:visible'));
    for (const name of [allowed, 'stories-typo']) {
      await models.fill(name);
      await models.press('Enter');
    }
    await section.getByRole('button', { name: 'Create key' }).click();

    const notice = section.getByRole('status').filter({ hasText: 'copy it now' });
    await notice.waitFor();
    const key = (await notice.getByLabel('New key for notes-app').textContent())!.trim();
    expect(key.length).toBeGreaterThan(20);
    await section.getByRole('status', { name: 'Check the model list of notes-app' }).getByText('No model or route is named "stories-typo" now').waitFor();
    const table = section.getByRole('table', { name: 'App keys' });
    await table.getByText(`${allowed}, stories-typo`).waitFor();
    expect(await table.textContent()).not.toContain(key);
    await screenshot(page, 'settings-app-keys-light');

    // As an app sees it: no key → 401; the key → its model answers, another model is refused.
    expect((await chat(allowed)).status).toBe(401);
    expect((await chat(allowed, key)).status).toBe(200);
    expect((await chat(other, key)).status).toBe(403);

    await notice.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByText(key).count()).toBe(0);

    // Dark, with the key listed (the new key is gone: it was shown once).
    const dark = await openPanel(browser, target, { hash: '/settings', scheme: 'dark' });
    await dark.page.getByRole('table', { name: 'App keys' }).getByText('notes-app').waitFor();
    await screenshot(dark.page, 'settings-app-keys-dark');
    await dark.close();

    await section.getByRole('button', { name: 'Revoke notes-app', exact: true }).click();
    await section.getByRole('button', { name: 'Revoke notes-app now' }).click();
    await section.getByText('No app keys yet.').waitFor();
    // No key left: the endpoint is open to apps on this machine again, whatever key they send.
    expect((await chat(allowed)).status).toBe(200);
    expect((await chat(other, key)).status).toBe(200);
    await session.close();
  });
});

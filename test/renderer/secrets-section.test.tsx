// @vitest-environment jsdom
/**
 * Keys and tokens with sloppy input: spaces alone could be saved as a key, a
 * pasted key kept its stray spaces; and the storage line said the same thing
 * twice ("kept in a file only your user can read: A file readable only by you…").
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { SettingsView } from '../../preload/contract.js';
import { SecretsSection } from '../../renderer/features/settings/SecretsSection.js';
import { hfTokenWarning } from '../../renderer/features/settings/token-shape.js';
import { setTransport } from '../../renderer/lib/transport.js';
import { useSettings } from '../../renderer/stores/settings.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fakeTransport, ok } from './playground-fakes.js';

beforeAll(installJsdomShims);
afterEach(() => {
  cleanup();
  setTransport(null);
});

function show(detail: string, secrets: { name: string; set: boolean; env: string[] }[] = []) {
  const fake = fakeTransport();
  fake.on('setSecret', () => ok(null));
  fake.on('secrets', () => ok({ object: 'list', data: secrets }));
  setTransport(fake.transport);
  useSettings.setState({
    secrets,
    secretsError: null,
    providers: [],
    view: { secretStorage: { protection: 'file', detail } } as unknown as SettingsView,
  });
  render(
    <MantineProvider env="test">
      <SecretsSection />
    </MantineProvider>,
  );
  return fake;
}

describe('SecretsSection', () => {
  it('does not save spaces as a key, and saves a pasted key without its stray spaces', async () => {
    const fake = show('A file readable only by you (/home/me/.local/share/homeport/state/secrets.json); not encrypted.');
    const input = screen.getByLabelText('Hugging Face token');
    const save = screen.getByRole('button', { name: 'Save Hugging Face token' }) as HTMLButtonElement;
    fireEvent.change(input, { target: { value: '   ' } });
    expect(save.disabled).toBe(true);
    fireEvent.keyDown(input, { key: 'Enter' });
    fireEvent.change(input, { target: { value: '  hf_abc123\n' } });
    expect(save.disabled).toBe(false);
    fireEvent.click(save);
    await waitFor(() => expect(fake.calls.filter((c) => c.name === 'setSecret')).toHaveLength(1));
    expect(fake.calls.find((c) => c.name === 'setSecret')?.params).toEqual({ name: 'huggingface-token', value: 'hf_abc123' });
  });

  it('says where keys are kept once', () => {
    show('A file readable only by you (/home/me/secrets.json); not encrypted.');
    expect(screen.getByText('A file readable only by you (/home/me/secrets.json); not encrypted.')).toBeTruthy();
    expect(screen.queryByText(/only your user can read/)).toBeNull();
  });

  it('warns, without blocking, when a Hugging Face token does not start with hf_, and never repeats the value', async () => {
    const fake = show('A file readable only by you (/home/me/secrets.json); not encrypted.');
    const input = screen.getByLabelText('Hugging Face token');
    const save = screen.getByRole('button', { name: 'Save Hugging Face token' }) as HTMLButtonElement;
    expect(screen.queryByText(/start with hf_/)).toBeNull();

    const pasted = 'Xq7pLm2vRt9sKw4yZb8nJc';
    fireEvent.change(input, { target: { value: pasted } });
    const warning = screen.getByRole('status');
    expect(warning.textContent).toBe('Hugging Face tokens start with hf_ — check you pasted the whole token.');
    expect(save.disabled).toBe(false);
    // The value is in its (password) box and nowhere else on the page.
    expect(document.body.textContent).not.toContain(pasted);
    expect(document.body.textContent).not.toContain(pasted.slice(0, 4));
    expect([...document.querySelectorAll('[title], [aria-label], [aria-description]')].some((el) => [el.getAttribute('title'), el.getAttribute('aria-label'), el.getAttribute('aria-description')].some((v) => v?.includes(pasted.slice(0, 4))))).toBe(false);

    fireEvent.change(input, { target: { value: ` hf_${pasted}` } });
    expect(screen.queryByText(/start with hf_/)).toBeNull();
    fireEvent.change(input, { target: { value: pasted } });
    fireEvent.click(save);
    await waitFor(() => expect(fake.calls.filter((c) => c.name === 'setSecret')).toHaveLength(1));
    expect(fake.calls.find((c) => c.name === 'setSecret')?.params).toEqual({ name: 'huggingface-token', value: pasted });
    // Saved: the box is empty again, and so is the warning.
    await waitFor(() => expect((input as HTMLInputElement).value).toBe(''));
    expect(screen.queryByText(/start with hf_/)).toBeNull();
  });

  it('does not warn about other keys', () => {
    show('A file readable only by you.', [{ name: 'openai', set: false, env: ['OPENAI_API_KEY'] }]);
    fireEvent.change(screen.getByLabelText('openai key'), { target: { value: 'sk-proj-abc' } });
    expect(screen.queryByText(/start with hf_/)).toBeNull();
    expect(hfTokenWarning('   ')).toBeNull();
    expect(hfTokenWarning('hf_abc')).toBeNull();
    expect(hfTokenWarning('HF_abc')).not.toBeNull();
  });
});

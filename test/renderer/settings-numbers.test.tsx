// @vitest-environment jsdom
/**
 * Settings' number fields with bad input. Before: a port of 80 was sent (the
 * engine refused it) and the box then showed 1024, which was never saved; an
 * emptied box sent 0; -5 minutes became a saved 0 ("never unload") on the next
 * blur. Now what the user typed stays, is not sent, and says what to enter.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { numberProblem, SavedNumber } from '../../renderer/features/settings/SavedNumber.js';
import { installJsdomShims } from './jsdom-shims.js';

beforeAll(installJsdomShims);
afterEach(cleanup);

describe('numberProblem', () => {
  it('says what to enter, in the field’s unit, and nothing for a good value', () => {
    const port = { min: 1024, max: 65535, integer: true };
    expect(numberProblem(80, port)).toBe('Enter a number from 1024 to 65535.');
    expect(numberProblem(99999, port)).toBe('Enter a number from 1024 to 65535.');
    expect(numberProblem('', port)).toBe('Empty: enter a number from 1024 to 65535.');
    expect(numberProblem(4790.5, port)).toBe('Enter a whole number from 1024 to 65535.');
    expect(numberProblem(4790, port)).toBeNull();
    expect(numberProblem(-5, { min: 0, suffix: ' min' })).toBe('Enter 0 min or more.');
    expect(numberProblem('abc', { min: 0 })).toBe('Enter 0 or more.');
  });
});

function renderPort(saved: number[], error?: string) {
  render(
    <MantineProvider env="test">
      <SavedNumber label="Port" value={4663} min={1024} max={65535} integer error={error} onSave={(v) => saved.push(v)} />
    </MantineProvider>,
  );
  return screen.getByRole('textbox', { name: 'Port' }) as HTMLInputElement;
}

describe('SavedNumber', () => {
  it('keeps an out-of-range value as typed, does not send it, and says what to enter', () => {
    const saved: number[] = [];
    const input = renderPort(saved);
    fireEvent.change(input, { target: { value: '80' } });
    fireEvent.blur(input);
    expect(saved).toEqual([]);
    expect(input.value).toBe('80');
    expect(screen.getByText('Enter a number from 1024 to 65535.')).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });

  it('does not send an emptied box as 0', () => {
    const saved: number[] = [];
    const input = renderPort(saved);
    fireEvent.change(input, { target: { value: '' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    fireEvent.blur(input);
    expect(saved).toEqual([]);
    expect(screen.getByText('Empty: enter a number from 1024 to 65535.')).toBeTruthy();
  });

  it('saves a good value, and the mark goes once the user types again', () => {
    const saved: number[] = [];
    const input = renderPort(saved);
    fireEvent.change(input, { target: { value: '80' } });
    fireEvent.blur(input);
    fireEvent.change(input, { target: { value: '5000' } });
    expect(screen.queryByText('Enter a number from 1024 to 65535.')).toBeNull();
    fireEvent.blur(input);
    expect(saved).toEqual([5000]);
  });

  it('shows the engine’s words about the last save when the value itself is fine', () => {
    renderPort([], 'Port 5000 is in use.');
    expect(screen.getByText('Port 5000 is in use.')).toBeTruthy();
  });
});

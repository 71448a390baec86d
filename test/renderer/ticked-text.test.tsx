// @vitest-environment jsdom
/**
 * Backticks in the engine's and the transport's words: the sign-in page said
 * "Homeport needs its control token" twice and showed "Open the link
 * `homeport serve` printed" with the backticks as punctuation.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { ReactNode } from 'react';
import { UNAUTHORIZED_HINT } from '../../preload/http-binding.js';
import { SignInNeeded } from '../../renderer/App.js';
import { ErrorNotice } from '../../renderer/components/ErrorNotice.js';
import { TickedText } from '../../renderer/components/TickedText.js';
import { installJsdomShims } from './jsdom-shims.js';

beforeAll(installJsdomShims);
afterEach(cleanup);

const wrap = (node: ReactNode) => render(<MantineProvider env="test">{node}</MantineProvider>);

describe('TickedText', () => {
  it('shows each `…` part as code and leaves an unmatched backtick alone', () => {
    const { container } = wrap(
      <>
        <p data-testid="a">
          <TickedText text="Run `homeport serve`, then `homeport panel-url`." />
        </p>
        <p data-testid="b">
          <TickedText text="A lone ` stays" />
        </p>
      </>,
    );
    expect([...container.querySelectorAll('[data-testid="a"] code')].map((c) => c.textContent)).toEqual(['homeport serve', 'homeport panel-url']);
    expect(screen.getByTestId('a').textContent).toBe('Run homeport serve, then homeport panel-url.');
    expect(screen.getByTestId('b').textContent).toBe('A lone ` stays');
  });

  it('is used for the words of an error notice', () => {
    const { container } = wrap(<ErrorNotice title="Not saved" message="`since` must be a time in milliseconds since the epoch." />);
    expect(container.querySelector('code')?.textContent).toBe('since');
  });
});

describe('SignInNeeded', () => {
  it('says what it needs once and shows the commands as code', () => {
    const { container } = wrap(<SignInNeeded message={`Homeport needs its control token. ${UNAUTHORIZED_HINT}`} />);
    expect(screen.getAllByText(/needs its control token/)).toHaveLength(1);
    expect(screen.getByRole('heading', { name: 'Homeport needs its control token' })).toBeTruthy();
    expect([...container.querySelectorAll('code')].map((c) => c.textContent)).toEqual(expect.arrayContaining(['homeport serve', 'homeport panel-url']));
    expect(container.textContent).not.toContain('`');
  });
});

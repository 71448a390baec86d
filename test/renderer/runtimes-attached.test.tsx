// @vitest-environment jsdom
/**
 * A llama-server the user runs, which Homeport attached to: its card said
 * Start / Stop / Restart as if Homeport ran it, and Stop left its model in
 * memory. Now it says it is attached, and its buttons connect and disconnect.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { EngineStatus, RuntimesInfoView } from '../../preload/contract.js';
import { RuntimesPage } from '../../renderer/features/runtimes/RuntimesPage.js';
import { setTransport } from '../../renderer/lib/transport.js';
import { useStatus } from '../../renderer/stores/status.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fakeTransport, ok } from './playground-fakes.js';

beforeAll(installJsdomShims);
afterEach(() => {
  cleanup();
  setTransport(null);
});

const runtime = (id: string, kind: string): EngineStatus['runtimes'][number] =>
  ({ id, kind, state: 'ready', pid: null, port: 18080, baseUrl: 'http://127.0.0.1:18080', restarts: 0, lastError: null, readySince: Date.now(), models: [`${kind}/m`], load: null }) as unknown as EngineStatus['runtimes'][number];

function show() {
  const fake = fakeTransport();
  const info = {
    detected: [],
    gone: [],
    unavailable: [],
    owners: [
      { kind: 'llama-server', runtime: 'llama-server@127.0.0.1:18080', attached: true, state: 'ready' },
      { kind: 'llama-server', runtime: 'llama-server:spawned', attached: false, state: 'ready' },
    ],
  } as unknown as RuntimesInfoView;
  fake.on('runtimes', () => ok(info));
  fake.on('stopRuntime', (params) => ok({ ...runtime((params as { id: string }).id, 'llama-server'), state: 'stopped' }));
  setTransport(fake.transport);
  useStatus.setState({ status: { runtimes: [runtime('llama-server@127.0.0.1:18080', 'llama-server'), runtime('llama-server:spawned', 'llama-server')] } as unknown as EngineStatus });
  render(
    <MantineProvider env="test">
      <RuntimesPage />
    </MantineProvider>,
  );
  return fake;
}

describe('Runtimes page: an attached server', () => {
  it('says it is attached and offers Disconnect / Reconnect, while a server Homeport started keeps Stop / Restart', async () => {
    const fake = show();
    const attached = screen.getByRole('region', { name: 'Runtime llama-server@127.0.0.1:18080' });
    expect(await within(attached).findByText(/Attached: Homeport did not start this server and never stops it/)).toBeTruthy();
    expect(within(attached).getByRole('button', { name: 'Disconnect llama-server@127.0.0.1:18080' })).toBeTruthy();
    expect(within(attached).getByRole('button', { name: 'Reconnect llama-server@127.0.0.1:18080' })).toBeTruthy();
    expect(within(attached).queryByRole('button', { name: /^Stop / })).toBeNull();

    const own = screen.getByRole('region', { name: 'Runtime llama-server:spawned' });
    expect(within(own).getByRole('button', { name: 'Stop llama-server:spawned' })).toBeTruthy();
    expect(within(own).queryByText(/Attached:/)).toBeNull();

    fireEvent.click(within(attached).getByRole('button', { name: 'Disconnect llama-server@127.0.0.1:18080' }));
    await waitFor(() => expect(fake.calls.find((c) => c.name === 'stopRuntime')?.params).toEqual({ id: 'llama-server@127.0.0.1:18080' }));
  });
});

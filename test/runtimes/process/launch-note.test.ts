/**
 * The supervisor shows each launch's command line in the runtime's log, with
 * the value of secret flags redacted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAllChildrenSync } from '../../../main/runtimes/process/spawn.js';
import { Supervisor } from '../../../main/runtimes/process/supervisor.js';
import { waitUntil } from '../../support/processes.js';

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  killAllChildrenSync();
});

describe('launch note', () => {
  it('logs the command line with the key redacted', async () => {
    const supervisor = new Supervisor({
      id: 'note',
      kind: 'llama-server',
      plan: () =>
        Promise.resolve({
          command: process.execPath,
          args: ['-e', 'setTimeout(() => undefined, 60000)', '--api-key', 'sekrit-value', '--api-key=other-sekrit'],
          baseUrl: 'http://127.0.0.1:9',
          healthPath: '/health',
        }),
      healthIntervalMs: 1_000,
      startDeadlineMs: 60_000,
      stopTimeoutMs: 1_000,
    });
    supervisors.push(supervisor);
    void supervisor.start().catch(() => undefined);
    await waitUntil(() => supervisor.logs().some((l) => l.line.startsWith('launch 1:')), 10_000, 'the launch note');
    const note = supervisor.logs().find((l) => l.line.startsWith('launch 1:'))!.line;
    expect(note).toContain('--api-key *** --api-key=***');
    expect(note).toContain('setTimeout');
    expect(supervisor.logs().map((l) => l.line).join('\n')).not.toContain('sekrit');
  });
});

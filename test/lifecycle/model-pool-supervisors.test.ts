/**
 * The pool with two REAL Supervisors running the embedded worker
 * (node-llama-cpp, stories260K, one thread) and room for one model:
 * loading B evicts A, whose process is then gone.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../support/processes.js';
import { DecisionLog } from '../../main/lifecycle/decisions.js';
import { ModelPool } from '../../main/lifecycle/model-pool.js';
import { embeddedLaunchPlan } from '../../main/runtimes/embedded/launch-plan.js';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import { killAllChildrenSync } from '../../main/runtimes/process/spawn.js';
import { Supervisor } from '../../main/runtimes/process/supervisor.js';
import { testModel } from '../support/models.js';

const MODEL_PATH = testModel('stories260K.gguf');


function embeddedSupervisor(id: string): Supervisor {
  return new Supervisor({
    id: `embedded:${id}`,
    kind: 'embedded',
    plan: async () =>
      embeddedLaunchPlan({
        modelPath: MODEL_PATH,
        modelId: id,
        port: await allocatePort(),
        threads: 1,
        ctx: 256,
        parallel: 1,
      }),
    healthIntervalMs: 50,
    startDeadlineMs: 60_000,
    stopTimeoutMs: 5_000,
  });
}

const supervisors = [embeddedSupervisor('story-a'), embeddedSupervisor('story-b')];
const decisions = new DecisionLog();
const pool = new ModelPool({ limits: { maxLoadedModels: 1, memoryBudgetBytes: 0 }, decisions });

afterAll(async () => {
  pool.dispose();
  await Promise.all(supervisors.map((supervisor) => supervisor.stop()));
  killAllChildrenSync();
});

describe('ModelPool with real embedded Supervisors', () => {
  it('ensureReady on A, then on B: A is stopped (process gone), B ready, the eviction recorded', async () => {
    const [supervisorA, supervisorB] = supervisors as [Supervisor, Supervisor];
    const a = pool.add({ id: 'story-a', runtime: supervisorA, estimatedBytes: 2 * 1024 * 1024 });
    const b = pool.add({ id: 'story-b', runtime: supervisorB, estimatedBytes: 2 * 1024 * 1024 });
    const transitions: string[] = [];
    for (const supervisor of supervisors) {
      supervisor.subscribe((event) => {
        if (event.type === 'state') transitions.push(`${event.runtimeId} ${event.to}`);
      });
    }

    const endpointA = await a.ensureReady({ deadlineMs: 60_000 });
    const pidA = supervisorA.snapshot().pid;
    expect(pidA).not.toBeNull();
    expect(isAlive(pidA!)).toBe(true);
    expect((await fetch(`${endpointA.baseUrl}/health`, { headers: endpointA.headers })).status).toBe(200);

    const endpointB = await b.ensureReady({ deadlineMs: 60_000 });
    expect(supervisorB.snapshot().state).toBe('ready');
    expect((await fetch(`${endpointB.baseUrl}/health`, { headers: endpointB.headers })).status).toBe(200);
    expect(supervisorA.snapshot()).toMatchObject({ state: 'stopped', pid: null });
    expect(isAlive(pidA!)).toBe(false);

    // A was gone before B started.
    expect(transitions).toEqual([
      'embedded:story-a starting',
      'embedded:story-a ready',
      'embedded:story-a stopping',
      'embedded:story-a stopped',
      'embedded:story-b starting',
      'embedded:story-b ready',
    ]);

    const evictions = decisions.list().filter((decision) => decision.kind === 'evict');
    expect(evictions).toHaveLength(1);
    expect(evictions[0]!.model).toBe('story-a');
    expect(evictions[0]!.reason).toMatch(/^evicted story-a \(idle \d+ s, 2\.0 MiB\) to fit story-b \(2\.0 MiB\) within the limit of 1 loaded model$/);
    expect(pool.snapshot().map((model) => [model.id, model.state])).toEqual([
      ['story-a', 'stopped'],
      ['story-b', 'ready'],
    ]);
  });
});

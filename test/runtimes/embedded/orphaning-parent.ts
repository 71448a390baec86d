/**
 * Test fixture (not a test): a stand-in for the engine that spawns the worker
 * from a LaunchPlan, prints the worker's pid, and then just waits to be killed.
 *
 *   node --import tsx orphaning-parent.ts '<LaunchPlan JSON>' ipc|no-ipc
 */
import { spawn } from 'node:child_process';
import type { LaunchPlan } from '../../../main/runtimes/types.js';

const plan = JSON.parse(process.argv[2] ?? '') as LaunchPlan;
const withIpc = process.argv[3] === 'ipc';
const child = spawn(plan.command, [...plan.args], {
  env: { ...process.env, ...plan.env },
  stdio: withIpc ? ['ignore', 'ignore', 'inherit', 'ipc'] : ['ignore', 'ignore', 'inherit'],
});
process.stdout.write(`${child.pid}\n`);
setInterval(() => undefined, 60_000);

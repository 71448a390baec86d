/**
 * CPU load from the kernel's counters (hardware/cpu-load.ts): the arithmetic
 * on known counters, /proc/stat's format, and a real read on this machine
 * while a busy loop runs.
 */
import { describe, expect, it } from 'vitest';
import { cpuLoadPct, createCpuLoadReader, parseProcStat, readCpuTimes, timesFromCpus } from '../../main/hardware/cpu-load.js';

const PROC_STAT = `cpu  4705 356 584 3699176 23060 0 277 12 0 0
cpu0 1393 280 283 1844718 10553 0 205 5 0 0
cpu1 3312 76 301 1854458 12507 0 72 7 0 0
intr 114930548 113199788 3 0 5 263 0 4 [...]
`;

describe('cpu load', () => {
  it('reads the aggregate line of /proc/stat, counting iowait as idle and steal as busy', () => {
    expect(parseProcStat(PROC_STAT)).toEqual({ busy: 4705 + 356 + 584 + 0 + 277 + 12, total: 4705 + 356 + 584 + 277 + 12 + 3699176 + 23060 });
    expect(parseProcStat('cpu0 1 2 3 4\n')).toBeNull();
  });

  it('turns two reads into a percentage of the span between them', () => {
    expect(cpuLoadPct({ busy: 100, total: 1000 }, { busy: 175, total: 1100 })).toBe(75);
    expect(cpuLoadPct({ busy: 100, total: 1000 }, { busy: 100, total: 1000 })).toBe(0);
    expect(cpuLoadPct({ busy: 0, total: 0 }, { busy: 1, total: 3 })).toBe(33.3);
  });

  it('sums os.cpus() times where there is no /proc/stat', () => {
    const core = (user: number, idle: number) => ({ model: 'x', speed: 1, times: { user, nice: 0, sys: 10, idle, irq: 0 } });
    expect(timesFromCpus([core(50, 40), core(30, 10)])).toEqual({ busy: 100, total: 150 });
  });

  it('measures the first call over a short span, then from call to call', async () => {
    const reads = [
      { busy: 1_000_000, total: 4_000_000 }, // since boot: 25 % on average
      { busy: 1_000_090, total: 4_000_100 }, // the first span: 90 %
      { busy: 1_000_100, total: 4_000_200 }, // then 10 %
    ];
    const read = createCpuLoadReader(async () => reads.shift()!, 1);
    expect(await read()).toBe(90);
    expect(await read()).toBe(10);
  });

  it('sees a busy core on this machine', async () => {
    const read = createCpuLoadReader(readCpuTimes, 1);
    await read();
    const before = await readCpuTimes();
    const end = Date.now() + 300;
    while (Date.now() < end) Math.sqrt(Math.random());
    const after = await readCpuTimes();
    // One of the machine's cores was busy the whole span, whatever else ran.
    expect(cpuLoadPct(before, after)).toBeGreaterThanOrEqual(Math.min(100, 100 / (await import('node:os')).cpus().length) * 0.8);
  });
});

import { describe, expect, it } from 'vitest';
import { parseVmRss, readProcessRssBytes } from '../../main/models/measure-runtime.js';

const STATUS = ['Name:\tnode', 'State:\tS (sleeping)', 'VmPeak:\t 1234567 kB', 'VmHWM:\t  200000 kB', 'VmRSS:\t  153600 kB', 'Threads:\t11', ''].join('\n');

describe('measure-runtime', () => {
  it('reads VmRSS (kB = KiB) from /proc/PID/status text', () => {
    expect(parseVmRss(STATUS)).toBe(153600 * 1024);
    expect(parseVmRss('Name:\tkthreadd\nState:\tS\n')).toBeNull();
  });

  it('reads a live process on Linux, and this one uses some memory', async () => {
    if (process.platform !== 'linux') {
      expect(await readProcessRssBytes(process.pid)).toBeNull();
      return;
    }
    const rss = await readProcessRssBytes(process.pid);
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(rss).toBeLessThan(64 * 1024 ** 3);
  });

  it('answers null elsewhere, for a process that is gone, and for a nonsense pid', async () => {
    expect(await readProcessRssBytes(process.pid, { platform: 'darwin' })).toBeNull();
    const gone = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    expect(await readProcessRssBytes(4242, { platform: 'linux', readText: () => Promise.reject(gone) })).toBeNull();
    expect(await readProcessRssBytes(-1, { platform: 'linux', readText: () => Promise.resolve(STATUS) })).toBeNull();
    expect(await readProcessRssBytes(4242, { platform: 'linux', readText: () => Promise.resolve(STATUS) })).toBe(153600 * 1024);
  });
});

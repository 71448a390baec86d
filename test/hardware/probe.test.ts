import { describe, expect, it } from 'vitest';
import type { Systeminformation } from 'systeminformation';
import { createHardwareProbe, probeHardware, type SystemInfoSource } from '../../main/hardware/probe.js';

const MIB = 1024 * 1024;

function cpu(over: Partial<Systeminformation.CpuData>): Systeminformation.CpuData {
  return {
    manufacturer: 'AMD', brand: 'Ryzen 9 7950X', vendor: 'AuthenticAMD', family: '25', model: '97', stepping: '2', revision: '', voltage: '',
    speed: 4.5, speedMin: 0, speedMax: 5.7, governor: '', cores: 32, physicalCores: 16, processors: 1, socket: '', flags: '',
    virtualization: true, cache: { l1d: 0, l1i: 0, l2: 0, l3: 0 }, ...over,
  };
}

function mem(totalGiB: number, availableGiB: number): Systeminformation.MemData {
  const gib = 1024 ** 3;
  return {
    total: totalGiB * gib, free: availableGiB * gib * 0.5, used: (totalGiB - availableGiB) * gib, active: 0, available: availableGiB * gib,
    buffcache: 0, buffers: 0, cached: 0, slab: 0, reclaimable: 0, swaptotal: 0, swapused: 0, swapfree: 0, writeback: null, dirty: null,
  };
}

function os(platform: string, arch: string): Systeminformation.OsData {
  return { platform, distro: platform === 'darwin' ? 'macOS' : 'Ubuntu', release: '1', codename: '', kernel: '', arch, hostname: 'h', fqdn: 'h', codepage: '', logofile: '', serial: '', build: '', servicepack: '', uefi: null };
}

function controller(over: Partial<Systeminformation.GraphicsControllerData>): Systeminformation.GraphicsControllerData {
  return { vendor: '', model: '', bus: 'PCIe', vram: null, vramDynamic: false, ...over };
}

function fakeSi(parts: { cpu: Systeminformation.CpuData; flags: string; mem: Systeminformation.MemData; gpus: Systeminformation.GraphicsControllerData[]; os: Systeminformation.OsData }) {
  const calls = { count: 0 };
  const si: SystemInfoSource = {
    cpu: async () => {
      calls.count += 1;
      return parts.cpu;
    },
    cpuFlags: async () => parts.flags,
    mem: async () => parts.mem,
    graphics: async () => ({ controllers: parts.gpus, displays: [] }),
    osInfo: async () => parts.os,
  };
  return { si, calls };
}

describe('hardware probe', () => {
  it('reads a Linux PC with an NVIDIA GPU: cores, AVX flags, RAM, VRAM total and free, driver', async () => {
    const { si } = fakeSi({
      cpu: cpu({}),
      flags: 'fpu sse avx avx2 fma avx512f avx512bw',
      mem: mem(64, 50),
      gpus: [controller({ vendor: 'NVIDIA Corporation', model: 'NVIDIA GeForce RTX 4090', vram: 24564, memoryTotal: 24564, memoryFree: 20000, driverVersion: '550.54.14' })],
      os: os('linux', 'x64'),
    });
    const snapshot = await createHardwareProbe({ si, now: () => 42 }).snapshot();
    expect(snapshot.cpu).toEqual({ manufacturer: 'AMD', brand: 'Ryzen 9 7950X', physicalCores: 16, logicalCores: 32, flags: { avx2: true, avx512: true, neon: false } });
    expect(snapshot.memory).toEqual({ totalBytes: 64 * 1024 ** 3, availableBytes: 50 * 1024 ** 3 });
    expect(snapshot.gpus).toEqual([
      { vendor: 'nvidia', model: 'NVIDIA GeForce RTX 4090', vramTotalBytes: 24564 * MIB, vramFreeBytes: 20000 * MIB, driverVersion: '550.54.14', unifiedMemory: false, cores: null },
    ]);
    expect(snapshot.appleSilicon).toBe(false);
    expect(snapshot.os).toEqual({ platform: 'linux', distro: 'Ubuntu', release: '1', arch: 'x64' });
    expect(snapshot.probedAt).toBe(42);
  });

  it('flags Apple Silicon unified memory and NEON', async () => {
    const { si } = fakeSi({
      cpu: cpu({ manufacturer: 'Apple', brand: 'M2 Pro', cores: 12, physicalCores: 12, flags: '' }),
      flags: '',
      mem: mem(32, 20),
      gpus: [controller({ vendor: 'Apple', model: 'Apple M2 Pro', vram: null, vramDynamic: true, cores: 19 })],
      os: os('darwin', 'arm64'),
    });
    const snapshot = await createHardwareProbe({ si }).snapshot();
    expect(snapshot.appleSilicon).toBe(true);
    expect(snapshot.cpu.flags).toEqual({ avx2: false, avx512: false, neon: true });
    expect(snapshot.gpus[0]).toMatchObject({ vendor: 'apple', unifiedMemory: true, vramTotalBytes: null, cores: 19 });
  });

  it('keeps CPU and RAM when the GPU query fails', async () => {
    const { si } = fakeSi({ cpu: cpu({}), flags: 'avx2', mem: mem(16, 8), gpus: [], os: os('linux', 'x64') });
    const failing: SystemInfoSource = { ...si, graphics: async () => Promise.reject(new Error('lspci missing')) };
    const snapshot = await createHardwareProbe({ si: failing }).snapshot();
    expect(snapshot.gpus).toEqual([]);
    expect(snapshot.memory.totalBytes).toBe(16 * 1024 ** 3);
  });

  it('caches the snapshot (concurrent callers share one probe) and re-probes on refresh()', async () => {
    const { si, calls } = fakeSi({ cpu: cpu({}), flags: '', mem: mem(16, 8), gpus: [], os: os('linux', 'x64') });
    const probe = createHardwareProbe({ si });
    const [a, b] = await Promise.all([probe.snapshot(), probe.snapshot()]);
    expect(a).toBe(b);
    expect(await probe.snapshot()).toBe(a);
    expect(calls.count).toBe(1);
    const fresh = await probe.refresh();
    expect(calls.count).toBe(2);
    expect(fresh).not.toBe(a);
    expect(await probe.snapshot()).toBe(fresh);
  });

  it('probes this machine with the real systeminformation', async () => {
    const snapshot = await probeHardware();
    expect(snapshot.cpu.logicalCores).toBeGreaterThan(0);
    expect(snapshot.memory.totalBytes).toBeGreaterThan(0);
    expect(snapshot.memory.availableBytes).toBeGreaterThan(0);
    expect(snapshot.memory.availableBytes).toBeLessThanOrEqual(snapshot.memory.totalBytes);
    expect(await probeHardware()).toBe(snapshot);
  });
});

import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Cheap check for a CUDA-capable NVIDIA GPU, without the full hardware probe:
 * the NVIDIA kernel driver on Linux, nvidia-smi on Windows. Apple and AMD
 * machines have no CUDA. vLLM is only offered when this is true.
 */
export function hasCudaGpu(os: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): boolean {
  if (os === 'linux') return exists('/proc/driver/nvidia/version');
  if (os === 'win32') return (env.PATH ?? '').split(delimiter).some((dir) => dir && exists(join(dir, 'nvidia-smi.exe')));
  return false;
}

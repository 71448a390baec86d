/**
 * The window's size and position, remembered between launches in
 * `<data dir>/state/window.json`. `placeWindow` is the pure part: a saved
 * rectangle is used only if enough of it is on a display that exists now
 * (a monitor may have been unplugged); otherwise the default size, centred.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface WindowState {
  readonly bounds: Rect;
  readonly maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 } as const;
export const MIN_SIZE = { width: 720, height: 480 } as const;

const stateSchema = z.object({
  bounds: z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int().min(1), height: z.number().int().min(1) }),
  maximized: z.boolean(),
});

/** Where to open the window: the saved bounds if at least 100×100 px of them is on a display's work area. */
export function placeWindow(saved: WindowState | null, workAreas: readonly Rect[]): { bounds: Partial<Rect> & { width: number; height: number }; maximized: boolean } {
  if (saved) {
    const width = Math.max(MIN_SIZE.width, saved.bounds.width);
    const height = Math.max(MIN_SIZE.height, saved.bounds.height);
    const visible = workAreas.some((area) => overlap(area, { ...saved.bounds, width, height }) >= 100 * 100);
    if (visible) return { bounds: { x: saved.bounds.x, y: saved.bounds.y, width, height }, maximized: saved.maximized };
  }
  return { bounds: { ...DEFAULT_SIZE }, maximized: saved?.maximized ?? false };
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

export async function loadWindowState(file: string): Promise<WindowState | null> {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.tmp`;
  await writeFile(temp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/**
 * App-wide settings over HTTP (mounted under /homeport/v1):
 *
 *   GET   /settings   the settings, which are in effect, which wait for a restart, how secrets are kept
 *   PATCH /settings   change some of them: validated, saved in the config file (atomically, the
 *                     user's other keys untouched), applied at once where the engine can
 *
 * What "applied" means is up to the appliers the engine registers (the pool's
 * limits, the desktop shell's login item…): a setting without one is saved
 * and reported in `restartRequired`.
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppSettings, SettingsView } from '../../preload/contract.js';
import type { HomeportConfig } from '../config/schema.js';
import { parseConfig, saveConfig } from '../config/store.js';
import { ConfigError } from '../config/errors.js';
import { THEME_PREFERENCES } from '../config/desktop-schema.js';
import { GatewayError, invalidField } from '../gateway/errors.js';
import { parseParams } from './library-routes.js';
import { readRawConfig, type RawConfig } from './config-file-edit.js';
import { judgeMemoryBudget, type MachineMemory } from '../lifecycle/memory-ceiling.js';

export type SettingKey = keyof AppSettings;

/** Applies a new config for the settings that changed; returns true when in effect now. */
export type SettingApplier = (config: HomeportConfig) => boolean | Promise<boolean>;

export interface SettingsRoutesOptions {
  readonly configFile: string;
  /** The config the engine is running with (what `restartRequired` compares against). */
  readonly running: HomeportConfig;
  /** Per setting: how to apply it live. Absent = saved, in effect after a restart. */
  readonly appliers?: Partial<Record<SettingKey, SettingApplier>>;
  /** Settings this engine cannot act on, with why (e.g. startOnLogin in the headless engine). */
  readonly unavailable?: Partial<Record<SettingKey, string>>;
  readonly secretStorage: SettingsView['secretStorage'];
  /** This machine's memory, which a memory budget may not exceed; null (or absent) when unknown, and then any budget is taken. */
  readonly machineMemory?: () => Promise<MachineMemory | null>;
  /** Called after a change was saved (the desktop shell applies theme/tray settings from here). */
  readonly onChange?: (settings: AppSettings) => void;
}

const settingsPatchSchema = z
  .object({
    port: z.number().int().min(1024).max(65535).optional(),
    idleTtlMinutes: z.number().min(0).max(525_600).optional(),
    memoryBudgetBytes: z.number().int().min(0).optional(),
    maxLoadedModels: z.number().int().min(0).max(1000).optional(),
    cache: z
      .object({ enabled: z.boolean().optional(), ttlMinutes: z.number().min(1).max(525_600).optional(), maxBytes: z.number().int().min(64 * 1024).optional() })
      .strict()
      .optional(),
    privacy: z.boolean().optional(),
    startOnLogin: z.boolean().optional(),
    closeToTray: z.boolean().optional(),
    theme: z.enum(THEME_PREFERENCES).optional(),
  })
  .strict();

type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** The settings as the panel shows them, read from a config. */
export function settingsOf(config: HomeportConfig): AppSettings {
  return {
    port: config.port,
    idleTtlMinutes: config.lifecycle.idleTtlMinutes,
    memoryBudgetBytes: config.lifecycle.memoryBudgetBytes,
    maxLoadedModels: config.lifecycle.maxLoadedModels,
    cache: { enabled: config.cache.enabled, ttlMinutes: config.cache.ttlMinutes, maxBytes: config.cache.maxBytes },
    privacy: config.privacy,
    startOnLogin: config.desktop.startOnLogin,
    closeToTray: config.desktop.closeToTray,
    theme: config.desktop.theme,
  };
}

/** The patch written into the raw config file object (other keys and the user's layout of defaults kept). */
export function patchRawConfig(raw: RawConfig, patch: SettingsPatch): RawConfig {
  const next: RawConfig = structuredClone(raw);
  const section = (name: string): Record<string, unknown> => {
    const current = next[name];
    const copy = current && typeof current === 'object' && !Array.isArray(current) ? { ...(current as Record<string, unknown>) } : {};
    next[name] = copy;
    return copy;
  };
  if (patch.port !== undefined) next.port = patch.port;
  if (patch.idleTtlMinutes !== undefined) section('lifecycle').idleTtlMinutes = patch.idleTtlMinutes;
  if (patch.memoryBudgetBytes !== undefined) section('lifecycle').memoryBudgetBytes = patch.memoryBudgetBytes;
  if (patch.maxLoadedModels !== undefined) section('lifecycle').maxLoadedModels = patch.maxLoadedModels;
  if (patch.cache !== undefined) Object.assign(section('cache'), patch.cache);
  if (patch.privacy !== undefined) next.privacy = patch.privacy;
  if (patch.startOnLogin !== undefined) section('desktop').startOnLogin = patch.startOnLogin;
  if (patch.closeToTray !== undefined) section('desktop').closeToTray = patch.closeToTray;
  if (patch.theme !== undefined) section('desktop').theme = patch.theme;
  return next;
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function createSettingsRouter(options: SettingsRoutesOptions): Router {
  const router = Router();
  const jsonBody = express.json({ limit: '16kb' });
  const running = settingsOf(options.running);
  /** Settings applied live since start: they are in effect even though `running` has the old value. */
  const appliedLive = new Map<SettingKey, unknown>();
  let queue: Promise<unknown> = Promise.resolve();

  const readRaw = (): Promise<RawConfig> => readRawConfig(options.configFile);

  function view(config: HomeportConfig): SettingsView {
    const settings = settingsOf(config);
    const keys = Object.keys(settings) as SettingKey[];
    const restartRequired = keys.filter((key) => !sameValue(settings[key], running[key]) && !(appliedLive.has(key) && sameValue(appliedLive.get(key), settings[key])));
    return {
      settings,
      applied: keys.filter((key) => !restartRequired.includes(key) && options.unavailable?.[key] === undefined),
      restartRequired,
      unavailable: options.unavailable ?? {},
      secretStorage: options.secretStorage,
      configFile: options.configFile,
    };
  }

  async function current(): Promise<HomeportConfig> {
    try {
      return parseConfig(await readRaw(), options.configFile);
    } catch (error) {
      if (error instanceof ConfigError) throw new GatewayError({ status: 409, code: 'config_invalid', message: error.message });
      throw error;
    }
  }

  router.get('/settings', async function getSettings(_req: Request, res: Response) {
    res.json(view(await current()));
  });

  router.patch('/settings', jsonBody, async function patchSettings(req: Request, res: Response) {
    const patch = parseParams(settingsPatchSchema, req.body ?? {});
    if (patch.memoryBudgetBytes !== undefined && options.machineMemory) {
      const verdict = judgeMemoryBudget(patch.memoryBudgetBytes, await options.machineMemory().catch(() => null));
      if (!verdict.ok) throw invalidField('memoryBudgetBytes', verdict.reason);
    }
    // One change at a time: each reads the file the previous one wrote.
    const change = queue.then(async () => {
      const raw = await readRaw();
      const before = settingsOf(parseConfig(raw, options.configFile));
      let saved: HomeportConfig;
      try {
        saved = await saveConfig(options.configFile, patchRawConfig(raw, patch));
      } catch (error) {
        if (error instanceof ConfigError) throw new GatewayError({ status: 400, code: 'invalid_value', message: error.message });
        throw error;
      }
      const after = settingsOf(saved);
      for (const key of Object.keys(after) as SettingKey[]) {
        if (sameValue(before[key], after[key]) && !(key in patch)) continue;
        const apply = options.appliers?.[key];
        if (apply && (await apply(saved))) appliedLive.set(key, after[key]);
      }
      options.onChange?.(after);
      return view(saved);
    });
    queue = change.catch(() => undefined);
    res.json(await change);
  });

  return router;
}

/** How the headless engine keeps secrets, for the settings view. */
export function fileSecretStorage(path: string): SettingsView['secretStorage'] {
  return { protection: 'file', detail: `A file readable only by you (${path}); not encrypted.` };
}

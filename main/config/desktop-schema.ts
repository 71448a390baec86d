import { z } from 'zod';

/**
 * The desktop app's own settings in the config file: start on login, what
 * closing the window does, and the panel's theme. The headless engine keeps
 * them (the panel edits them in a browser too) but only the desktop app acts
 * on startOnLogin and closeToTray.
 *
 * Merged into the config schema as `desktop: desktopSectionSchema`.
 */
export const THEME_PREFERENCES = ['system', 'light', 'dark'] as const;

export const desktopConfigSchema = z
  .object({
    /** Start Homeport (in the tray) when the user logs in. */
    startOnLogin: z.boolean().default(false),
    /** Closing the window keeps the engine running in the tray; Quit in the tray menu stops it. */
    closeToTray: z.boolean().default(true),
    /** The panel's colours: follow the OS, or always light or dark. */
    theme: z.enum(THEME_PREFERENCES).default('system'),
  })
  .strict();

export const desktopSectionSchema = desktopConfigSchema.prefault({});

export type DesktopConfig = z.infer<typeof desktopConfigSchema>;

import { z } from 'zod';

/**
 * Exposing the public API to the local network. Off by default; turning it on
 * needs at least one app key (`homeport keys create NAME`), and the control
 * API and the panel still answer only on this machine.
 */
export const lanSectionSchema = z
  .object({
    enabled: z.boolean().default(false),
  })
  .strict()
  .default({ enabled: false });
export type LanSection = z.infer<typeof lanSectionSchema>;

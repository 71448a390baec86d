import type { z } from 'zod';

/** A config problem a user can fix: names the file and every offending key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string | null,
    readonly problems: readonly string[],
  ) {
    super(`${file ? `Config ${file}` : 'Config'} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** `models.0.port: Expected number` style lines, one per issue; unknown keys named explicitly. */
export function describeZodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const at = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? `${at}: ` : '';
      return `${where}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `${at}: ${issue.message}`;
  });
}

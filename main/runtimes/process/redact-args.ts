/**
 * A launch command line as Homeport shows it (runtime logs, the panel):
 * the value of every secret flag replaced by `***`, in both spellings
 * (`--api-key VALUE` and `--api-key=VALUE`).
 */

/** Flags of the runtimes Homeport starts whose value is a secret. */
export const SECRET_FLAGS: readonly string[] = ['--api-key', '--api-key-file'];

export function redactSecretArgs(args: readonly string[], secretFlags: readonly string[] = SECRET_FLAGS): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const inline = secretFlags.find((flag) => arg.startsWith(`${flag}=`));
    if (inline !== undefined) {
      out.push(`${inline}=***`);
    } else if (secretFlags.includes(arg) && i + 1 < args.length) {
      out.push(arg, '***');
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** One line for a log: the command and its redacted arguments, each quoted when it holds spaces. */
export function showCommandLine(command: string, args: readonly string[]): string {
  const quote = (part: string): string => (/[\s"']/.test(part) ? JSON.stringify(part) : part);
  return [command, ...redactSecretArgs(args)].map(quote).join(' ');
}

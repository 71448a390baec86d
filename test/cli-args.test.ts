import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../main/cli-args.js';

describe('parseCli', () => {
  it('parses serve with repeated models and numbers', () => {
    expect(parseCli(['serve', '--model', 'a.gguf', '-m', 'b.gguf', '--port', '5000', '--parallel', '2', '--ctx', '4096', '--threads', '1', '--data-dir', '/d'])).toEqual({
      command: 'serve',
      models: ['a.gguf', 'b.gguf'],
      port: 5000,
      dataDir: '/d',
      config: undefined,
      parallel: 2,
      ctx: 4096,
      threads: 1,
    });
  });

  it('defaults to serve and knows help', () => {
    expect(parseCli([])).toMatchObject({ command: 'serve', models: [] });
    expect(parseCli(['--help'])).toEqual({ command: 'help' });
  });

  it.each([
    [['serve', '--threads', '0'], /--threads must be a whole number/],
    [['serve', '--ctx', '1.5'], /--ctx must be a whole number/],
    [['serve', '--port', '70000'], /--port must be at most 65535/],
    [['serve', '--bogus'], /Unknown option '--bogus'/],
    [['serev'], /unknown command "serev"/],
    [['serve', 'extra'], /unexpected argument "extra"/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});

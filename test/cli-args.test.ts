import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../main/cli-args.js';

describe('parseCli', () => {
  it('parses serve with repeated models and numbers', () => {
    expect(parseCli(['serve', '--model', 'a.gguf', '-m', 'b.gguf', '--port', '5000', '--parallel', '2', '--ctx', '4096', '--threads', '1', '--data-dir', '/d'])).toEqual({
      command: 'serve',
      models: ['a.gguf', 'b.gguf'],
      demo: false,
      port: 5000,
      dataDir: '/d',
      config: undefined,
      parallel: 2,
      ctx: 4096,
      threads: 1,
    });
  });

  it('defaults to serve and knows help', () => {
    expect(parseCli([])).toMatchObject({ command: 'serve', models: [], demo: false });
    expect(parseCli(['--help'])).toEqual({ command: 'help' });
  });

  it('--demo asks for the bundled demo model, beside any --model; it is no option of pull', () => {
    expect(parseCli(['serve', '--demo'])).toMatchObject({ command: 'serve', models: [], demo: true });
    expect(parseCli(['--demo', '--model', 'a.gguf'])).toMatchObject({ command: 'serve', models: ['a.gguf'], demo: true });
    expect(() => parseCli(['pull', 'o/r', '--demo'])).toThrow(/--demo is an option of "serve", not "pull"/);
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

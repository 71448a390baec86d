import { describe, expect, it } from 'vitest';
import { parseWorkerArgs } from '../../../main/runtimes/embedded/worker-args.js';

const env = { cpuCount: 2 };

describe('parseWorkerArgs', () => {
  it('applies defaults and derives the model id from the file name', () => {
    const parsed = parseWorkerArgs(['--model', '/m/stories260K.gguf', '--port', '8080'], env);
    expect(parsed).toEqual({
      ok: true,
      options: {
        modelPath: '/m/stories260K.gguf',
        modelId: 'stories260K',
        host: '127.0.0.1',
        port: 8080,
        parallel: 4,
        ctx: undefined,
        threads: 1,
        queue: 64,
        batch: undefined,
      },
    });
  });

  it('reads every flag and clamps threads to the CPU count', () => {
    const parsed = parseWorkerArgs(
      ['--model', 'a.gguf', '--port', '1', '--model-id', 'x', '--parallel', '2', '--ctx', '512', '--threads', '16', '--queue', '0', '--batch', '128'],
      env,
    );
    expect(parsed.ok && parsed.options).toMatchObject({ modelId: 'x', parallel: 2, ctx: 512, threads: 2, queue: 0, batch: 128 });
  });

  it.each([
    [['--port', '1'], /--model/],
    [['--model', 'a.gguf'], /--port/],
    [['--model', 'a.gguf', '--port', '1', '--bogus', '2'], /bogus/],
    [['--model', 'a.gguf', '--port', 'x1'], /--port must be a whole number/],
    [['--model', 'a.gguf', '--port', '70000'], /--port must be between/],
    [['--model', 'a.gguf', '--port', '1', '--parallel', '0'], /--parallel/],
    [['--model', 'a.gguf', '--port', '1', '--threads', '-1'], /threads/],
    [['--model', 'a.gguf', '--port', '1', '--host', '0.0.0.0'], /loopback/],
    [['--model', 'a.gguf', '--port', '1', 'stray'], /stray|positional/i],
    [['--model', 'a.gguf', '--port', '1', '--ctx'], /ctx/],
  ])('rejects %j', (argv, message) => {
    const parsed = parseWorkerArgs(argv, env);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});

import { describe, expect, it } from 'vitest';
import { unservedMessage } from '../../../main/runtimes/external/unserved-endpoint.js';

describe('unservedMessage', () => {
  it("ends the runtime's own words as a sentence before the advice (real llama-server's 501 has no full stop)", () => {
    expect(unservedMessage('llama-server/m', 'This server does not support embeddings. Start it with `--embeddings`', 'Set "embeddings": true.')).toBe(
      'llama-server/m: This server does not support embeddings. Start it with `--embeddings`. Set "embeddings": true.',
    );
    expect(unservedMessage('r', 'Not supported. ', 'Advice.')).toBe('r: Not supported. Advice.');
  });

  it('is the advice alone when the runtime said nothing', () => {
    expect(unservedMessage('r', '  ', 'Advice.')).toBe('Advice.');
  });
});

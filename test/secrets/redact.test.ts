import { describe, expect, it } from 'vitest';
import { redact, REDACTED } from '../../main/secrets/redact.js';

describe('redact', () => {
  it('removes the exact secret values it is given, longest first', () => {
    expect(redact('token=abc123secret; again abc123secret', { secrets: ['abc123secret'] })).toBe(`token=${REDACTED}; again ${REDACTED}`);
    expect(redact('k=abcdef', { secrets: ['abc', 'abcdef'] })).toBe(`k=${REDACTED}`);
    expect(redact('nothing here', { secrets: ['', undefined] })).toBe('nothing here');
  });

  it('removes credential-shaped strings even when nobody named them', () => {
    expect(redact('GET /x with hf_AbCdEf0123456789XyZ failed')).toBe(`GET /x with ${REDACTED} failed`);
    expect(redact('key sk-proj-abcdefghijklmnopqrstuv')).toBe(`key ${REDACTED}`);
    expect(redact('authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig')).toBe(`authorization: Bearer ${REDACTED}`);
  });

  it('leaves ordinary text alone', () => {
    const line = 'downloaded stories260K.gguf (1.19 MB) from ggml-org/tiny-llamas at 12:00, hf_ and sk- alone are fine';
    expect(redact(line)).toBe(line);
  });
});

import { describe, expect, it } from 'vitest';
import { featureVerdict, firstUnhonoured, requiredFeatures } from '../../main/probe/required-features.js';

describe('requiredFeatures', () => {
  it('names tools, json_schema and logprobs when the body uses them', () => {
    expect(requiredFeatures({ model: 'm', messages: [] })).toEqual([]);
    expect(requiredFeatures({ tools: [{ type: 'function', function: { name: 'f' } }] })).toEqual(['tools']);
    expect(requiredFeatures({ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'none' })).toEqual([]);
    expect(requiredFeatures({ tools: [] })).toEqual([]);
    expect(requiredFeatures({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } })).toEqual(['json_schema']);
    expect(requiredFeatures({ response_format: { type: 'json_object' } })).toEqual([]);
    expect(requiredFeatures({ logprobs: true, top_logprobs: 2 })).toEqual(['logprobs']);
    expect(requiredFeatures({ logprobs: false })).toEqual([]);
    expect(requiredFeatures({ tools: [{}], response_format: { type: 'json_schema' }, logprobs: true })).toEqual(['tools', 'json_schema', 'logprobs']);
  });
});

describe('featureVerdict', () => {
  it('skips only a model a probe showed not to honour the feature, with a reason', () => {
    expect(featureVerdict('llama', 'tools', null)).toEqual({ usable: true, verdict: 'unprobed', reason: 'llama: tools not probed' });
    expect(featureVerdict('llama', 'tools', { tools: 'honoured' })).toMatchObject({ usable: true, verdict: 'honoured' });
    expect(featureVerdict('llama', 'tools', { tools: 'unknown' })).toMatchObject({ usable: true, verdict: 'unknown' });
    expect(featureVerdict('llama', 'tools', { tools: 'ignored' })).toEqual({ usable: false, verdict: 'ignored', reason: 'llama does not honour tools (probe: ignored)' });
    expect(featureVerdict('llama', 'logprobs', { logprobs: 'error' })).toEqual({ usable: false, verdict: 'error', reason: 'llama does not honour logprobs (probe: refused)' });
  });

  it('firstUnhonoured returns the first blocking feature, or null', () => {
    expect(firstUnhonoured('m', ['tools', 'logprobs'], { tools: 'honoured', logprobs: 'error' })?.reason).toBe('m does not honour logprobs (probe: refused)');
    expect(firstUnhonoured('m', ['tools'], { tools: 'honoured' })).toBeNull();
    expect(firstUnhonoured('m', [], { tools: 'ignored' })).toBeNull();
  });
});

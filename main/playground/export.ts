/**
 * A saved conversation as a file to keep or share: JSON (the stored shape,
 * versioned) or Markdown (readable; each lane under its model's heading,
 * with the answer's stats in a line under it). Pure functions.
 */
import type { Conversation, MessageStats, SamplingParameters } from './schema.js';

export type ExportFormat = 'json' | 'markdown';

export interface ExportedFile {
  readonly filename: string;
  readonly contentType: string;
  readonly body: string;
}

export function exportConversation(conversation: Conversation, format: ExportFormat): ExportedFile {
  const base = fileSafe(conversation.title) || 'conversation';
  if (format === 'json') {
    return {
      filename: `${base}.json`,
      contentType: 'application/json; charset=utf-8',
      body: `${JSON.stringify({ format: 'homeport.playground.conversation', version: 1, conversation }, null, 2)}\n`,
    };
  }
  return { filename: `${base}.md`, contentType: 'text/markdown; charset=utf-8', body: toMarkdown(conversation) };
}

export function toMarkdown(conversation: Conversation): string {
  const out: string[] = [`# ${conversation.title}`, ''];
  out.push(`Saved ${conversation.updatedAt}.`);
  const params = describeParameters(conversation.parameters);
  if (params) out.push(`Parameters: ${params}.`);
  out.push('');
  if (conversation.systemPrompt.trim()) out.push('## System prompt', '', quote(conversation.systemPrompt), '');
  for (const lane of conversation.lanes) {
    out.push(`## ${lane.target.kind === 'route' ? 'Route' : 'Model'}: ${lane.target.id}`, '');
    for (const message of lane.messages) {
      out.push(`### ${message.role === 'user' ? 'User' : message.role === 'assistant' ? 'Assistant' : 'System'}`, '');
      out.push(message.content, '');
      const stats = message.stats ? describeStats(message.stats) : '';
      if (stats) out.push(`_${stats}_`, '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function describeParameters(p: SamplingParameters): string {
  const parts: string[] = [];
  if (p.temperature !== undefined) parts.push(`temperature ${p.temperature}`);
  if (p.topP !== undefined) parts.push(`top_p ${p.topP}`);
  if (p.maxTokens !== undefined) parts.push(`max tokens ${p.maxTokens}`);
  if (p.seed !== undefined) parts.push(`seed ${p.seed}`);
  if (p.stop?.length) parts.push(`stop ${p.stop.map((s) => JSON.stringify(s)).join(', ')}`);
  return parts.join(', ');
}

function describeStats(s: MessageStats): string {
  const parts: string[] = [];
  if (s.model) parts.push(s.model);
  if (s.tier) parts.push(`tier ${s.tier}`);
  if (s.cache) parts.push(`cache ${s.cache}`);
  if (s.ttftMs !== undefined) parts.push(`TTFT ${Math.round(s.ttftMs)} ms`);
  if (s.tokensPerSecond !== undefined) parts.push(`${s.tokensPerSecond.toFixed(1)} tok/s`);
  if (s.completionTokens !== undefined) parts.push(`${s.completionTokens} tokens`);
  if (s.stopped) parts.push('stopped');
  if (s.error) parts.push(`error: ${s.error}`);
  return parts.join(' · ');
}

function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

function fileSafe(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[^\w\- ]+/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .slice(0, 60)
    .toLowerCase();
}

/**
 * Tool calls on the embedded runtime, for every model, with or without tool
 * syntax in its chat template.
 *
 * The tools are described in the system turn, and the model's answer is
 * constrained by a grammar to `{"name": <one of the tools>, "arguments":
 * <that tool's parameters schema>}`:
 *   - `required`: that JSON is the only thing the model may write;
 *   - a named function: the same, with the name fixed;
 *   - `auto`: either that JSON or plain text that does not start with `{`
 *     (the model chooses; see tool-grammar.ts);
 *   - `none`: no grammar and no tool descriptions.
 * So even a model that has never seen a tool call returns arguments that
 * parse against the schema. One call per answer (parallel_tool_calls is
 * accepted and means at most one here).
 */
import { randomBytes } from 'node:crypto';
import { invalidRequest } from './api-errors.js';
import { grammarSchemaOrBadRequest, type JsonSchema } from './json-schema-grammar.js';

export interface FunctionTool {
  readonly name: string;
  readonly description?: string | null;
  readonly parameters?: Readonly<Record<string, unknown>> | null;
  readonly strict?: boolean | null;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

export interface ToolPlan {
  /** What the grammar allows. `text` when no tool may be called. */
  readonly mode: 'text' | 'call' | 'call-or-text';
  /** The JSON schema of one call (`mode` call and call-or-text). */
  readonly callSchema?: JsonSchema;
  /** Text for the system turn describing the tools; '' when none are offered. */
  readonly instructions: string;
}

/** Decide how to generate for these tools and this choice; 400 for a choice naming an unknown tool or a schema the grammar cannot enforce. */
export function planTools(tools: readonly FunctionTool[], choice: ToolChoice | undefined): ToolPlan {
  const effective = choice ?? (tools.length > 0 ? 'auto' : 'none');
  if (tools.length === 0 || effective === 'none') {
    if (typeof effective === 'object' || effective === 'required') {
      throw invalidRequest("Invalid value for 'tool_choice': it asks for a tool call but 'tools' is empty.", 'tool_choice');
    }
    return { mode: 'text', instructions: '' };
  }
  const offered = typeof effective === 'object' ? tools.filter((tool) => tool.name === effective.name) : tools;
  if (offered.length === 0) {
    throw invalidRequest(`Invalid value for 'tool_choice': no tool named '${(effective as { name: string }).name}' is in 'tools'.`, 'tool_choice');
  }
  const calls = offered.map((tool) => {
    const index = tools.indexOf(tool);
    const parameters = grammarSchemaOrBadRequest(tool.parameters ?? { type: 'object', properties: {} }, `tools[${index}].function.parameters`, {
      strict: tool.strict === true,
    });
    return { type: 'object', properties: { name: { const: tool.name }, arguments: parameters }, required: ['name', 'arguments'], additionalProperties: false };
  });
  const callSchema: JsonSchema = calls.length === 1 ? calls[0]! : { oneOf: calls };
  return {
    mode: effective === 'auto' ? 'call-or-text' : 'call',
    callSchema,
    instructions: describeTools(offered, effective === 'auto'),
  };
}

function describeTools(tools: readonly FunctionTool[], optional: boolean): string {
  const lines = tools.map((tool) => {
    const params = JSON.stringify(tool.parameters ?? { type: 'object', properties: {} });
    return `- ${tool.name}${tool.description ? `: ${tool.description}` : ''}\n  parameters (JSON schema): ${params}`;
  });
  const how = optional
    ? 'To call one, answer with only a JSON object {"name": <tool name>, "arguments": <arguments>}; otherwise answer in plain text.'
    : 'Answer with only a JSON object {"name": <tool name>, "arguments": <arguments>} calling one of them.';
  return `You can call these tools:\n${lines.join('\n')}\n${how}`;
}

export interface ParsedToolCall {
  readonly id: string;
  readonly name: string;
  /** The arguments as JSON text, as OpenAI sends them. */
  readonly arguments: string;
}

/** The model's grammar-constrained answer -> a call, or undefined when it answered in text (`auto`). */
export function parseToolCall(text: string, newId: () => string = toolCallId): ParsedToolCall | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { name, arguments: args } = parsed as { name?: unknown; arguments?: unknown };
  if (typeof name !== 'string') return undefined;
  return { id: newId(), name, arguments: JSON.stringify(args ?? {}) };
}

export function toolCallId(): string {
  return `call_${randomBytes(12).toString('base64url')}`;
}

/**
 * Follows the generated text of `{"name": "...", "arguments": ...}` as it
 * streams and hands out the name once known and each new piece of the
 * arguments' JSON text, so tool-call argument deltas stream as OpenAI's do.
 */
export class ToolCallStreamer {
  private text = '';
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private stringStart = -1;
  private lastKey: string | undefined;
  private lastString: string | undefined;
  private expectValueFor: string | undefined;
  private argsStart = -1;
  private argsEnd = -1;
  private argsEmitted = 0;
  private nameValue: string | undefined;

  /** Feed generated text; returns the name (first time it is complete) and the new arguments text. */
  push(piece: string): { name?: string; argumentsDelta: string } {
    const nameBefore = this.nameValue;
    this.text += piece;
    this.scan();
    const name = nameBefore === undefined && this.nameValue !== undefined ? this.nameValue : undefined;
    const delta = this.pendingArguments();
    return name !== undefined ? { name, argumentsDelta: delta } : { argumentsDelta: delta };
  }

  /** True once the first character is known not to start a JSON object (a plain-text answer under `auto`). */
  get isText(): boolean {
    const first = this.text.trimStart();
    return first.length > 0 && !first.startsWith('{');
  }

  get name(): string | undefined {
    return this.nameValue;
  }

  private pendingArguments(): string {
    if (this.argsStart < 0) return '';
    const end = this.argsEnd >= 0 ? this.argsEnd : this.text.length;
    if (end <= this.argsStart + this.argsEmitted) return '';
    const delta = this.text.slice(this.argsStart + this.argsEmitted, end);
    this.argsEmitted += delta.length;
    return delta;
  }

  private scan(): void {
    const text = this.text;
    for (let i = this.scanned; i < text.length; i++) {
      const ch = text[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') {
          this.inString = false;
          this.lastString = JSON.parse(text.slice(this.stringStart, i + 1)) as string;
          if (this.depth === 1 && this.expectValueFor === 'name') {
            this.nameValue = this.lastString;
            this.expectValueFor = undefined;
          }
        }
        continue;
      }
      if (ch === '"') {
        this.inString = true;
        this.stringStart = i;
        this.markArgumentsStart(i);
        continue;
      }
      if (/\s/.test(ch)) continue;
      if (ch === ':' && this.depth === 1) {
        this.lastKey = this.lastString;
        this.expectValueFor = this.lastKey;
        continue;
      }
      this.markArgumentsStart(i);
      if (ch === '{' || ch === '[') this.depth++;
      else if (ch === '}' || ch === ']') {
        this.depth--;
        if (this.depth === 1 && this.argsStart >= 0 && this.argsEnd < 0) this.argsEnd = i + 1;
      } else if (ch === ',' && this.depth === 1) {
        if (this.argsStart >= 0 && this.argsEnd < 0) this.argsEnd = trimEnd(text, i);
        this.expectValueFor = undefined;
      }
    }
    this.scanned = text.length;
    if (this.depth === 0 && this.argsStart >= 0 && this.argsEnd < 0 && this.scanned > 0) {
      // A scalar `arguments` value closed by the object's last brace.
      this.argsEnd = trimEnd(text, text.lastIndexOf('}'));
    }
  }

  private markArgumentsStart(i: number): void {
    if (this.depth === 1 && this.expectValueFor === 'arguments' && this.argsStart < 0) {
      this.argsStart = i;
      this.expectValueFor = undefined;
    }
  }
}

function trimEnd(text: string, end: number): number {
  let i = end;
  while (i > 0 && /\s/.test(text[i - 1]!)) i--;
  return i;
}

/**
 * Grammars that constrain what the model may write: a JSON document matching
 * a schema (response_format, a required tool call), or "a tool call or plain
 * text" (tool_choice auto).
 *
 * node-llama-cpp builds the JSON-schema grammar. Its root rule ends with four
 * newlines, which it uses as a stop trigger in its own chat layer; here the
 * grammar is cut right after the JSON instead, so once the document is
 * complete the only token the grammar allows is end-of-generation and the
 * answer ends exactly there. Grammars are compiled once per schema and kept
 * (bounded), since compiling costs milliseconds and agents repeat their tools
 * on every turn.
 */
import { LlamaGrammarEvaluationState, type Llama, type LlamaGrammar, type LlamaModel } from 'node-llama-cpp';
import type { JsonSchema } from './json-schema-grammar.js';

export type OutputConstraint =
  /** The whole answer is one JSON document matching `schema`. */
  | { readonly kind: 'json'; readonly schema: JsonSchema }
  /** Either such a document, or text that does not begin with `{`. */
  | { readonly kind: 'json-or-text'; readonly schema: JsonSchema };

const CACHE_LIMIT = 64;

export class OutputGrammars {
  private readonly cache = new Map<string, Promise<LlamaGrammar>>();

  constructor(private readonly llama: Llama) {}

  grammarFor(constraint: OutputConstraint): Promise<LlamaGrammar> {
    const key = JSON.stringify(constraint);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      // Most recently used last.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const built = this.build(constraint);
    built.catch(() => this.cache.delete(key));
    this.cache.set(key, built);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    return built;
  }

  /** A fresh evaluation state for one generation. */
  static stateFor(model: LlamaModel, grammar: LlamaGrammar): LlamaGrammarEvaluationState {
    return new LlamaGrammarEvaluationState({ model, grammar });
  }

  private async build(constraint: OutputConstraint): Promise<LlamaGrammar> {
    const schemaGrammar = await this.llama.createGrammarForJsonSchema(constraint.schema as never);
    const document = endAtDocument(schemaGrammar.grammar);
    const text = constraint.kind === 'json' ? document : jsonOrText(document);
    return this.llama.createGrammar({ grammar: text });
  }
}

/** Drop the trailing-newlines suffix of node-llama-cpp's root rule, so the grammar is complete right after the JSON. */
export function endAtDocument(grammar: string): string {
  return grammar.replace(/^(root ::= .*?)\s*"(?:\\n){4}"\s*\[\\n\]\*\s*$/m, '$1');
}

/** Wrap a JSON grammar so plain text (not starting with `{`) is also allowed. */
export function jsonOrText(grammar: string): string {
  if (!/^root ::= /m.test(grammar)) throw new Error('the JSON grammar has no root rule');
  const renamed = grammar.replace(/^root ::= /m, 'json-document ::= ');
  return [
    'root ::= json-document | free-text',
    'free-text ::= [ \\t\\n]* [^{ \\t\\n] [^\\x00]*',
    renamed,
  ].join('\n');
}

/**
 * An Anthropic message (from-chat.ts toAnthropicMessage) as JSON, byte for
 * byte what JSON.stringify writes. The common answer (no content or one text
 * block) is written into a fixed frame with only its values serialized,
 * several times cheaper than serializing the whole object; any other shape
 * (tool_use blocks) goes to JSON.stringify. The frame follows
 * toAnthropicMessage's key order; the test
 * (test/gateway/surfaces-json.test.ts) holds both to the same bytes.
 */
import { jsonValue } from '../json-value.js';

type Json = Record<string, unknown>;

/** The content of the common answer, or undefined for another shape. */
function commonContent(content: unknown): string | undefined {
  if (!Array.isArray(content) || content.length > 1) return undefined;
  if (content.length === 0) return '[]';
  const block = content[0] as Json;
  return block.type === 'text' ? `[{"type":"text","text":${jsonValue(block.text)}}]` : undefined;
}

export function messageJson(message: Json): string {
  const content = commonContent(message.content);
  const usage = message.usage as Json | undefined;
  if (content === undefined || usage === undefined) return JSON.stringify(message);
  return (
    `{"id":${jsonValue(message.id)},"type":"message","role":"assistant","model":${jsonValue(message.model)},"content":${content},` +
    `"stop_reason":${jsonValue(message.stop_reason)},"stop_sequence":${jsonValue(message.stop_sequence)},` +
    `"usage":{"input_tokens":${jsonValue(usage.input_tokens)},"output_tokens":${jsonValue(usage.output_tokens)},` +
    `"cache_creation_input_tokens":${jsonValue(usage.cache_creation_input_tokens)},"cache_read_input_tokens":${jsonValue(usage.cache_read_input_tokens)}}}`
  );
}

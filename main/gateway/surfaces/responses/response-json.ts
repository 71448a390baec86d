/**
 * A response object (from-chat.ts responseObject) as JSON, byte for byte what
 * JSON.stringify writes. The common answer (no error, at most one text
 * message out, no tools, the default text format, no metadata) is written
 * into a fixed frame with only its values serialized, several times cheaper
 * than serializing the whole object; any other shape goes to JSON.stringify.
 * The frame follows responseObject's key order; the test
 * (test/gateway/surfaces-json.test.ts) holds both to the same bytes.
 */
import { jsonValue } from '../json-value.js';
import { DEFAULT_TEXT, MAX_OUTPUT_TOKENS_REACHED, NO_METADATA, NO_REASONING } from './from-chat.js';

type Json = Record<string, unknown>;

/** The one text message of the common answer, or undefined when the output is something else. */
function commonOutput(output: unknown): string | undefined {
  if (!Array.isArray(output) || output.length > 1) return undefined;
  if (output.length === 0) return '[]';
  const item = output[0] as Json;
  const content = item.content;
  if (item.type !== 'message' || item.role !== 'assistant' || !Array.isArray(content) || content.length !== 1) return undefined;
  const part = content[0] as Json;
  if (part.type !== 'output_text' || !isEmptyArray(part.annotations) || !isEmptyArray(part.logprobs)) return undefined;
  return `[{"type":"message","id":${jsonValue(item.id)},"status":${jsonValue(item.status)},"role":"assistant","content":[{"type":"output_text","text":${jsonValue(part.text)},"annotations":[],"logprobs":[]}]}]`;
}

/** The usage object usageOf makes, or undefined for another shape. */
function commonUsage(usage: unknown): string | undefined {
  if (usage === null) return 'null';
  const u = usage as Json;
  const input = u.input_tokens_details as Json | undefined;
  const output = u.output_tokens_details as Json | undefined;
  if (input === undefined || output === undefined || output.reasoning_tokens !== 0) return undefined;
  return `{"input_tokens":${jsonValue(u.input_tokens)},"input_tokens_details":{"cached_tokens":${jsonValue(input.cached_tokens)}},"output_tokens":${jsonValue(u.output_tokens)},"output_tokens_details":{"reasoning_tokens":0},"total_tokens":${jsonValue(u.total_tokens)}}`;
}

function isEmptyArray(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

export function responseJson(response: Json): string {
  const r = response;
  const common =
    r.error === null &&
    r.reasoning === NO_REASONING &&
    r.text === DEFAULT_TEXT &&
    r.metadata === NO_METADATA &&
    isEmptyArray(r.tools) &&
    typeof r.tool_choice === 'string' &&
    (r.incomplete_details === null || r.incomplete_details === MAX_OUTPUT_TOKENS_REACHED);
  const output = common ? commonOutput(r.output) : undefined;
  const usage = output === undefined ? undefined : commonUsage(r.usage);
  if (usage === undefined) return JSON.stringify(response);
  return (
    `{"id":${jsonValue(r.id)},"object":"response","created_at":${jsonValue(r.created_at)},"status":${jsonValue(r.status)},"error":null,` +
    `"incomplete_details":${r.incomplete_details === null ? 'null' : '{"reason":"max_output_tokens"}'},` +
    `"instructions":${jsonValue(r.instructions)},"max_output_tokens":${jsonValue(r.max_output_tokens)},"model":${jsonValue(r.model)},"output":${output},` +
    `"parallel_tool_calls":${jsonValue(r.parallel_tool_calls)},"previous_response_id":${jsonValue(r.previous_response_id)},"reasoning":{"effort":null,"summary":null},` +
    `"store":${jsonValue(r.store)},"temperature":${jsonValue(r.temperature)},"text":{"format":{"type":"text"}},"tool_choice":${jsonValue(r.tool_choice)},"tools":[],` +
    `"top_p":${jsonValue(r.top_p)},"truncation":"disabled","usage":${usage},"user":${jsonValue(r.user)},"metadata":{}}`
  );
}

/**
 * POST /tokenize: how many prompt tokens a chat request is, counted exactly
 * as a completion of it would be (the model's chat wrapper, the tools'
 * instructions, the generation prompt for the answer) without decoding
 * anything. The body is a chat completion's (`messages`, `tools`,
 * `tool_choice`; sampling fields are accepted and ignored), checked by the
 * same schema, so a request the completion would refuse is refused here with
 * the same 400. The answer has vLLM's /tokenize shape for chat input:
 * `{"count", "max_model_len"}`.
 */
import { chatPromptOf, toolPlanOf } from './chat-completions.js';
import { sendJson } from './http-io.js';
import { chatCompletionSchema, parseRequest } from './request-schemas.js';
import type { RouteContext } from './route-context.js';

export async function handleTokenize(context: RouteContext): Promise<void> {
  const { host, response } = context;
  const request = parseRequest(chatCompletionSchema, context.body);
  const prompt = chatPromptOf(host, request, toolPlanOf(request));
  sendJson(response, 200, { count: prompt.tokens.length, max_model_len: host.contextSize });
}

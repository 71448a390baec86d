/**
 * Anthropic's error shape, `{"type":"error","error":{"type","message"}}`, and
 * the mapping from the chat endpoint's OpenAI-shaped errors and statuses.
 */
import type { ServerResponse } from 'node:http';
import type { z } from 'zod';
import { describeIssue } from '../zod-issue.js';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

export function anthropicErrorType(status: number): AnthropicErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

export function sendAnthropicError(res: ServerResponse, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const payload = JSON.stringify({ type: 'error', error: { type: anthropicErrorType(status), message } });
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(payload));
  res.end(payload);
}

/** `messages.0.content: Field required` — the style of Anthropic's own validation messages. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'The request body is invalid.';
  const { path: at, text } = describeIssue(issue);
  const path = at.map(String).join('.');
  return path === '' ? text : `${path}: ${text}`;
}

/** The message inside an OpenAI-shaped error body, or a description of the status. */
export function openAiErrorMessage(body: Record<string, unknown>, status: number): string {
  const error = body.error as { message?: unknown } | undefined;
  return typeof error?.message === 'string' ? error.message : `The model answered with status ${status}.`;
}

/**
 * "Copy as code": the request a lane sends, as a curl command, a Python
 * script (openai SDK) and a JavaScript one (openai SDK), against the
 * endpoint the panel is connected to. Pure.
 */

export type SnippetLanguage = 'curl' | 'python' | 'javascript';

export interface SnippetInput {
  /** The OpenAI base URL, e.g. http://127.0.0.1:4663/v1. */
  readonly baseUrl: string;
  readonly body: Record<string, unknown>;
  /** Extra request headers (e.g. `x-homeport-tier`). */
  readonly headers?: Readonly<Record<string, string>>;
}

export function codeSnippet(language: SnippetLanguage, input: SnippetInput): string {
  if (language === 'curl') return curlSnippet(input);
  if (language === 'python') return pythonSnippet(input);
  return javascriptSnippet(input);
}

function curlSnippet({ baseUrl, body, headers = {} }: SnippetInput): string {
  const json = JSON.stringify(body, null, 2).replace(/'/g, `'\\''`);
  const extra = Object.entries(headers).map(([name, value]) => `  -H '${name}: ${value.replace(/'/g, `'\\''`)}' \\`);
  return [`curl ${stripSlash(baseUrl)}/chat/completions \\`, `  -H 'Content-Type: application/json' \\`, ...extra, ...(body.stream ? [`  -N \\`] : []), `  -d '${json}'`].join('\n');
}

/** Python keyword arguments from the body: JSON true/false/null become Python's. */
function pythonSnippet({ baseUrl, body, headers = {} }: SnippetInput): string {
  const entries = Object.entries(body);
  if (Object.keys(headers).length > 0) entries.push(['extra_headers', headers]);
  const args = entries.map(([key, value]) => `    ${key}=${pythonValue(value, 4)},`).join('\n');
  const lines = [
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${JSON.stringify(stripSlash(baseUrl))}, api_key="homeport")`,
    '',
    'response = client.chat.completions.create(',
    args,
    ')',
  ];
  if (body.stream) {
    lines.push('for chunk in response:', '    if chunk.choices and chunk.choices[0].delta.content:', '        print(chunk.choices[0].delta.content, end="", flush=True)', 'print()');
  } else {
    lines.push('print(response.choices[0].message.content)');
  }
  return lines.join('\n');
}

function javascriptSnippet({ baseUrl, body, headers = {} }: SnippetInput): string {
  const json = JSON.stringify(body, null, 2)
    .split('\n')
    .map((line, i) => (i === 0 ? line : `  ${line}`))
    .join('\n');
  const lines = [
    "import OpenAI from 'openai';",
    '',
    `const client = new OpenAI({ baseURL: ${JSON.stringify(stripSlash(baseUrl))}, apiKey: 'homeport' });`,
    '',
    Object.keys(headers).length > 0
      ? `const response = await client.chat.completions.create(${json}, { headers: ${JSON.stringify(headers)} });`
      : `const response = await client.chat.completions.create(${json});`,
  ];
  if (body.stream) lines.push('for await (const chunk of response) {', "  process.stdout.write(chunk.choices[0]?.delta?.content ?? '');", '}');
  else lines.push('console.log(response.choices[0].message.content);');
  return lines.join('\n');
}

function pythonValue(value: unknown, indent: number): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number' || typeof value === 'string') return JSON.stringify(value);
  const pad = ' '.repeat(indent + 4);
  const close = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => `${pad}${pythonValue(item, indent + 4)},`).join('\n')}\n${close}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${pythonValue(v, indent + 4)},`).join('\n')}\n${close}}`;
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The two lines an app changes to use Homeport, per language, for the real endpoint and a real model. */

export type SnippetLanguage = 'curl' | 'python' | 'js';

export const SNIPPET_LABELS: Record<SnippetLanguage, string> = { curl: 'curl', python: 'Python', js: 'JavaScript' };

export function snippet(language: SnippetLanguage, baseUrl: string, model: string): string {
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] });
  switch (language) {
    case 'curl':
      return `curl ${baseUrl}/chat/completions -H 'Content-Type: application/json' \\\n  -d '${body.replace(/'/g, "'\\''")}'`;
    case 'python':
      return `client = OpenAI(base_url="${baseUrl}", api_key="homeport")\nclient.chat.completions.create(model="${model}", messages=[{"role": "user", "content": "Hello"}])`;
    case 'js':
      return `const client = new OpenAI({ baseURL: "${baseUrl}", apiKey: "homeport" });\nawait client.chat.completions.create({ model: "${model}", messages: [{ role: "user", content: "Hello" }] });`;
  }
}

/** The copy-paste lines `homeport serve` prints: two lines change in any OpenAI client. */
export function clientSnippet(baseUrl: string, model: string): string {
  return `Point any OpenAI client at Homeport (the key is not checked on localhost):

  Python   from openai import OpenAI
           client = OpenAI(base_url="${baseUrl}", api_key="homeport")
           print(client.chat.completions.create(model="${model}", messages=[{"role": "user", "content": "Hello"}]).choices[0].message.content)

  JS/TS    import OpenAI from "openai";
           const client = new OpenAI({ baseURL: "${baseUrl}", apiKey: "homeport" });
           const r = await client.chat.completions.create({ model: "${model}", messages: [{ role: "user", content: "Hello" }] });

  curl     curl ${baseUrl}/chat/completions -H 'Content-Type: application/json' \\
             -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'
`;
}

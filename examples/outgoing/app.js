'use strict';
/**
 * An ordinary app with no tracing code: it asks a few LLM providers a question with their official
 * SDKs and raw fetch. Base URLs come from the environment (the demo points them at a local server
 * replaying recorded provider responses; unset, they would be the real APIs).
 */
const OpenAI = require('openai').default;
const Anthropic = require('@anthropic-ai/sdk').default;
const { BedrockRuntimeClient, ConverseCommand } = require('@aws-sdk/client-bedrock-runtime');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

const question = 'Answer in up to 3 words: Which ocean contains Bouvet Island?';
// x-replay-fixture picks the recorded exchange; a real provider ignores the header.
const replay = (fixture) => ({ 'x-replay-fixture': fixture });

async function main() {
  const openai = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY });
  const chat = await openai.chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }] },
    { headers: replay('openai/openai-chat-completions-adds-genai-conventions') },
  );
  console.log(`openai chat:          ${chat.choices[0].message.content}`);

  const stream = await openai.chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }], stream: true, stream_options: { include_usage: true } },
    { headers: replay('openai/openai-streaming-chat-completions-records-usage') },
  );
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
  console.log(`openai chat (stream): ${streamed}`);

  const responses = await openai.responses.create(
    { model: 'gpt-4o-mini', input: question },
    { headers: replay('openai/openai-responses-adds-genai-conventions') },
  );
  console.log(`openai responses:     ${responses.output_text}`);

  const anthropic = new Anthropic({ baseURL: process.env.ANTHROPIC_BASE_URL, apiKey: process.env.ANTHROPIC_API_KEY });
  const message = await anthropic.messages.create(
    { model: 'claude-3-opus-20240229', max_tokens: 4096, messages: [{ role: 'user', content: 'Tell me a joke about OpenTelemetry' }] },
    { headers: replay('anthropic/test-anthropic-instrumentation-should-set-attributes-in-span-for-messages') },
  );
  console.log(`anthropic messages:   ${message.content[0].text.split('\n')[0]}`);

  const bedrock = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: process.env.BEDROCK_ENDPOINT,
    // HTTP/1.1: the SDK's default HTTP/2 handler is not traced by OpenTelemetry's HTTP instrumentation.
    requestHandler: new NodeHttpHandler(),
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
  });
  bedrock.middlewareStack.add((next) => (args) => next({ ...args, request: Object.assign(args.request, { headers: { ...args.request.headers, ...replay('aws-bedrock/bedrock-converse-adds-genai-conventions') } }) }), { step: 'build' });
  const converse = await bedrock.send(
    new ConverseCommand({ modelId: 'amazon.titan-text-lite-v1', messages: [{ role: 'user', content: [{ text: 'Say this is a test' }] }], inferenceConfig: { maxTokens: 10, temperature: 0.8, topP: 1, stopSequences: ['|'] } }),
  );
  console.log(`bedrock converse:     ${converse.output.message.content[0].text.trim()}`);

  const together = await fetch(`${process.env.TOGETHER_BASE_URL}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.TOGETHER_API_KEY}`, ...replay('together/test-together-instrumentation-should-set-attributes-in-span-for-chat') },
    body: JSON.stringify({ model: 'meta-llama/Llama-3-8b-chat-hf', messages: [{ role: 'user', content: 'Tell me a joke about OpenTelemetry' }] }),
  }).then((r) => r.json());
  console.log(`together (raw fetch): ${together.choices[0].message.content.split('\n')[0]}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

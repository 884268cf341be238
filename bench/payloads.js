'use strict';
/**
 * Synthetic OpenAI Chat Completions payloads for the benchmark, shaped like real provider traffic:
 * a ~2.5 KB request, a ~3 KB non-streaming response, SSE chunk streams of any length, and 1 MiB+
 * bodies for the memory test. Shared by the server, the clients and the micro-benchmarks so that
 * every process sees the same bytes.
 */

const MODEL = 'gpt-4o-mini-2024-07-18';
const WORDS = 'the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing matches'.split(' ');

function prose(chars, seed = 0) {
  let out = '';
  for (let i = seed; out.length < chars; i++) out += `${WORDS[i % WORDS.length]} `;
  return out.slice(0, chars);
}

/** ~2.5 KB request body (system prompt, a short history, sampling options). */
function chatRequest({ stream = false } = {}) {
  const body = {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: `You are a helpful assistant. ${prose(900, 1)}` },
      { role: 'user', content: prose(500, 2) },
      { role: 'assistant', content: prose(400, 3) },
      { role: 'user', content: `Summarise the above. ${prose(500, 4)}` },
    ],
    temperature: 0.2,
    top_p: 0.9,
    max_tokens: 512,
    user: 'bench-user-0001',
  };
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return JSON.stringify(body);
}

/** ~3 KB `chat.completion` response. */
function chatResponse() {
  return JSON.stringify({
    id: 'chatcmpl-BENCH0000000000000000000001',
    object: 'chat.completion',
    created: 1730000000,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: prose(2600, 5), refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 612,
      completion_tokens: 540,
      total_tokens: 1152,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_bench0001',
  });
}

/** The SSE events of a streamed chat completion with `contentChunks` content deltas (+ role, finish, usage, [DONE]). */
function chatStreamChunks(contentChunks) {
  const base = { id: 'chatcmpl-BENCHSTREAM00000000000001', object: 'chat.completion.chunk', created: 1730000000, model: MODEL, system_fingerprint: 'fp_bench0001' };
  const event = (obj) => Buffer.from(`data: ${JSON.stringify(obj)}\n\n`, 'utf8');
  const chunks = [event({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], usage: null })];
  for (let i = 0; i < contentChunks; i++) {
    chunks.push(event({ ...base, choices: [{ index: 0, delta: { content: `${WORDS[i % WORDS.length]} ` }, logprobs: null, finish_reason: null }], usage: null }));
  }
  chunks.push(event({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: null }));
  chunks.push(event({ ...base, choices: [], usage: { prompt_tokens: 612, completion_tokens: contentChunks, total_tokens: 612 + contentChunks } }));
  chunks.push(Buffer.from('data: [DONE]\n\n', 'utf8'));
  return chunks;
}

/** A chat response padded to `bytes` (usage at the end, as providers do). */
function bigChatResponse(bytes) {
  const head = `{"id":"chatcmpl-big","object":"chat.completion","created":1730000000,"model":"${MODEL}","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"`;
  const tail = '"}}],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}';
  return head + 'x'.repeat(Math.max(0, bytes - head.length - tail.length)) + tail;
}

/** A chat request padded to `bytes` (one long user message). */
function bigChatRequest(bytes) {
  const head = '{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"user","content":"';
  const tail = '"}]}';
  return head + 'y'.repeat(Math.max(0, bytes - head.length - tail.length)) + tail;
}

const NON_LLM_POST = JSON.stringify({ name: 'widget', sku: 'W-0001', tags: ['a', 'b', 'c'], price: 12.5, description: prose(120, 6) });
const NON_LLM_RESPONSE = JSON.stringify({ ok: true, id: 12345, items: [{ id: 1, name: 'widget' }, { id: 2, name: 'gadget' }] });

const LLM_PATH = '/openai/v1/chat/completions';

module.exports = { chatRequest, chatResponse, chatStreamChunks, bigChatResponse, bigChatRequest, NON_LLM_POST, NON_LLM_RESPONSE, LLM_PATH, MODEL };

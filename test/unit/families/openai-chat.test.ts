import * as zlib from 'node:zlib';
import { openaiChatCompletions as family } from '../../../src/families/openai-chat';
import type { ParseContext, StreamEvent } from '../../../src/families/family';
import type { LlmResponse } from '../../../src/llm-call';
import { SseDecoder } from '../../../src/wire/sse';
import { contentType, decodedResponseBytes, loadFixtures, requestJson, wireResponseBytes, type Fixture } from '../../helpers/fixtures';

const ctx: ParseContext = { captureContent: true, maxContentChars: 1_000_000 };
const noContent: ParseContext = { captureContent: false, maxContentChars: 1_000_000 };

const fixtures = [...loadFixtures('openai'), ...loadFixtures('together')].filter((f) =>
  new URL(f.request.url).pathname.endsWith('/chat/completions'),
);
const jsonFixtures = fixtures.filter((f) => contentType(f) !== 'text/event-stream');
const sseFixtures = fixtures.filter((f) => contentType(f) === 'text/event-stream');

/**
 * Some recordings lost the gzip trailer (the JSON inside is whole) or were cut mid-body: decompress
 * leniently, and report undefined when no JSON can be read.
 */
function responseText(f: Fixture): string {
  try {
    return decodedResponseBytes(f).toString('utf8');
  } catch {
    return zlib.gunzipSync(wireResponseBytes(f), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
  }
}

function responseJson(f: Fixture): any | undefined {
  try {
    return JSON.parse(responseText(f));
  } catch {
    return undefined;
  }
}

/** Feeds SSE bytes through the runtime's decoder into a reducer, in uneven chunks. */
function runStream(bytes: Buffer, c: ParseContext, chunkSize = 37): LlmResponse {
  const reducer = family.createStreamReducer(c);
  const decoder = new SseDecoder((e) => {
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch {
      data = e.data;
    }
    const event: StreamEvent = { data };
    if (e.event) event.event = e.event;
    reducer.push(event);
  });
  for (let i = 0; i < bytes.length; i += chunkSize) decoder.push(bytes.subarray(i, i + chunkSize));
  decoder.end();
  return reducer.finish();
}

/** The JSON payloads of an SSE transcript, read with plain string code (independent of SseDecoder). */
function sseChunks(text: string): any[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d));
}

function push(reducer: ReturnType<typeof family.createStreamReducer>, ...data: unknown[]): void {
  for (const d of data) reducer.push({ data: d });
}

describe('openai.chat_completions fixtures: requests', () => {
  test.each(fixtures.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const req = requestJson(f);
    const parsed = family.parseRequest(req, ctx);
    expect(parsed.operation).toBe('chat');
    expect(parsed.model).toBe(req.model);
    expect(parsed.stream).toBe(req.stream);
    expect(parsed.maxTokens).toBe(req.max_completion_tokens ?? req.max_tokens);
    expect(parsed.temperature).toBe(req.temperature);
    expect(parsed.topP).toBe(req.top_p);
    expect(parsed.seed).toBe(req.seed);
    expect(parsed.frequencyPenalty).toBe(req.frequency_penalty);
    expect(parsed.presencePenalty).toBe(req.presence_penalty);
    expect(parsed.stopSequences).toEqual(req.stop === undefined ? undefined : [req.stop].flat());
    expect(parsed.choiceCount).toBe(req.n !== undefined && req.n !== 1 ? req.n : undefined);
    expect(parsed.outputType).toBe(req.response_format?.type === 'text' ? 'text' : req.response_format ? 'json' : undefined);
    expect(parsed.toolDefinitions).toEqual(req.tools ?? req.functions);
    expect(parsed.systemInstructions).toBeUndefined();

    const messages = parsed.inputMessages!;
    expect(messages.map((m) => m.role)).toEqual(req.messages.map((m: any) => m.role));
    req.messages.forEach((m: any, i: number) => {
      const parts = messages[i]!.parts;
      if (m.role === 'tool') {
        expect(parts).toEqual([{ type: 'tool_call_response', id: m.tool_call_id, response: m.content }]);
        return;
      }
      if (typeof m.content === 'string' && m.content.length > 0) expect(parts[0]).toEqual({ type: 'text', content: m.content });
      const calls = parts.filter((p) => p.type === 'tool_call');
      expect(calls).toEqual(
        (m.tool_calls ?? []).map((c: any) => ({ type: 'tool_call', id: c.id, name: c.function.name, arguments: JSON.parse(c.function.arguments) })),
      );
    });

    const bare = family.parseRequest(req, noContent);
    expect(bare.inputMessages).toBeUndefined();
    expect(bare.toolDefinitions).toBeUndefined();
    expect(bare.model).toBe(req.model);
  });
});

describe('openai.chat_completions fixtures: JSON responses', () => {
  test.each(jsonFixtures.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const body = responseJson(f);
    if (body === undefined) {
      // The recording kept only the start of the body: the runtime cannot parse it either, and a
      // failed parse reaches no parser. Only check that the cut text really is not JSON.
      expect(() => JSON.parse(responseText(f))).toThrow();
      return;
    }
    const parsed = family.parseResponse(body, ctx);
    expect(parsed.id).toBe(body.id);
    expect(parsed.model).toBe(body.model);
    expect(parsed.usage?.inputTokens).toBe(body.usage.prompt_tokens);
    expect(parsed.usage?.outputTokens).toBe(body.usage.completion_tokens);
    expect(parsed.usage?.cacheReadInputTokens).toBe(body.usage.prompt_tokens_details?.cached_tokens);
    expect(parsed.usage?.reasoningOutputTokens).toBe(body.usage.completion_tokens_details?.reasoning_tokens);
    expect(parsed.finishReasons).toEqual(body.choices.map((c: any) => c.finish_reason));
    expect(parsed.outputMessages).toHaveLength(body.choices.length);
    body.choices.forEach((c: any, i: number) => {
      const out = parsed.outputMessages![i]!;
      expect(out.role).toBe(c.message.role);
      const text = out.parts.filter((p) => p.type === 'text').map((p) => (p as { content: string }).content).join('');
      expect(text).toBe(c.message.content ?? '');
      const calls = out.parts.filter((p) => p.type === 'tool_call');
      const expectedCalls = [
        ...(c.message.tool_calls ?? []).map((t: any) => ({ type: 'tool_call', id: t.id, name: t.function.name, arguments: JSON.parse(t.function.arguments) })),
        ...(c.message.function_call ? [{ type: 'tool_call', name: c.message.function_call.name, arguments: JSON.parse(c.message.function_call.arguments) }] : []),
      ];
      expect(calls).toEqual(expectedCalls);
      const expectedReason = { stop: 'stop', eos: 'stop', length: 'length', tool_calls: 'tool_call', function_call: 'tool_call' }[c.finish_reason as string];
      expect(out.finish_reason).toBe(expectedReason);
    });

    const bare = family.parseResponse(body, noContent);
    expect(bare.outputMessages).toBeUndefined();
    expect(bare.usage).toEqual(parsed.usage);
    expect(bare.finishReasons).toEqual(parsed.finishReasons);
  });
});

describe('openai.chat_completions fixtures: streams', () => {
  test.each(sseFixtures.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const bytes = decodedResponseBytes(f);
    const chunks = sseChunks(bytes.toString('utf8'));
    // Expected values, assembled by the test from the raw chunks.
    const text = new Map<number, string>();
    const finish = new Map<number, string>();
    const tools = new Map<number, Map<number, { id?: string; name?: string; args: string }>>();
    let usage: any;
    for (const chunk of chunks) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices ?? []) {
        if (typeof c.delta?.content === 'string') text.set(c.index, (text.get(c.index) ?? '') + c.delta.content);
        if (c.finish_reason) finish.set(c.index, c.finish_reason);
        for (const t of c.delta?.tool_calls ?? []) {
          const calls = tools.get(c.index) ?? new Map();
          tools.set(c.index, calls);
          const entry = calls.get(t.index) ?? { args: '' };
          calls.set(t.index, entry);
          if (t.id) entry.id = t.id;
          if (t.function?.name) entry.name = t.function.name;
          entry.args += t.function?.arguments ?? '';
        }
      }
    }
    const indexes = [...new Set([...text.keys(), ...finish.keys(), ...tools.keys()])].sort((a, b) => a - b);

    const parsed = runStream(bytes, ctx);
    expect(parsed.id).toBe(chunks[0].id);
    expect(parsed.model).toBe(chunks[0].model);
    expect(parsed.error).toBeUndefined();
    expect(parsed.contentTruncated).toBeUndefined();
    expect(parsed.usage?.inputTokens).toBe(usage?.prompt_tokens);
    expect(parsed.usage?.outputTokens).toBe(usage?.completion_tokens);
    expect(parsed.usage?.cacheReadInputTokens).toBe(usage?.prompt_tokens_details?.cached_tokens);
    expect(parsed.finishReasons).toEqual(indexes.map((i) => finish.get(i)));
    expect(parsed.outputMessages).toHaveLength(indexes.length);
    indexes.forEach((index, i) => {
      const out = parsed.outputMessages![i]!;
      expect(out.parts.filter((p) => p.type === 'text').map((p) => (p as { content: string }).content).join('')).toBe(text.get(index) ?? '');
      const expectedCalls = [...(tools.get(index) ?? new Map()).entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([, t]) => ({ type: 'tool_call', id: t.id, name: t.name, arguments: JSON.parse(t.args) }));
      expect(out.parts.filter((p) => p.type === 'tool_call')).toEqual(expectedCalls);
    });

    // The same stream in one piece, and without content capture.
    expect(runStream(bytes, ctx, bytes.length)).toEqual(parsed);
    const bare = runStream(bytes, noContent);
    expect(bare.outputMessages).toBeUndefined();
    expect(bare.usage).toEqual(parsed.usage);
    expect(bare.finishReasons).toEqual(parsed.finishReasons);

    // Cut in the middle: what was seen so far, without inventing a finish reason.
    const cut = runStream(bytes.subarray(0, Math.floor(bytes.length / 2)), ctx);
    expect(cut.id).toBe(chunks[0].id);
    expect(cut.outputMessages?.length ?? 0).toBeGreaterThan(0);

    // A small budget truncates the reassembled text and says so.
    const total = [...text.values()].join('').length + [...tools.values()].flatMap((m) => [...m.values()]).reduce((n, t) => n + t.args.length, 0);
    const small = runStream(bytes, { captureContent: true, maxContentChars: Math.floor(total / 2) });
    expect(small.contentTruncated).toBe(true);
    expect(small.usage).toEqual(parsed.usage);
  });
});

describe('openai.chat_completions: documented shapes', () => {
  test('request parameters: max_completion_tokens, json_schema, safety_identifier, top_k, n=1', () => {
    const r = family.parseRequest(
      {
        model: 'o3-mini',
        messages: [],
        max_tokens: 10,
        max_completion_tokens: 500,
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } },
        user: 'old-user',
        safety_identifier: 'hashed-user',
        top_k: 40,
        n: 1,
        stop: ['a', 'b', 3],
      },
      ctx,
    );
    expect(r.maxTokens).toBe(500);
    expect(r.outputType).toBe('json');
    expect(r.userId).toBe('hashed-user');
    expect(r.topK).toBe(40);
    expect(r.choiceCount).toBeUndefined();
    expect(r.stopSequences).toEqual(['a', 'b']);
    expect(family.parseRequest({ response_format: { type: 'json_object' } }, ctx).outputType).toBe('json');
    expect(family.parseRequest({ modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }, ctx).outputType).toBe('speech');
    expect(family.parseRequest({ user: 'u1' }, ctx).userId).toBe('u1');
  });

  test('Azure: the deployment in the URL names the model; the URL can say it streams', () => {
    const r = family.parseRequest({ messages: [{ role: 'user', content: 'hi' }] }, { ...ctx, pathModel: 'my-gpt4o', pathStream: true });
    expect(r.model).toBe('my-gpt4o');
    expect(r.stream).toBe(true);
    expect(family.parseRequest({ model: 'gpt-4o' }, { ...ctx, pathModel: 'dep' }).model).toBe('gpt-4o');
  });

  test('input content parts: images, audio, files, developer role, refusal, legacy function calls', () => {
    const r = family.parseRequest(
      {
        model: 'gpt-4o',
        messages: [
          { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
          {
            role: 'user',
            name: 'alice',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
              { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
              { type: 'file', file: { file_id: 'file-abc', filename: 'report.pdf' } },
              { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
              { type: 'mystery', size: 3, blob: { nested: true } },
            ],
          },
          { role: 'assistant', content: null, refusal: "I can't help with that." },
          { role: 'assistant', content: null, function_call: { name: 'lookup', arguments: '{"q":"x"}' } },
          { role: 'function', name: 'lookup', content: 'result text' },
          { role: 'assistant', content: [{ type: 'text', text: 'ok' }], tool_calls: [{ id: 'c1', type: 'custom', custom: { name: 'exec', input: 'print(1)' } }] },
          { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'out: ' }, { type: 'text', text: '1' }] },
        ],
      },
      ctx,
    );
    const m = r.inputMessages!;
    expect(m[0]).toEqual({ role: 'developer', parts: [{ type: 'text', content: 'Be brief.' }] });
    expect(m[1]!.name).toBe('alice');
    expect(m[1]!.parts).toEqual([
      { type: 'text', content: 'What is this?' },
      { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' },
      { type: 'uri', modality: 'image', uri: 'https://example.com/cat.jpg' },
      { type: 'blob', modality: 'audio', mime_type: 'audio/wav', content: 'UklGRg==' },
      { type: 'file', modality: 'document', mime_type: 'application/pdf', file_id: 'file-abc' },
      { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBERi0=' },
      { type: 'mystery', size: 3 },
    ]);
    expect(m[2]!.parts).toEqual([{ type: 'refusal', content: "I can't help with that." }]);
    expect(m[3]!.parts).toEqual([{ type: 'tool_call', name: 'lookup', arguments: { q: 'x' } }]);
    expect(m[4]).toEqual({ role: 'function', name: 'lookup', parts: [{ type: 'tool_call_response', response: 'result text' }] });
    expect(m[5]!.parts).toEqual([{ type: 'text', content: 'ok' }, { type: 'tool_call', id: 'c1', name: 'exec', arguments: 'print(1)' }]);
    expect(m[6]!.parts).toEqual([{ type: 'tool_call_response', id: 'c1', response: 'out: 1' }]);
  });

  test('response with cached and reasoning tokens (OpenAI prompt-caching / reasoning docs)', () => {
    const r = family.parseResponse(
      {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        model: 'o1-2024-12-17',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: 2006,
          completion_tokens: 300,
          total_tokens: 2306,
          prompt_tokens_details: { cached_tokens: 1920 },
          completion_tokens_details: { reasoning_tokens: 128, accepted_prediction_tokens: 0 },
        },
      },
      ctx,
    );
    expect(r.usage).toEqual({ inputTokens: 2006, outputTokens: 300, cacheReadInputTokens: 1920, reasoningOutputTokens: 128 });
  });

  test('usage: DeepSeek cache hits, xAI reasoning outside completion_tokens, nothing invented', () => {
    const deepseek = family.parseResponse(
      { usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 36 } },
      ctx,
    );
    expect(deepseek.usage).toEqual({ inputTokens: 100, outputTokens: 20, cacheReadInputTokens: 64 });
    const xai = family.parseResponse(
      { usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 315, completion_tokens_details: { reasoning_tokens: 300 } } },
      ctx,
    );
    expect(xai.usage).toEqual({ inputTokens: 10, outputTokens: 305, reasoningOutputTokens: 300 });
    const plain = family.parseResponse({ usage: { prompt_tokens: 7 } }, ctx);
    expect(plain.usage).toEqual({ inputTokens: 7 });
    expect(family.parseResponse({ usage: {} }, ctx).usage).toBeUndefined();
  });

  test('response: DeepSeek reasoning_content, refusal, audio (data never copied), content_filter, Mistral content array', () => {
    const r = family.parseResponse(
      {
        id: 'x',
        model: 'deepseek-reasoner',
        choices: [
          { index: 1, message: { role: 'assistant', content: null, refusal: 'No.' }, finish_reason: 'content_filter' },
          { index: 0, message: { role: 'assistant', content: 'Answer', reasoning_content: 'Thinking...' }, finish_reason: 'stop' },
          { index: 2, message: { role: 'assistant', content: null, audio: { id: 'audio_1', data: 'AAAA'.repeat(1000), transcript: 'Hello', expires_at: 1 } }, finish_reason: 'stop' },
          { index: 3, message: { role: 'assistant', content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] }, { type: 'text', text: 'Paris' }] }, finish_reason: 'length' },
        ],
      },
      ctx,
    );
    expect(r.finishReasons).toEqual(['stop', 'content_filter', 'stop', 'length']);
    expect(r.outputMessages![0]).toEqual({ role: 'assistant', parts: [{ type: 'reasoning', content: 'Thinking...' }, { type: 'text', content: 'Answer' }], finish_reason: 'stop' });
    expect(r.outputMessages![1]).toEqual({ role: 'assistant', parts: [{ type: 'refusal', content: 'No.' }], finish_reason: 'content_filter' });
    expect(r.outputMessages![2]!.parts).toEqual([{ type: 'audio', id: 'audio_1', transcript: 'Hello' }]);
    expect(JSON.stringify(r)).not.toContain('AAAA');
    expect(r.outputMessages![3]).toEqual({ role: 'assistant', parts: [{ type: 'reasoning', content: 'hmm' }, { type: 'text', content: 'Paris' }], finish_reason: 'length' });
  });

  test('Groq stream: usage under x_groq; OpenRouter/Groq `reasoning` deltas', () => {
    const reducer = family.createStreamReducer(ctx);
    push(
      reducer,
      { id: 'chatcmpl-g', object: 'chat.completion.chunk', model: 'llama-3.1-8b-instant', choices: [{ index: 0, delta: { role: 'assistant', reasoning: 'Let me think. ' } }] },
      { id: 'chatcmpl-g', object: 'chat.completion.chunk', model: 'llama-3.1-8b-instant', choices: [{ index: 0, delta: { content: 'Hello' } }] },
      {
        id: 'chatcmpl-g',
        object: 'chat.completion.chunk',
        model: 'llama-3.1-8b-instant',
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
        x_groq: { id: 'req_1', usage: { queue_time: 0.01, prompt_tokens: 18, prompt_time: 0.001, completion_tokens: 10, completion_time: 0.02, total_tokens: 28 } },
      },
      '[DONE]',
    );
    const r = reducer.finish();
    expect(r.usage).toEqual({ inputTokens: 18, outputTokens: 10 });
    expect(r.outputMessages![0]!.parts).toEqual([{ type: 'reasoning', content: 'Let me think. ' }, { type: 'text', content: 'Hello' }]);
  });

  test('DeepSeek stream: reasoning_content then content, cache-hit usage', () => {
    const reducer = family.createStreamReducer(ctx);
    push(
      reducer,
      { id: 'd1', model: 'deepseek-reasoner', choices: [{ index: 0, delta: { role: 'assistant', content: null, reasoning_content: 'Okay' } }] },
      { id: 'd1', model: 'deepseek-reasoner', choices: [{ index: 0, delta: { content: null, reasoning_content: ', so' } }] },
      { id: 'd1', model: 'deepseek-reasoner', choices: [{ index: 0, delta: { content: '42', reasoning_content: null } }] },
      { id: 'd1', model: 'deepseek-reasoner', choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop' }], usage: { prompt_tokens: 13, completion_tokens: 50, total_tokens: 63, prompt_cache_hit_tokens: 0, completion_tokens_details: { reasoning_tokens: 45 } } },
    );
    const r = reducer.finish();
    expect(r.outputMessages![0]!.parts).toEqual([{ type: 'reasoning', content: 'Okay, so' }, { type: 'text', content: '42' }]);
    expect(r.usage).toEqual({ inputTokens: 13, outputTokens: 50, cacheReadInputTokens: 0, reasoningOutputTokens: 45 });
  });

  test('stream errors: a data-line error object, OpenRouter mid-stream error with finish_reason "error"', () => {
    const a = family.createStreamReducer(ctx);
    push(a, { id: 'c', choices: [{ index: 0, delta: { content: 'par' } }] }, { error: { message: 'The server had an error', type: 'server_error', code: null } });
    const ra = a.finish();
    expect(ra.error).toEqual({ type: 'server_error', message: 'The server had an error' });
    expect(ra.outputMessages![0]).toEqual({ role: 'assistant', parts: [{ type: 'text', content: 'par' }], finish_reason: 'error' });

    const b = family.createStreamReducer(ctx);
    push(b, {
      id: 'cmpl-abc',
      object: 'chat.completion.chunk',
      model: 'openai/gpt-4o',
      provider: 'openai',
      error: { code: 'server_error', message: 'Provider disconnected unexpectedly' },
      choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
    });
    const rb = b.finish();
    expect(rb.error).toEqual({ type: 'server_error', message: 'Provider disconnected unexpectedly' });
    expect(rb.finishReasons).toEqual(['error']);
  });

  test('stream: legacy function_call deltas, tool calls without index, refusal deltas', () => {
    const reducer = family.createStreamReducer(ctx);
    push(
      reducer,
      { choices: [{ index: 0, delta: { role: 'assistant', function_call: { name: 'get_weather', arguments: '' } } }] },
      { choices: [{ index: 0, delta: { function_call: { arguments: '{"city":' } } }] },
      { choices: [{ index: 0, delta: { function_call: { arguments: '"Oslo"}' } }, finish_reason: 'function_call' }] },
      { choices: [{ index: 1, delta: { tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] } }] },
      { choices: [{ index: 1, delta: { tool_calls: [{ id: 'b', type: 'function', function: { name: 'g', arguments: '{"x":1}' } }] }, finish_reason: 'tool_calls' }] },
      { choices: [{ index: 2, delta: { refusal: "I'm sorry" } }] },
      { choices: [{ index: 2, delta: { refusal: ', no.' }, finish_reason: 'stop' }] },
    );
    const r = reducer.finish();
    expect(r.finishReasons).toEqual(['function_call', 'tool_calls', 'stop']);
    expect(r.outputMessages![0]).toEqual({ role: 'assistant', parts: [{ type: 'tool_call', name: 'get_weather', arguments: { city: 'Oslo' } }], finish_reason: 'tool_call' });
    expect(r.outputMessages![1]!.parts).toEqual([
      { type: 'tool_call', id: 'a', name: 'f', arguments: {} },
      { type: 'tool_call', id: 'b', name: 'g', arguments: { x: 1 } },
    ]);
    expect(r.outputMessages![2]!.parts).toEqual([{ type: 'refusal', content: "I'm sorry, no." }]);
  });

  test('stream: truncated arguments stay a raw string; budget truncation is flagged', () => {
    const reducer = family.createStreamReducer({ captureContent: true, maxContentChars: 12 });
    push(
      reducer,
      { choices: [{ index: 0, delta: { content: 'Hello ' } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 't', function: { name: 'f', arguments: '{"key": "value"}' } }] } }] },
    );
    const r = reducer.finish();
    expect(r.contentTruncated).toBe(true);
    expect(r.outputMessages![0]!.parts).toEqual([
      { type: 'text', content: 'Hello ' },
      { type: 'tool_call', id: 't', name: 'f', arguments: '{"key"' },
    ]);
    expect(r.outputMessages![0]!.finish_reason).toBe('unknown');
  });
});

describe('openai.chat_completions: error bodies', () => {
  test.each([
    ['OpenAI rate limit', { error: { message: 'Rate limit reached for gpt-4o', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { type: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-4o' }],
    ['OpenAI invalid request (code null)', { error: { message: "Invalid value for 'model'", type: 'invalid_request_error', param: 'model', code: null } }, { type: 'invalid_request_error', message: "Invalid value for 'model'" }],
    ['Azure 429', { error: { code: '429', message: 'Requests to the ChatCompletions_Create Operation have exceeded call rate limit.' } }, { type: '429', message: 'Requests to the ChatCompletions_Create Operation have exceeded call rate limit.' }],
    ['Azure content filter', { error: { message: 'The response was filtered', type: null, param: 'prompt', code: 'content_filter', status: 400, innererror: { code: 'ResponsibleAIPolicyViolation' } } }, { type: 'content_filter', message: 'The response was filtered' }],
    ['OpenRouter numeric code', { error: { code: 429, message: 'Rate limit exceeded', metadata: { provider_name: 'x' } } }, { type: '429', message: 'Rate limit exceeded' }],
    ['Groq', { error: { message: 'The model `x` does not exist', type: 'invalid_request_error', code: 'model_not_found' } }, { type: 'model_not_found', message: 'The model `x` does not exist' }],
    ['Gemini OpenAI endpoint (array)', [{ error: { code: 400, message: 'API key not valid', status: 'INVALID_ARGUMENT' } }], { type: 'INVALID_ARGUMENT', message: 'API key not valid' }],
    ['Mistral top level', { object: 'error', message: 'Unauthorized', type: 'authentication_error', param: null, code: null }, { type: 'authentication_error', message: 'Unauthorized' }],
    ['message only', { message: 'Forbidden' }, { type: '_OTHER', message: 'Forbidden' }],
    ['Ollama string error', { error: "model 'llama9' not found" }, { type: '_OTHER', message: "model 'llama9' not found" }],
  ])('%s', (_name, body, expected) => {
    expect(family.parseError(body)).toEqual(expected);
  });

  test.each([null, 42, 'x', [], {}, { error: null }, { error: {} }, { choices: 'no' }])('nothing useful in %p', (body) => {
    expect(family.parseError(body)).toBeUndefined();
  });
});

describe('openai.chat_completions: robustness', () => {
  const garbage: unknown[] = [null, undefined, 42, 'x', [], {}, { choices: 'no' }, { choices: [null, 3, { message: 'x', finish_reason: 5 }] }, { messages: 'no', tools: {} }, { messages: [null, 1, { role: 3, content: { a: 1 } }] }];

  test.each(garbage.map((g) => [JSON.stringify(g) ?? 'undefined', g] as const))('parse functions do not throw on %s', (_n, g) => {
    expect(() => family.parseRequest(g, ctx)).not.toThrow();
    expect(() => family.parseResponse(g, ctx)).not.toThrow();
    expect(() => family.parseError(g)).not.toThrow();
    const reducer = family.createStreamReducer(ctx);
    expect(() => reducer.push({ data: g })).not.toThrow();
    expect(() => reducer.finish()).not.toThrow();
  });

  test('garbage in, nothing invented', () => {
    expect(family.parseRequest(42, ctx)).toEqual({ operation: 'chat' });
    expect(family.parseResponse('x', ctx)).toEqual({});
    expect(family.parseResponse({ choices: 'no' }, ctx)).toEqual({});
  });

  test('unknown events and odd chunks are skipped', () => {
    const reducer = family.createStreamReducer(ctx);
    reducer.push({ event: 'ping', data: {} });
    reducer.push({ data: 'not json' });
    reducer.push({ data: { choices: [{ index: 'zero', delta: 'no' }] } });
    reducer.push({ data: { choices: [{ index: -1, delta: { content: 'x' } }] } });
    reducer.push({ data: { choices: [{ index: 0, delta: { content: 5, tool_calls: 'no' } }] } });
    reducer.push({ data: { choices: [{ index: 0, delta: { tool_calls: [null, { index: 0, function: { arguments: 7 } }] } }] } });
    const r = reducer.finish();
    expect(r.finishReasons).toBeUndefined();
    expect(r.error).toBeUndefined();
  });

  test('an untrusted stream cannot allocate unbounded choices', () => {
    const reducer = family.createStreamReducer(ctx);
    for (let i = 0; i < 10_000; i++) reducer.push({ data: { choices: [{ index: i, delta: { content: 'a' }, finish_reason: 'stop' }] } });
    const r = reducer.finish();
    expect(r.outputMessages!.length).toBeLessThanOrEqual(128);
  });

  test('captureContent=false builds no messages, still usage and finish reasons', () => {
    const reducer = family.createStreamReducer(noContent);
    push(reducer, { id: 'a', model: 'm', choices: [{ index: 0, delta: { content: 'hello' }, finish_reason: 'stop' }] }, { choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } });
    expect(reducer.finish()).toEqual({ id: 'a', model: 'm', finishReasons: ['stop'], usage: { inputTokens: 1, outputTokens: 2 } });
  });
});

describe('stream fast path (pushRaw) gives exactly what push gives', () => {
  const sseFixtures = loadFixtures()
    .filter((f) => new URL(f.request.url).pathname.endsWith('/chat/completions'))
    .filter((f) => (f.response.headers['content-type'] ?? '').startsWith('text/event-stream'));

  function events(text: string): Array<{ event?: string; data: string }> {
    const out: Array<{ event?: string; data: string }> = [];
    const decoder = new SseDecoder((e) => out.push(e));
    decoder.push(text);
    decoder.end();
    return out;
  }

  function parsed(data: string): unknown {
    try {
      return JSON.parse(data);
    } catch {
      return data;
    }
  }

  test.each(sseFixtures.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    for (const captureContent of [true, false]) {
      const ctx = { captureContent, maxContentChars: 1_000_000 };
      const slow = family.createStreamReducer(ctx);
      const fast = family.createStreamReducer(ctx);
      let fastHits = 0;
      for (const e of events(f.response.body ?? '')) {
        slow.push({ event: e.event, data: parsed(e.data) });
        if (fast.pushRaw?.(e.data, e.event)) fastHits++;
        else fast.push({ event: e.event, data: parsed(e.data) });
      }
      expect(fast.finish()).toEqual(slow.finish());
      // The fast path is taken for plain content deltas, when the recording has them in OpenAI's shape.
      if (/"delta":\{"content":"[^"]*"\},"logprobs":null,"finish_reason":null/.test(f.response.body ?? '')) expect(fastHits).toBeGreaterThan(0);
    }
  });

  test('escapes, unicode and a hostile escape', () => {
    const ctx = { captureContent: true, maxContentChars: 1000 };
    const head = '{"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}';
    const delta = (content: string) => `{"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":${content}},"logprobs":null,"finish_reason":null}],"usage":null}`;
    const lines = [head, delta(JSON.stringify('line\n"quoted" \\ é 🚀')), delta('"bad \\x escape"'), delta(JSON.stringify(' end'))];
    const slow = family.createStreamReducer(ctx);
    const fast = family.createStreamReducer(ctx);
    for (const data of lines) {
      slow.push({ data: parsed(data) });
      if (!fast.pushRaw?.(data, undefined)) fast.push({ data: parsed(data) });
    }
    const result = fast.finish();
    expect(result).toEqual(slow.finish());
    expect(result.outputMessages?.[0]?.parts[0]).toEqual({ type: 'text', content: 'line\n"quoted" \\ é 🚀 end' });
  });
});

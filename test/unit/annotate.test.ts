import { callAttributes, cappedJson, spanNameFor, type AnnotateOptions } from '../../src/annotate';
import type { LlmCall } from '../../src/llm-call';

const OPTS: AnnotateOptions = { captureContent: true, maxContentChars: 100_000, semconvLatestExperimental: false };

/** A call with every field set, so every attribute is emitted. */
function fullCall(): LlmCall {
  return {
    family: 'openai.chat_completions',
    provider: 'openai',
    request: {
      operation: 'chat',
      model: 'gpt-4o',
      stream: true,
      maxTokens: 256,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stopSequences: ['\n\n', 'END'],
      seed: 42,
      frequencyPenalty: 0.1,
      presencePenalty: -0.5,
      choiceCount: 2,
      outputType: 'json',
      inputMessages: [{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }],
      systemInstructions: [{ type: 'text', content: 'Be brief.' }],
      toolDefinitions: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      userId: 'user-123',
      conversationId: 'conv-9',
    },
    response: {
      id: 'chatcmpl-1',
      model: 'gpt-4o-2024-08-06',
      finishReasons: ['stop', 'length'],
      outputMessages: [
        { role: 'assistant', parts: [{ type: 'text', content: 'Hello' }], finish_reason: 'stop' },
        { role: 'assistant', parts: [{ type: 'text', content: 'Hey' }], finish_reason: 'length' },
      ],
      usage: { inputTokens: 100, outputTokens: 20, cacheReadInputTokens: 30, cacheCreationInputTokens: 10, reasoningOutputTokens: 5 },
      error: { type: 'rate_limit_exceeded', message: 'slow down' },
    },
    serverAddress: 'api.openai.com',
    serverPort: 443,
    httpStatus: 200,
    timeToFirstChunk: 0.25,
    partial: true,
  };
}

function minimalCall(): LlmCall {
  return { family: 'anthropic.messages', provider: 'anthropic', request: { operation: 'chat' }, response: {}, partial: false };
}

const CONTENT_KEYS = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.tool.definitions'];

describe('callAttributes: attribute names pinned to semconv v1.41 (span.gen_ai.inference.client)', () => {
  test('every fact maps to its spec attribute name', () => {
    const call = fullCall();
    const attrs = callAttributes(call, OPTS);
    expect(attrs).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.max_tokens': 256,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.top_k': 40,
      'gen_ai.request.stop_sequences': ['\n\n', 'END'],
      'gen_ai.request.seed': 42,
      'gen_ai.request.frequency_penalty': 0.1,
      'gen_ai.request.presence_penalty': -0.5,
      'gen_ai.request.choice.count': 2,
      'gen_ai.request.stream': true,
      'gen_ai.output.type': 'json',
      'gen_ai.conversation.id': 'conv-9',
      'user.id': 'user-123',
      'openai.api.type': 'chat_completions',
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.finish_reasons': ['stop', 'length'],
      'gen_ai.response.time_to_first_chunk': 0.25,
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.usage.cache_read.input_tokens': 30,
      'gen_ai.usage.cache_creation.input_tokens': 10,
      'gen_ai.usage.reasoning.output_tokens': 5,
      'server.address': 'api.openai.com',
      'server.port': 443,
      'error.type': 'rate_limit_exceeded',
      'otel_genai.capture.partial': true,
      'gen_ai.system_instructions': JSON.stringify(call.request.systemInstructions),
      'gen_ai.input.messages': JSON.stringify(call.request.inputMessages),
      'gen_ai.tool.definitions': JSON.stringify(call.request.toolDefinitions),
      'gen_ai.output.messages': JSON.stringify(call.response.outputMessages),
    });
  });

  test('no deprecated names are emitted', () => {
    const keys = Object.keys(callAttributes(fullCall(), OPTS));
    for (const old of ['gen_ai.system', 'gen_ai.usage.prompt_tokens', 'gen_ai.usage.completion_tokens', 'gen_ai.prompt', 'gen_ai.completion', 'gen_ai.openai.request.seed']) {
      expect(keys).not.toContain(old);
    }
    expect(keys.filter((k) => k.startsWith('gen_ai.openai.'))).toEqual([]);
  });

  test('content attributes are JSON strings that parse back to the semconv message shapes', () => {
    const attrs = callAttributes(fullCall(), OPTS);
    for (const key of CONTENT_KEYS) expect(typeof attrs[key]).toBe('string');
    const out = JSON.parse(attrs['gen_ai.output.messages'] as string);
    expect(out).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello' }], finish_reason: 'stop' },
      { role: 'assistant', parts: [{ type: 'text', content: 'Hey' }], finish_reason: 'length' },
    ]);
    expect(JSON.parse(attrs['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'Be brief.' }]);
  });

  test('a minimal call has only the required attributes', () => {
    expect(callAttributes(minimalCall(), OPTS)).toEqual({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic' });
  });

  test('openai.api.type follows the family', () => {
    const responses = { ...minimalCall(), family: 'openai.responses' as const };
    expect(callAttributes(responses, OPTS)['openai.api.type']).toBe('responses');
    for (const family of ['openai.embeddings', 'openai.completions', 'anthropic.messages'] as const) {
      expect(callAttributes({ ...minimalCall(), family }, OPTS)['openai.api.type']).toBeUndefined();
    }
  });

  test('zero values are kept (0 is a value, not absence)', () => {
    const call = minimalCall();
    call.request.temperature = 0;
    call.request.seed = 0;
    call.response.usage = { inputTokens: 0, outputTokens: 0 };
    const attrs = callAttributes(call, OPTS);
    expect(attrs['gen_ai.request.temperature']).toBe(0);
    expect(attrs['gen_ai.request.seed']).toBe(0);
    expect(attrs['gen_ai.usage.input_tokens']).toBe(0);
    expect(attrs['gen_ai.usage.output_tokens']).toBe(0);
  });
});

describe('callAttributes: options', () => {
  test('gen_ai_latest_experimental renames cache_creation to cache_write and nothing else', () => {
    const v141 = callAttributes(fullCall(), OPTS);
    const latest = callAttributes(fullCall(), { ...OPTS, semconvLatestExperimental: true });
    expect(latest['gen_ai.usage.cache_write.input_tokens']).toBe(10);
    expect(latest['gen_ai.usage.cache_creation.input_tokens']).toBeUndefined();
    const { 'gen_ai.usage.cache_creation.input_tokens': creation, ...restOld } = v141;
    const { 'gen_ai.usage.cache_write.input_tokens': write, ...restNew } = latest;
    expect(creation).toBe(write);
    expect(restNew).toEqual(restOld);
  });

  test('omitUsage drops every gen_ai.usage.* attribute and keeps the rest', () => {
    for (const latest of [false, true]) {
      const attrs = callAttributes(fullCall(), { ...OPTS, semconvLatestExperimental: latest, omitUsage: true });
      expect(Object.keys(attrs).filter((k) => k.startsWith('gen_ai.usage.'))).toEqual([]);
      expect(attrs['gen_ai.response.id']).toBe('chatcmpl-1');
      expect(attrs['gen_ai.request.model']).toBe('gpt-4o');
      expect(attrs['otel_genai.described_by_ancestor']).toBe(true);
    }
    // omitUsage false behaves like absent.
    expect(callAttributes(fullCall(), { ...OPTS, omitUsage: false })['gen_ai.usage.input_tokens']).toBe(100);
    expect(callAttributes(fullCall(), { ...OPTS, omitUsage: false })).not.toHaveProperty('otel_genai.described_by_ancestor');
  });

  test('captureContent false drops all four content attributes', () => {
    const attrs = callAttributes(fullCall(), { ...OPTS, captureContent: false });
    for (const key of CONTENT_KEYS) expect(attrs).not.toHaveProperty(key);
    // Everything else is still there.
    expect(attrs['gen_ai.usage.output_tokens']).toBe(20);
    expect(attrs['gen_ai.response.finish_reasons']).toEqual(['stop', 'length']);
  });

  test('empty content lists produce no attribute', () => {
    const call = minimalCall();
    call.request.inputMessages = [];
    call.request.systemInstructions = [];
    call.request.toolDefinitions = [];
    call.response.outputMessages = [];
    const attrs = callAttributes(call, OPTS);
    for (const key of CONTENT_KEYS) expect(attrs).not.toHaveProperty(key);
  });

  test('gen_ai.request.stream only when the request streams', () => {
    const call = minimalCall();
    expect(callAttributes(call, OPTS)).not.toHaveProperty('gen_ai.request.stream');
    call.request.stream = false;
    expect(callAttributes(call, OPTS)).not.toHaveProperty('gen_ai.request.stream');
    call.request.stream = true;
    expect(callAttributes(call, OPTS)['gen_ai.request.stream']).toBe(true);
  });

  test('finish_reasons is a string array; empty arrays are left off', () => {
    const call = minimalCall();
    call.response.finishReasons = ['tool_call'];
    expect(callAttributes(call, OPTS)['gen_ai.response.finish_reasons']).toEqual(['tool_call']);
    call.response.finishReasons = [];
    expect(callAttributes(call, OPTS)).not.toHaveProperty('gen_ai.response.finish_reasons');
  });

  test('partial marker only for partial calls', () => {
    expect(callAttributes(minimalCall(), OPTS)).not.toHaveProperty('otel_genai.capture.partial');
    expect(callAttributes({ ...minimalCall(), partial: true }, OPTS)['otel_genai.capture.partial']).toBe(true);
  });

  test('content attributes respect maxContentChars', () => {
    const call = minimalCall();
    call.request.inputMessages = [{ role: 'user', parts: [{ type: 'text', content: 'z'.repeat(50_000) }] }];
    const value = callAttributes(call, { ...OPTS, maxContentChars: 1000 })['gen_ai.input.messages'] as string;
    expect(value.length).toBeLessThanOrEqual(1000);
    expect(JSON.parse(value)[0].role).toBe('user');
  });
});

describe('spanNameFor', () => {
  test('{operation} {request model}', () => {
    expect(spanNameFor(fullCall())).toBe('chat gpt-4o');
  });

  test('falls back to the response model, then to the operation alone', () => {
    const call = minimalCall();
    call.request.operation = 'embeddings';
    expect(spanNameFor(call)).toBe('embeddings');
    call.response.model = 'text-embedding-3-small';
    expect(spanNameFor(call)).toBe('embeddings text-embedding-3-small');
    call.request.model = 'text-embedding-3-large';
    expect(spanNameFor(call)).toBe('embeddings text-embedding-3-large');
  });
});

describe('cappedJson', () => {
  const MARKER = '…[truncated]';
  const messages = [
    { role: 'system', parts: [{ type: 'text', content: 'short' }] },
    { role: 'user', parts: [{ type: 'text', content: 'A'.repeat(10_000) }, { type: 'blob', modality: 'image', content: 'B'.repeat(20_000) }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'lookup', arguments: { q: 'C'.repeat(5_000), n: 3, ok: true, none: null } }] },
  ];

  test('fits: the exact JSON text', () => {
    const small = [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }];
    expect(cappedJson(small, 1000)).toBe(JSON.stringify(small));
    expect(cappedJson(small, JSON.stringify(small).length)).toBe(JSON.stringify(small));
  });

  test.each([4000, 1000, 400])('over the cap (%i): valid JSON, under the cap, same structure, visible marker', (cap) => {
    const text = cappedJson(messages, cap)!;
    expect(text).toBeDefined();
    expect(text.length).toBeLessThanOrEqual(cap);
    const parsed = JSON.parse(text);
    // Structure intact: same array lengths, keys, roles, types, numbers, booleans, nulls.
    expect(parsed).toHaveLength(3);
    expect(parsed.map((m: any) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(parsed.map((m: any) => m.parts.length)).toEqual([1, 2, 1]);
    expect(parsed[1].parts[1].type).toBe('blob');
    expect(parsed[1].parts[1].modality).toBe('image');
    expect(Object.keys(parsed[2].parts[0].arguments)).toEqual(['q', 'n', 'ok', 'none']);
    expect(parsed[2].parts[0].arguments.n).toBe(3);
    expect(parsed[2].parts[0].arguments.ok).toBe(true);
    expect(parsed[2].parts[0].arguments.none).toBeNull();
    expect(parsed[2].parts[0].name).toBe('lookup');
    // Long strings are shortened prefixes with the marker; short ones are untouched.
    expect(parsed[0].parts[0].content).toBe('short');
    const long = parsed[1].parts[0].content as string;
    expect(long.endsWith(MARKER)).toBe(true);
    expect('A'.repeat(10_000).startsWith(long.slice(0, -MARKER.length))).toBe(true);
    expect(long.length).toBeLessThan(10_000);
    expect((parsed[1].parts[1].content as string).endsWith(MARKER)).toBe(true);
    expect((parsed[2].parts[0].arguments.q as string).endsWith(MARKER)).toBe(true);
  });

  test('short structural strings (roles, part types, ids) are never shortened, even under a tight cap', () => {
    const value = [
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'toolu_01A09q90qw90lq917835lq9', response: 'R'.repeat(3_000) }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'T'.repeat(3_000) }], finish_reason: 'content_filter' },
    ];
    for (const cap of [1000, 400, 250]) {
      const text = cappedJson(value, cap)!;
      expect(text).toBeDefined();
      expect(text.length).toBeLessThanOrEqual(cap);
      const parsed = JSON.parse(text);
      expect(parsed[0].parts[0].type).toBe('tool_call_response');
      expect(parsed[0].parts[0].id).toBe('toolu_01A09q90qw90lq917835lq9');
      expect(parsed[1].role).toBe('assistant');
      expect(parsed[1].finish_reason).toBe('content_filter');
      expect(parsed[0].parts[0].response.endsWith(MARKER)).toBe(true);
    }
  });

  test('strings needing JSON escapes still end under the cap', () => {
    const value = [{ role: 'user', parts: [{ type: 'text', content: '"\\\n\u0001'.repeat(5_000) }] }];
    const text = cappedJson(value, 500)!;
    expect(text.length).toBeLessThanOrEqual(500);
    expect(JSON.parse(text)[0].parts[0].content.endsWith(MARKER)).toBe(true);
  });

  test('returns undefined when even the bare structure cannot fit', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ role: 'user', parts: [{ type: 'text', content: `m${i}` }] }));
    expect(cappedJson(many, 100)).toBeUndefined();
    expect(cappedJson(messages, 10)).toBeUndefined();
  });

  test('undefined for values JSON cannot represent', () => {
    expect(cappedJson(undefined, 100)).toBeUndefined();
  });
});

test('embeddings: requested encodings and dimension count use their semconv names', () => {
  const call: LlmCall = {
    family: 'openai.embeddings',
    provider: 'openai',
    request: { operation: 'embeddings', model: 'text-embedding-3-large', encodingFormats: ['base64'], dimensionCount: 256 },
    response: { usage: { inputTokens: 8 } },
    partial: false,
  };
  const a = callAttributes(call, OPTS);
  expect(a['gen_ai.request.encoding_formats']).toEqual(['base64']);
  expect(a['gen_ai.embeddings.dimension.count']).toBe(256);
  expect(spanNameFor(call)).toBe('embeddings text-embedding-3-large');
});

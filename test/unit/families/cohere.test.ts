/**
 * No recorded Cohere exchanges exist; these bodies follow the public API documentation
 * (the URL above each example says where its shape comes from).
 */
import { cohereChat as cohere } from '../../../src/families/cohere-chat';
import type { ParseContext, StreamReducer } from '../../../src/families/family';
import type { LlmResponse, MessagePart } from '../../../src/llm-call';
import { NdjsonDecoder } from '../../../src/wire/ndjson';
import { SseDecoder } from '../../../src/wire/sse';

const ctx: ParseContext = { captureContent: true, maxContentChars: 1_000_000 };
const noContent: ParseContext = { captureContent: false, maxContentChars: 1_000_000 };

function chunked(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function runNdjson(text: string, context: ParseContext = ctx, size = 5): LlmResponse {
  const reducer = cohere.createStreamReducer(context);
  const decoder = new NdjsonDecoder((data) => reducer.push({ data }));
  for (const c of chunked(text, size)) decoder.push(c);
  decoder.end();
  return reducer.finish();
}

function runSse(text: string, context: ParseContext = ctx, size = 5): LlmResponse {
  const reducer: StreamReducer = cohere.createStreamReducer(context);
  const decoder = new SseDecoder((ev) => {
    let data: unknown = ev.data;
    try {
      data = JSON.parse(ev.data);
    } catch {
      /* stays a string */
    }
    reducer.push(ev.event === undefined ? { data } : { event: ev.event, data });
  });
  for (const c of chunked(text, size)) decoder.push(c);
  decoder.end();
  return reducer.finish();
}

function texts(parts: MessagePart[] | undefined, type = 'text'): string {
  return (parts ?? [])
    .filter((p) => p.type === type)
    .map((p) => (p as { content: string }).content)
    .join('');
}

describe('cohere v1 request', () => {
  // https://docs.cohere.com/v1/reference/chat (request body), https://docs.cohere.com/v1/docs/tool-use
  const body = {
    model: 'command-r-plus',
    message: 'What year was he born?',
    preamble: 'You are a helpful historian.',
    chat_history: [
      { role: 'USER', message: 'Who discovered gravity?' },
      { role: 'CHATBOT', message: 'The man who is widely credited with discovering gravity is Sir Isaac Newton' },
      { role: 'CHATBOT', message: '', tool_calls: [{ name: 'lookup', parameters: { person: 'Newton' } }] },
      { role: 'TOOL', tool_results: [{ call: { name: 'lookup', parameters: { person: 'Newton' } }, outputs: [{ born: 1643 }] }] },
    ],
    temperature: 0.3,
    max_tokens: 200,
    p: 0.75,
    k: 50,
    seed: 7,
    stop_sequences: ['END'],
    frequency_penalty: 0.1,
    presence_penalty: 0.2,
    stream: true,
    tools: [{ name: 'lookup', description: 'Looks people up', parameter_definitions: { person: { type: 'str', required: true } } }],
  };

  test('parameters', () => {
    expect(cohere.parseRequest(body, ctx)).toMatchObject({
      operation: 'chat',
      model: 'command-r-plus',
      maxTokens: 200,
      temperature: 0.3,
      topP: 0.75,
      topK: 50,
      seed: 7,
      stopSequences: ['END'],
      frequencyPenalty: 0.1,
      presencePenalty: 0.2,
      stream: true,
    });
  });

  test('preamble is the system instruction; history then message are the input', () => {
    const req = cohere.parseRequest(body, ctx);
    expect(req.systemInstructions).toEqual([{ type: 'text', content: body.preamble }]);
    expect(req.toolDefinitions).toEqual(body.tools);
    expect(req.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Who discovered gravity?' }] },
      { role: 'assistant', parts: [{ type: 'text', content: body.chat_history[1]!.message }] },
      { role: 'assistant', parts: [{ type: 'tool_call', name: 'lookup', arguments: { person: 'Newton' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', response: [{ born: 1643 }] }] },
      { role: 'user', parts: [{ type: 'text', content: 'What year was he born?' }] },
    ]);
  });

  test('captureContent=false builds no messages', () => {
    const req = cohere.parseRequest(body, noContent);
    expect(req.inputMessages).toBeUndefined();
    expect(req.systemInstructions).toBeUndefined();
    expect(req.toolDefinitions).toBeUndefined();
    expect(req.topP).toBe(0.75);
  });
});

describe('cohere v2 request', () => {
  // https://docs.cohere.com/reference/chat (request body), https://docs.cohere.com/v2/docs/tool-use-overview,
  // https://docs.cohere.com/v2/docs/image-inputs, https://docs.cohere.com/v2/docs/structured-outputs
  const body = {
    model: 'command-a-03-2025',
    messages: [
      { role: 'system', content: 'You are an assistant.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: "What's the weather in Toronto?" },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://cohere.com/logo.png' } },
        ],
      },
      {
        role: 'assistant',
        tool_plan: 'I will search for the weather in Toronto.',
        tool_calls: [{ id: 'get_weather_1byjy32y4hvq', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Toronto"}' } }],
      },
      { role: 'tool', tool_call_id: 'get_weather_1byjy32y4hvq', content: [{ type: 'document', document: { data: '{"temperature": {"toronto": "20C"}}' } }] },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'gets the weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
    response_format: { type: 'json_object' },
    max_tokens: 500,
    p: 0.9,
  };

  test('messages (system stays in the history), tool calls and results', () => {
    const req = cohere.parseRequest(body, ctx);
    expect(req).toMatchObject({ model: 'command-a-03-2025', maxTokens: 500, topP: 0.9, outputType: 'json' });
    expect(req.systemInstructions).toBeUndefined();
    expect(req.toolDefinitions).toEqual(body.tools);
    expect(req.inputMessages).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You are an assistant.' }] },
      {
        role: 'user',
        parts: [
          { type: 'text', content: "What's the weather in Toronto?" },
          { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' },
          { type: 'uri', modality: 'image', uri: 'https://cohere.com/logo.png' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'I will search for the weather in Toronto.' },
          { type: 'tool_call', id: 'get_weather_1byjy32y4hvq', name: 'get_weather', arguments: { location: 'Toronto' } },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'get_weather_1byjy32y4hvq', response: { temperature: { toronto: '20C' } } }] },
    ]);
  });

  test('tool results: text blocks join, several documents stay a list', () => {
    const req = cohere.parseRequest(
      {
        messages: [
          { role: 'tool', tool_call_id: 'a', content: [{ type: 'text', text: 'x' }, { type: 'text', text: 'y' }] },
          { role: 'tool', tool_call_id: 'b', content: [{ type: 'document', document: { data: '[1]' } }, { type: 'document', document: { data: 'plain' } }] },
          { role: 'tool', tool_call_id: 'c', content: 'done' },
        ],
      },
      ctx,
    );
    expect(req.inputMessages!.map((m) => (m.parts[0] as any).response)).toEqual(['xy', [[1], 'plain'], 'done']);
  });
});

describe('cohere responses', () => {
  test('v1 response: generation_id, text, tokens preferred over billed units', () => {
    // https://docs.cohere.com/v1/reference/chat (response example)
    const body = {
      text: 'Isaac Newton was born on 25 December 1642.',
      generation_id: '7bb5b2b4-6ab0-4b0e-a5d2-5d2e3b7c1f0a',
      response_id: 'a29f7e55-5f0a-4a5d-a6c0-8fd0f2b1b2a1',
      chat_history: [],
      finish_reason: 'COMPLETE',
      meta: { api_version: { version: '1' }, billed_units: { input_tokens: 31, output_tokens: 11 }, tokens: { input_tokens: 97, output_tokens: 11 } },
    };
    const res = cohere.parseResponse(body, ctx);
    expect(res.id).toBe(body.generation_id);
    expect(res.finishReasons).toEqual(['COMPLETE']);
    expect(res.usage).toEqual({ inputTokens: body.meta.tokens.input_tokens, outputTokens: body.meta.tokens.output_tokens });
    expect(res.outputMessages).toEqual([{ role: 'assistant', finish_reason: 'stop', parts: [{ type: 'text', content: body.text }] }]);
  });

  test('billed units are the fallback when tokens are absent', () => {
    const res = cohere.parseResponse({ text: 'x', finish_reason: 'MAX_TOKENS', meta: { billed_units: { input_tokens: 5, output_tokens: 20 } } }, ctx);
    expect(res.usage).toEqual({ inputTokens: 5, outputTokens: 20 });
    expect(res.outputMessages![0]!.finish_reason).toBe('length');
  });

  test('v2 response with text content', () => {
    // https://docs.cohere.com/reference/chat (response example)
    const body = {
      id: 'c14c80c3-18eb-4519-9460-6c92edd8cfb4',
      finish_reason: 'COMPLETE',
      message: { role: 'assistant', content: [{ type: 'text', text: 'LLMs stand for Large Language Models,' }, { type: 'text', text: ' which are neural networks.' }] },
      usage: { billed_units: { input_tokens: 17, output_tokens: 12 }, tokens: { input_tokens: 215, output_tokens: 12 } },
    };
    const res = cohere.parseResponse(body, ctx);
    expect(res.id).toBe(body.id);
    expect(res.finishReasons).toEqual(['COMPLETE']);
    expect(res.usage).toEqual({ inputTokens: body.usage.tokens.input_tokens, outputTokens: body.usage.tokens.output_tokens });
    expect(texts(res.outputMessages![0]!.parts)).toBe(body.message.content.map((c) => c.text).join(''));
    expect(res.outputMessages![0]!.finish_reason).toBe('stop');
  });

  test('v2 response with tool plan and tool calls', () => {
    // https://docs.cohere.com/v2/docs/tool-use-overview (response with tool_plan and tool_calls)
    const res = cohere.parseResponse(
      {
        id: 'e1',
        finish_reason: 'TOOL_CALL',
        message: {
          role: 'assistant',
          tool_plan: 'I will search for the weather in Toronto.',
          tool_calls: [{ id: 'get_weather_1byjy32y4hvq', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Toronto"}' } }],
        },
        usage: { billed_units: { input_tokens: 37, output_tokens: 28 }, tokens: { input_tokens: 1061, output_tokens: 62 } },
      },
      ctx,
    );
    expect(res.outputMessages).toEqual([
      {
        role: 'assistant',
        finish_reason: 'tool_call',
        parts: [
          { type: 'reasoning', content: 'I will search for the weather in Toronto.' },
          { type: 'tool_call', id: 'get_weather_1byjy32y4hvq', name: 'get_weather', arguments: { location: 'Toronto' } },
        ],
      },
    ]);
  });

  test('finish reasons map to semconv values', () => {
    const cases: Record<string, string> = { COMPLETE: 'stop', STOP_SEQUENCE: 'stop', MAX_TOKENS: 'length', TOOL_CALL: 'tool_call', ERROR: 'error', ERROR_TOXIC: 'content_filter', TIMEOUT: 'TIMEOUT', complete: 'stop' };
    for (const [raw, mapped] of Object.entries(cases)) {
      const res = cohere.parseResponse({ id: 'x', finish_reason: raw, message: { role: 'assistant', content: [] } }, ctx);
      expect(res.finishReasons).toEqual([raw]);
      expect(res.outputMessages![0]!.finish_reason).toBe(mapped);
    }
  });

  test('captureContent=false: usage and reasons, no messages', () => {
    const res = cohere.parseResponse({ id: 'x', finish_reason: 'COMPLETE', message: { content: [{ type: 'text', text: 'hi' }] }, usage: { tokens: { input_tokens: 1, output_tokens: 2 } } }, noContent);
    expect(res).toEqual({ id: 'x', finishReasons: ['COMPLETE'], usage: { inputTokens: 1, outputTokens: 2 } });
  });

  test('errors are {message}', () => {
    // https://docs.cohere.com/reference/errors
    expect(cohere.parseError({ message: 'invalid api token' })).toEqual({ type: '_OTHER', message: 'invalid api token' });
    expect(cohere.parseError({ id: 'abc', message: 'invalid request: message must not be empty in a turn' })).toEqual({
      type: '_OTHER',
      message: 'invalid request: message must not be empty in a turn',
    });
    expect(cohere.parseError({})).toBeUndefined();
    expect(cohere.parseError(null)).toBeUndefined();
  });
});

describe('cohere v1 NDJSON stream', () => {
  // https://docs.cohere.com/v1/docs/streaming and https://docs.cohere.com/v1/reference/chat-stream
  const events = [
    { is_finished: false, event_type: 'stream-start', generation_id: '0d1e6b2c-11c4-4c61-9a0a-5e1f1b7a3c2d' },
    { is_finished: false, event_type: 'text-generation', text: 'A large' },
    { is_finished: false, event_type: 'text-generation', text: ' language model (LLM) 👋' },
    { is_finished: false, event_type: 'text-generation', text: ' is a neural network.' },
    {
      is_finished: true,
      event_type: 'stream-end',
      finish_reason: 'COMPLETE',
      response: {
        response_id: 'd6c1d1f1-0d6b-4c8c-a6a5-1c7a3f0f7c11',
        text: 'A large language model (LLM) 👋 is a neural network.',
        generation_id: '0d1e6b2c-11c4-4c61-9a0a-5e1f1b7a3c2d',
        chat_history: [],
        finish_reason: 'COMPLETE',
        meta: { api_version: { version: '1' }, billed_units: { input_tokens: 7, output_tokens: 13 }, tokens: { input_tokens: 73, output_tokens: 13 } },
      },
    },
  ];
  const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  const end = events[events.length - 1] as any;

  test.each([1, 5, 4096])('reassembles text; id, reason, usage from the stream (chunk size %i)', (size) => {
    const res = runNdjson(text, ctx, size);
    expect(res.id).toBe(events[0]!.generation_id);
    expect(res.finishReasons).toEqual([end.finish_reason]);
    expect(res.usage).toEqual({ inputTokens: end.response.meta.tokens.input_tokens, outputTokens: end.response.meta.tokens.output_tokens });
    expect(texts(res.outputMessages![0]!.parts)).toBe(events.filter((e) => e.event_type === 'text-generation').map((e) => e.text).join(''));
    expect(res.outputMessages![0]!.finish_reason).toBe('stop');
  });

  test('tool-calls-generation events become tool calls', () => {
    // https://docs.cohere.com/v1/docs/tool-use (streaming: tool-calls-generation)
    const stream = [
      { is_finished: false, event_type: 'stream-start', generation_id: 'g1' },
      { is_finished: false, event_type: 'tool-calls-chunk', tool_call_delta: { index: 0, name: 'query_daily_sales_report' } },
      { is_finished: false, event_type: 'tool-calls-generation', text: 'I will look up the report.', tool_calls: [{ name: 'query_daily_sales_report', parameters: { day: '2023-09-29' } }] },
      { is_finished: true, event_type: 'stream-end', finish_reason: 'COMPLETE', response: { generation_id: 'g1', text: '', tool_calls: [{ name: 'query_daily_sales_report', parameters: { day: '2023-09-29' } }], meta: {} } },
    ];
    const res = runNdjson(stream.map((e) => JSON.stringify(e)).join('\n'));
    expect(res.outputMessages![0]!.parts).toEqual([{ type: 'tool_call', name: 'query_daily_sales_report', arguments: { day: '2023-09-29' } }]);
  });

  test('truncated before stream-end: the text so far, no reason, no usage', () => {
    const res = runNdjson(events.slice(0, 3).map((e) => JSON.stringify(e)).join('\n'));
    expect(res.finishReasons).toBeUndefined();
    expect(res.usage).toBeUndefined();
    expect(texts(res.outputMessages![0]!.parts)).toBe('A large language model (LLM) 👋');
    expect(res.outputMessages![0]!.finish_reason).toBe('unknown');
  });

  test('budget truncation', () => {
    const res = runNdjson(text, { captureContent: true, maxContentChars: 4 });
    expect(res.contentTruncated).toBe(true);
    expect(texts(res.outputMessages![0]!.parts)).toBe('A la');
  });

  test('captureContent=false', () => {
    const res = runNdjson(text, noContent);
    expect(res.outputMessages).toBeUndefined();
    expect(res.usage?.inputTokens).toBe(73);
  });
});

describe('cohere v2 SSE stream', () => {
  // https://docs.cohere.com/v2/docs/streaming and https://docs.cohere.com/reference/chat-stream
  const events: any[] = [
    { id: '29f14a5a-11de-4cae-9800-25e4747408ea', type: 'message-start', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } },
    { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } },
    { type: 'content-delta', index: 0, delta: { message: { content: { text: 'A large language' } } } },
    { type: 'content-delta', index: 0, delta: { message: { content: { text: ' model (LLM) is' } } } },
    { type: 'content-delta', index: 0, delta: { message: { content: { text: ' a type of AI.' } } } },
    { type: 'content-end', index: 0 },
    { type: 'message-end', delta: { finish_reason: 'COMPLETE', usage: { billed_units: { input_tokens: 3, output_tokens: 10 }, tokens: { input_tokens: 69, output_tokens: 10 } } } },
  ];
  const sse = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
  const end = events[events.length - 1];

  test.each([1, 5, 4096])('reassembles text; usage and reason from message-end (chunk size %i)', (size) => {
    const res = runSse(sse, ctx, size);
    expect(res.id).toBe(events[0].id);
    expect(res.finishReasons).toEqual([end.delta.finish_reason]);
    expect(res.usage).toEqual({ inputTokens: end.delta.usage.tokens.input_tokens, outputTokens: end.delta.usage.tokens.output_tokens });
    const expected = events.filter((e) => e.type === 'content-delta').map((e) => e.delta.message.content.text).join('');
    expect(texts(res.outputMessages![0]!.parts)).toBe(expected);
  });

  test('tool plan and tool call argument deltas', () => {
    // https://docs.cohere.com/v2/docs/streaming ("Tool use stream events")
    const stream: any[] = [
      { id: 'm2', type: 'message-start', delta: { message: { role: 'assistant' } } },
      { type: 'tool-plan-delta', delta: { message: { tool_plan: 'I will search' } } },
      { type: 'tool-plan-delta', delta: { message: { tool_plan: ' the weather.' } } },
      { type: 'tool-call-start', index: 0, delta: { message: { tool_calls: { id: 'get_weather_nsz5zm3w56q3', type: 'function', function: { name: 'get_weather', arguments: '' } } } } },
      ...['{"', 'location', '":"', 'Toronto', '"}'].map((a) => ({ type: 'tool-call-delta', index: 0, delta: { message: { tool_calls: { function: { arguments: a } } } } })),
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, delta: { message: { tool_calls: { id: 'get_weather_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } } } } },
      { type: 'tool-call-end', index: 1 },
      { type: 'message-end', delta: { finish_reason: 'TOOL_CALL', usage: { billed_units: { input_tokens: 37, output_tokens: 28 }, tokens: { input_tokens: 1061, output_tokens: 62 } } } },
    ];
    const res = runSse(stream.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(''));
    expect(res.finishReasons).toEqual(['TOOL_CALL']);
    expect(res.outputMessages).toEqual([
      {
        role: 'assistant',
        finish_reason: 'tool_call',
        parts: [
          { type: 'reasoning', content: 'I will search the weather.' },
          { type: 'tool_call', id: 'get_weather_nsz5zm3w56q3', name: 'get_weather', arguments: { location: 'Toronto' } },
          { type: 'tool_call', id: 'get_weather_2', name: 'get_weather', arguments: { location: 'Paris' } },
        ],
      },
    ]);
  });

  test('truncated mid-stream and mid tool call', () => {
    const reducer = cohere.createStreamReducer(ctx);
    reducer.push({ data: events[0] });
    reducer.push({ data: events[2] });
    reducer.push({ data: { type: 'tool-call-start', index: 0, delta: { message: { tool_calls: { id: 't', type: 'function', function: { name: 'f', arguments: '{"a":' } } } } } });
    const res = reducer.finish();
    expect(res.id).toBe(events[0].id);
    expect(res.finishReasons).toBeUndefined();
    expect(res.outputMessages![0]!.parts).toEqual([
      { type: 'text', content: 'A large language' },
      { type: 'tool_call', id: 't', name: 'f', arguments: '{"a":' },
    ]);
  });

  test('unknown and garbage events are ignored', () => {
    const reducer = cohere.createStreamReducer(ctx);
    for (const data of [null, 42, 'x', [], {}, { type: 'citation-start', index: 0, delta: {} }, { type: 'debug' }, { type: 'content-delta', delta: 'no' }, { type: 'tool-call-delta', delta: { message: { tool_calls: 5 } } }, { event_type: 7 }]) {
      reducer.push({ data });
    }
    expect(reducer.finish()).toEqual({});
  });
});

describe('cohere robustness', () => {
  const garbage: unknown[] = [null, undefined, 42, 'x', [], {}, { messages: 'no' }, { message: 5, chat_history: 'no' }, { messages: [null, { role: 'tool', content: 5 }, { content: [null, 1] }] }, { usage: [], message: [] }];
  test.each(garbage.map((g) => [JSON.stringify(g) ?? 'undefined', g]))('never throws on %s', (_name, g) => {
    expect(() => cohere.parseRequest(g, ctx)).not.toThrow();
    expect(() => cohere.parseResponse(g, ctx)).not.toThrow();
    expect(() => cohere.parseError(g)).not.toThrow();
    const reducer = cohere.createStreamReducer(ctx);
    expect(() => reducer.push({ data: g })).not.toThrow();
    expect(() => reducer.finish()).not.toThrow();
  });

  test('garbage yields no invented values', () => {
    expect(cohere.parseRequest(42, ctx)).toEqual({ operation: 'chat' });
    expect(cohere.parseResponse([], ctx)).toEqual({});
    expect(cohere.parseResponse({ meta: { tokens: { input_tokens: '5' } } }, ctx)).toEqual({});
  });
});

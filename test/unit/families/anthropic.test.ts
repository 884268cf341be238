import { anthropicMessages } from '../../../src/families/anthropic-messages';
import type { ParseContext, StreamReducer } from '../../../src/families/family';
import type { LlmResponse, MessagePart } from '../../../src/llm-call';
import { SseDecoder } from '../../../src/wire/sse';
import { contentType, decodedResponseBytes, loadFixtures, requestJson, type Fixture } from '../../helpers/fixtures';

const ctx: ParseContext = { captureContent: true, maxContentChars: 1_000_000 };
const noContent: ParseContext = { captureContent: false, maxContentChars: 1_000_000 };

/** Feeds SSE bytes through the real decoder into a fresh reducer, in small chunks to exercise splitting. */
function runSse(input: Buffer | string, context: ParseContext = ctx, chunkSize = 7): LlmResponse {
  const reducer = anthropicMessages.createStreamReducer(context);
  feedSse(reducer, input, chunkSize);
  return reducer.finish();
}

function feedSse(reducer: StreamReducer, input: Buffer | string, chunkSize = 7): void {
  const decoder = new SseDecoder((ev) => {
    let data: unknown = ev.data;
    try {
      data = JSON.parse(ev.data);
    } catch {
      /* non-JSON payloads stay strings, as at runtime */
    }
    reducer.push(ev.event === undefined ? { data } : { event: ev.event, data });
  });
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  for (let i = 0; i < bytes.length; i += chunkSize) decoder.push(bytes.subarray(i, i + chunkSize));
  decoder.end();
}

/** Independent test-side reading of an SSE transcript: the JSON of every `data:` line. */
function sseDataObjects(text: string): any[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => JSON.parse(line.slice(5)));
}

function texts(parts: MessagePart[] | undefined, type = 'text'): string {
  return (parts ?? [])
    .filter((p) => p.type === type)
    .map((p) => (p as { content: string }).content)
    .join('');
}

function expectedUsage(u: any) {
  const read = u.cache_read_input_tokens ?? 0;
  const creation = u.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: u.input_tokens + read + creation,
    outputTokens: u.output_tokens,
    cacheReadInputTokens: u.cache_read_input_tokens,
    cacheCreationInputTokens: u.cache_creation_input_tokens,
  };
}

const fixtures = loadFixtures('anthropic').filter((f) => new URL(f.request.url).pathname === '/v1/messages');

describe('anthropic.messages fixtures', () => {
  test('the corpus has the expected variety', () => {
    expect(fixtures.length).toBe(5);
    expect(fixtures.some((f) => contentType(f) === 'text/event-stream')).toBe(true);
    expect(fixtures.some((f) => f.response.body?.includes('"thinking"'))).toBe(true);
    expect(fixtures.some((f) => /"cache_creation_input_tokens":[1-9]/.test(f.response.body ?? ''))).toBe(true);
  });

  test.each(fixtures.map((f) => [f.id, f] as [string, Fixture]))('request %s', (_id, f) => {
    const body = requestJson(f);
    const req = anthropicMessages.parseRequest(body, ctx);
    expect(req.operation).toBe('chat');
    expect(req.model).toBe(body.model);
    expect(req.maxTokens).toBe(body.max_tokens);
    expect(req.stream).toBe(body.stream);
    expect(req.temperature).toBe(body.temperature);
    expect(req.inputMessages?.map((m) => m.role)).toEqual(body.messages.map((m: any) => m.role));
    body.messages.forEach((m: any, i: number) => {
      const expected = typeof m.content === 'string' ? m.content : m.content.map((b: any) => b.text).join('');
      expect(texts(req.inputMessages![i]!.parts)).toBe(expected);
    });
    if (body.system === undefined) expect(req.systemInstructions).toBeUndefined();
    else {
      const expected = typeof body.system === 'string' ? body.system : body.system.map((b: any) => b.text).join('');
      expect(texts(req.systemInstructions)).toBe(expected);
    }
    // System prompts are a separate field, never part of the chat history.
    expect(req.inputMessages?.some((m) => m.role === 'system')).toBe(false);
  });

  const jsonFixtures = fixtures.filter((f) => contentType(f) === 'application/json');
  test.each(jsonFixtures.map((f) => [f.id, f] as [string, Fixture]))('json response %s', (_id, f) => {
    const body = JSON.parse(decodedResponseBytes(f).toString('utf8'));
    const res = anthropicMessages.parseResponse(body, ctx);
    expect(res.id).toBe(body.id);
    expect(res.model).toBe(body.model);
    expect(res.finishReasons).toEqual([body.stop_reason]);
    expect(res.usage).toEqual(expectedUsage(body.usage));
    expect(res.outputMessages).toHaveLength(1);
    const out = res.outputMessages![0]!;
    expect(out.role).toBe('assistant');
    const expectedText = body.content.filter((b: any) => b.type === 'text').map((b: any) => b.text).join('');
    expect(texts(out.parts)).toBe(expectedText);
    const expectedThinking = body.content.filter((b: any) => b.type === 'thinking').map((b: any) => b.thinking).join('');
    expect(texts(out.parts, 'reasoning')).toBe(expectedThinking);
    expect(out.finish_reason).toBe({ end_turn: 'stop', max_tokens: 'length' }[body.stop_reason as string]);
    expect(res.contentTruncated).toBeUndefined();
  });

  const sseFixtures = fixtures.filter((f) => contentType(f) === 'text/event-stream');
  test.each(sseFixtures.map((f) => [f.id, f] as [string, Fixture]))('stream %s', (_id, f) => {
    const raw = decodedResponseBytes(f);
    const events = sseDataObjects(raw.toString('utf8'));
    const start = events.find((e) => e.type === 'message_start').message;
    const deltas = events.filter((e) => e.type === 'message_delta');
    const lastDelta = deltas[deltas.length - 1];
    const text = events
      .filter((e) => e.type === 'content_block_delta' && e.delta.type === 'text_delta')
      .map((e) => e.delta.text)
      .join('');
    expect(text.length).toBeGreaterThan(0);

    for (const chunkSize of [1, 7, 4096]) {
      const res = runSse(raw, ctx, chunkSize);
      expect(res.id).toBe(start.id);
      expect(res.model).toBe(start.model);
      expect(res.finishReasons).toEqual([lastDelta.delta.stop_reason]);
      expect(res.usage).toEqual(expectedUsage({ ...start.usage, output_tokens: lastDelta.usage.output_tokens }));
      expect(texts(res.outputMessages![0]!.parts)).toBe(text);
      expect(res.outputMessages![0]!.finish_reason).toBe('stop');
    }
  });

  test.each(sseFixtures.map((f) => [f.id, f] as [string, Fixture]))('stream %s without content capture', (_id, f) => {
    const res = runSse(decodedResponseBytes(f), noContent);
    expect(res.outputMessages).toBeUndefined();
    expect(res.usage?.outputTokens).toBeGreaterThan(0);
  });

  test.each(sseFixtures.map((f) => [f.id, f] as [string, Fixture]))('stream %s cut to a small budget', (_id, f) => {
    const res = runSse(decodedResponseBytes(f), { captureContent: true, maxContentChars: 10 });
    expect(res.contentTruncated).toBe(true);
    expect(texts(res.outputMessages![0]!.parts)).toHaveLength(10);
  });
});

describe('anthropic.messages request (documented shapes)', () => {
  // https://docs.anthropic.com/en/api/messages (request parameters), https://docs.anthropic.com/en/docs/build-with-claude/vision,
  // https://docs.anthropic.com/en/docs/build-with-claude/tool-use
  const body = {
    model: 'claude-sonnet-4-20250514',
    max_tokens: 1024,
    temperature: 0.5,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ['\n\nHuman:'],
    metadata: { user_id: 'user-1234' },
    system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
    thinking: { type: 'enabled', budget_tokens: 2048 },
    tools: [
      {
        name: 'get_weather',
        description: 'Get the current weather in a given location',
        input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
      },
    ],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQSkZJRg==' } },
          { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/a.jpg' } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' } },
          { type: 'text', text: 'Describe these, then check the weather in SF.' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Need weather.', signature: 'sig' },
          { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
          { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
          { type: 'tool_result', tool_use_id: 'toolu_02', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
        ],
      },
    ],
  };

  test('parameters, user id and content parts', () => {
    const req = anthropicMessages.parseRequest(body, ctx);
    expect(req).toMatchObject({
      operation: 'chat',
      model: 'claude-sonnet-4-20250514',
      maxTokens: 1024,
      temperature: 0.5,
      topP: 0.9,
      topK: 40,
      stopSequences: ['\n\nHuman:'],
      userId: 'user-1234',
    });
    expect(req.systemInstructions).toEqual([{ type: 'text', content: 'You are terse.' }]);
    expect(req.toolDefinitions).toEqual(body.tools);
    expect(req.inputMessages![0]!.parts).toEqual([
      { type: 'blob', modality: 'image', mime_type: 'image/jpeg', content: '/9j/4AAQSkZJRg==' },
      { type: 'uri', modality: 'image', uri: 'https://upload.wikimedia.org/a.jpg' },
      { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBERi0x' },
      { type: 'text', content: 'Describe these, then check the weather in SF.' },
    ]);
    expect(req.inputMessages![1]!.parts).toEqual([
      { type: 'reasoning', content: 'Need weather.' },
      { type: 'redacted_thinking' },
      { type: 'tool_call', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: { location: 'San Francisco, CA' } },
    ]);
    expect(req.inputMessages![2]!.parts).toEqual([
      { type: 'tool_call_response', id: 'toolu_01A09q90qw90lq917835lq9', response: '15 degrees' },
      { type: 'tool_call_response', id: 'toolu_02', response: 'ab' },
    ]);
  });

  test('captureContent=false builds no messages, system or tools', () => {
    const req = anthropicMessages.parseRequest(body, noContent);
    expect(req.inputMessages).toBeUndefined();
    expect(req.systemInstructions).toBeUndefined();
    expect(req.toolDefinitions).toBeUndefined();
    expect(req.model).toBe('claude-sonnet-4-20250514');
    expect(req.maxTokens).toBe(1024);
  });

  test('structured output format asks for json', () => {
    const req = anthropicMessages.parseRequest(
      { model: 'm', max_tokens: 1, messages: [], output_format: { type: 'json_schema', schema: {} } },
      ctx,
    );
    expect(req.outputType).toBe('json');
  });
});

describe('anthropic.messages response (documented shapes)', () => {
  test('tool_use response: input object becomes the tool call arguments', () => {
    // https://docs.anthropic.com/en/docs/build-with-claude/tool-use (example response)
    const body = {
      id: 'msg_01Aq9w938a90dw8q',
      model: 'claude-3-5-sonnet-20241022',
      stop_reason: 'tool_use',
      role: 'assistant',
      content: [
        { type: 'text', text: '<thinking>I need to use the get_weather tool.</thinking>' },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
      ],
      usage: { input_tokens: 384, output_tokens: 92 },
    };
    const res = anthropicMessages.parseResponse(body, ctx);
    expect(res.finishReasons).toEqual(['tool_use']);
    expect(res.usage).toEqual({ inputTokens: 384, outputTokens: 92 });
    expect(res.outputMessages).toEqual([
      {
        role: 'assistant',
        finish_reason: 'tool_call',
        parts: [
          { type: 'text', content: body.content[0]!.text },
          { type: 'tool_call', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: { location: 'San Francisco, CA', unit: 'celsius' } },
        ],
      },
    ]);
  });

  test('cache_creation breakdown stands in when the total is absent', () => {
    // https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching (1-hour cache duration usage)
    const res = anthropicMessages.parseResponse(
      {
        id: 'msg_1',
        stop_reason: 'end_turn',
        content: [],
        usage: { input_tokens: 10, cache_read_input_tokens: 20, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 50 }, output_tokens: 5 },
      },
      ctx,
    );
    // The 1-hour part is kept apart too: it is billed at its own rate.
    expect(res.usage).toEqual({ inputTokens: 180, outputTokens: 5, cacheReadInputTokens: 20, cacheCreationInputTokens: 150, cacheCreation1hInputTokens: 50 });
  });

  test('stop reasons map to semconv values', () => {
    const cases: Record<string, string> = {
      end_turn: 'stop',
      stop_sequence: 'stop',
      max_tokens: 'length',
      tool_use: 'tool_call',
      refusal: 'content_filter',
      pause_turn: 'pause_turn',
    };
    for (const [raw, mapped] of Object.entries(cases)) {
      const res = anthropicMessages.parseResponse({ stop_reason: raw, content: [] }, ctx);
      expect(res.finishReasons).toEqual([raw]);
      expect(res.outputMessages![0]!.finish_reason).toBe(mapped);
    }
  });

  test('server tool use and web search results keep only small fields', () => {
    // https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool (response example)
    const res = anthropicMessages.parseResponse(
      {
        id: 'msg_2',
        stop_reason: 'end_turn',
        content: [
          { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'claude shannon birth date' } },
          {
            type: 'web_search_tool_result',
            tool_use_id: 'srvtoolu_01',
            content: [
              { type: 'web_search_result', url: 'https://en.wikipedia.org/wiki/Claude_Shannon', title: 'Claude Shannon', encrypted_content: 'E'.repeat(5000), page_age: 'April 30, 2025' },
            ],
          },
          { type: 'text', text: 'Claude Shannon was born on April 30, 1916.' },
        ],
        usage: { input_tokens: 6039, output_tokens: 931, server_tool_use: { web_search_requests: 1 } },
      },
      ctx,
    );
    expect(res.outputMessages![0]!.parts).toEqual([
      { type: 'server_tool_call', id: 'srvtoolu_01', name: 'web_search', server_tool_call: { type: 'web_search', arguments: { query: 'claude shannon birth date' } } },
      {
        type: 'server_tool_call_response',
        id: 'srvtoolu_01',
        server_tool_call_response: {
          type: 'web_search_tool_result',
          content: [{ type: 'web_search_result', url: 'https://en.wikipedia.org/wiki/Claude_Shannon', title: 'Claude Shannon', page_age: 'April 30, 2025' }],
        },
      },
      { type: 'text', content: 'Claude Shannon was born on April 30, 1916.' },
    ]);
  });

  test('error bodies', () => {
    // https://docs.anthropic.com/en/api/errors
    const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    expect(anthropicMessages.parseError(body)).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(anthropicMessages.parseError({ type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } })).toEqual({
      type: 'rate_limit_error',
      message: 'Number of request tokens has exceeded your per-minute rate limit',
    });
    expect(anthropicMessages.parseResponse(body, ctx).error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(anthropicMessages.parseError({ type: 'error' })).toBeUndefined();
    expect(anthropicMessages.parseError('<html>502</html>')).toBeUndefined();
  });
});

describe('anthropic.messages streams (documented shapes)', () => {
  // https://docs.anthropic.com/en/docs/build-with-claude/streaming ("Streaming request with tool use")
  const toolStream = [
    'event: message_start',
    'data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-opus-4-1-20250805","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}',
    '',
    'event: content_block_start',
    'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
    '',
    'event: ping',
    'data: {"type": "ping"}',
    '',
    'event: content_block_delta',
    'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay"}}',
    '',
    'event: content_block_delta',
    'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", let\'s check the weather."}}',
    '',
    'event: content_block_stop',
    'data: {"type":"content_block_stop","index":0}',
    '',
    'event: content_block_start',
    'data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}',
    '',
    ...['', '{"location":', ' "San', ' Francisc', 'o,', ' CA"', ', ', '"unit": "fah', 'renheit"}'].flatMap((p) => [
      'event: content_block_delta',
      `data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(p)}}}`,
      '',
    ]),
    'event: content_block_stop',
    'data: {"type":"content_block_stop","index":1}',
    '',
    'event: message_delta',
    'data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}',
    '',
    'event: message_stop',
    'data: {"type":"message_stop"}',
    '',
    '',
  ].join('\n');

  test('input_json_delta fragments are concatenated and parsed', () => {
    const res = runSse(toolStream);
    expect(res).toMatchObject({
      id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
      model: 'claude-opus-4-1-20250805',
      finishReasons: ['tool_use'],
      usage: { inputTokens: 472, outputTokens: 89 },
    });
    expect(res.outputMessages).toEqual([
      {
        role: 'assistant',
        finish_reason: 'tool_call',
        parts: [
          { type: 'text', content: "Okay, let's check the weather." },
          { type: 'tool_call', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: { location: 'San Francisco, CA', unit: 'fahrenheit' } },
        ],
      },
    ]);
  });

  test('a stream cut mid tool call returns what was seen, raw partial JSON included', () => {
    const cut = toolStream.slice(0, toolStream.indexOf(' Francisc'));
    const res = runSse(cut.slice(0, cut.lastIndexOf('event:')));
    expect(res.id).toBe('msg_014p7gG3wDgGV9EUtLvnow3U');
    expect(res.finishReasons).toBeUndefined();
    expect(res.usage).toEqual({ inputTokens: 472, outputTokens: 2 });
    const parts = res.outputMessages![0]!.parts;
    expect(parts[0]).toEqual({ type: 'text', content: "Okay, let's check the weather." });
    expect(parts[1]).toMatchObject({ type: 'tool_call', name: 'get_weather', arguments: '{"location": "San' });
    expect(res.outputMessages![0]!.finish_reason).toBe('unknown');
  });

  test('thinking deltas become reasoning; signature deltas are ignored', () => {
    // https://docs.anthropic.com/en/docs/build-with-claude/streaming ("Streaming request with thinking")
    const stream = [
      { type: 'message_start', message: { id: 'msg_01', model: 'claude-sonnet-4-20250514', usage: { input_tokens: 50, cache_creation_input_tokens: 0, cache_read_input_tokens: 40, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me solve this step by step:\n\n1. First break down 27 * 453' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: '\n2. 453 = 400 + 50 + 3' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: '27 * 453 = 12,231' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'citations_delta', citation: { type: 'char_location', cited_text: 'x' } } },
      { type: 'content_block_stop', index: 1 },
      // Newer API versions repeat input and cache counts in message_delta.
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 50, cache_read_input_tokens: 40, output_tokens: 210 } },
      { type: 'message_stop' },
    ];
    const reducer = anthropicMessages.createStreamReducer(ctx);
    for (const data of stream) reducer.push({ event: data.type, data });
    const res = reducer.finish();
    expect(res.usage).toEqual({ inputTokens: 90, outputTokens: 210, cacheReadInputTokens: 40, cacheCreationInputTokens: 0 });
    expect(res.outputMessages![0]!.parts).toEqual([
      { type: 'reasoning', content: 'Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3' },
      { type: 'text', content: '27 * 453 = 12,231' },
    ]);
  });

  test('error events set the response error', () => {
    // https://docs.anthropic.com/en/docs/build-with-claude/streaming ("Error events")
    const res = runSse('event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n');
    expect(res.error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(res.outputMessages).toBeUndefined();
  });

  test('unknown events, garbage data and out-of-order deltas are ignored', () => {
    const reducer = anthropicMessages.createStreamReducer(ctx);
    const junk: unknown[] = [null, 42, 'x', [], {}, { type: 'future_event', foo: 1 }, { type: 'content_block_delta', index: 9, delta: { type: 'text_delta', text: 'orphan' } }];
    for (const data of junk) reducer.push({ data });
    reducer.push({ data: { type: 'content_block_start', index: 'zero', content_block: { type: 'text' } } });
    reducer.push({ data: { type: 'message_delta', delta: null, usage: { output_tokens: 'many' } } });
    reducer.push({ data: { type: 'message_start', message: { id: 7, usage: [] } } });
    expect(reducer.finish()).toEqual({});
  });
});

describe('anthropic.messages robustness', () => {
  const garbage: unknown[] = [null, undefined, 42, 'x', [], {}, { messages: 'no' }, { content: 'no', usage: 5 }, { messages: [null, 3, { content: [null, 5, { type: 7 }] }] }];
  test.each(garbage.map((g) => [JSON.stringify(g) ?? 'undefined', g]))('never throws on %s', (_name, g) => {
    expect(() => anthropicMessages.parseRequest(g, ctx)).not.toThrow();
    expect(() => anthropicMessages.parseResponse(g, ctx)).not.toThrow();
    expect(() => anthropicMessages.parseError(g)).not.toThrow();
    const reducer = anthropicMessages.createStreamReducer(ctx);
    expect(() => reducer.push({ data: g })).not.toThrow();
    expect(() => reducer.finish()).not.toThrow();
  });

  test('garbage yields empty results, not invented values', () => {
    expect(anthropicMessages.parseRequest(42, ctx)).toEqual({ operation: 'chat' });
    expect(anthropicMessages.parseResponse('x', ctx)).toEqual({});
    expect(anthropicMessages.parseResponse({ content: 'no', usage: 5, stop_reason: 1 }, ctx)).toEqual({});
    expect(anthropicMessages.parseError({ error: 'no' })).toBeUndefined();
  });

  test('unknown content blocks become small generic parts', () => {
    const res = anthropicMessages.parseResponse(
      { stop_reason: 'end_turn', content: [{ type: 'container_upload', file_id: 'file_1', blob: 'B'.repeat(1000), nested: { a: 1 } }] },
      ctx,
    );
    expect(res.outputMessages![0]!.parts).toEqual([{ type: 'container_upload', file_id: 'file_1' }]);
  });
});

import { spanToRecord } from '../../../exporters/span-to-record';
import { costEstimatorFor } from '../../../src/pricing/cost';
import { serializeRecord, TRUNCATION_MARKER } from '../../../exporters/record-size';
import { makeSpan, TRACE_ID } from '../../helpers/span-factory';

/** Attributes as our instrumentation writes them for an OpenAI chat call (semconv v1.41 JSON strings). */
const CHAT = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.request.temperature': 0.2,
  'gen_ai.request.max_tokens': 512,
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
  'gen_ai.response.id': 'chatcmpl-1',
  'gen_ai.response.finish_reasons': ['stop'],
  'gen_ai.usage.input_tokens': 1200,
  'gen_ai.usage.output_tokens': 80,
  'gen_ai.usage.cache_read.input_tokens': 1024,
  'gen_ai.usage.reasoning.output_tokens': 64,
  'gen_ai.response.time_to_first_chunk': 0.25,
  'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'Be brief.' }]),
  'gen_ai.input.messages': JSON.stringify([
    { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'weather', arguments: { city: 'Paris' } }] },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: { temp: 18 } }] },
  ]),
  'gen_ai.output.messages': JSON.stringify([
    { role: 'assistant', parts: [{ type: 'text', content: '18°C and sunny.' }], finish_reason: 'stop' },
  ]),
  'server.address': 'api.openai.com',
  'http.response.status_code': 200,
  'url.full': 'https://api.openai.com/v1/chat/completions',
  'http.request.header.authorization': ['Bearer sk-secret'],
};

describe('spanToRecord: a GenAI span', () => {
  const span = makeSpan({ spanId: 'b7ad6b7169203331', parent: '00f067aa0ba902b7', name: 'chat gpt-4o-mini', kind: 2, start: 1_700_000_000.5, end: 1_700_000_002, attributes: CHAT, resource: { 'service.name': 'gateway', 'deployment.environment.name': 'prod' } });
  const record = spanToRecord(span, { parentSpanId: '00f067aa0ba902b7', environment: 'development' });

  test('ids, parent, time and type', () => {
    expect(record).toMatchObject({
      id: 'b7ad6b7169203331',
      span_id: 'b7ad6b7169203331',
      root_span_id: TRACE_ID,
      span_parents: ['00f067aa0ba902b7'],
      created: '2023-11-14T22:13:20.500Z',
      span_attributes: { name: 'chat gpt-4o-mini', type: 'llm' },
    });
  });

  test('input: system instructions, then the conversation, in OpenAI chat shape', () => {
    expect(record.input).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":18}' },
    ]);
  });

  test('output: choices', () => {
    expect(record.output).toEqual([{ index: 0, message: { role: 'assistant', content: '18°C and sunny.' }, finish_reason: 'stop' }]);
  });

  test("choices show the provider's finish reasons (tool_calls), not semconv's (tool_call), when there is one per choice", () => {
    const toolCall = JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: {} }], finish_reason: 'tool_call' }]);
    const withReasons = spanToRecord(makeSpan({ spanId: 'x', attributes: { ...CHAT, 'gen_ai.output.messages': toolCall, 'gen_ai.response.finish_reasons': ['tool_calls'] } }), { parentSpanId: undefined });
    expect((withReasons.output as Array<{ finish_reason: string }>)[0]!.finish_reason).toBe('tool_calls');
    const mismatched = spanToRecord(makeSpan({ spanId: 'y', attributes: { ...CHAT, 'gen_ai.output.messages': toolCall, 'gen_ai.response.finish_reasons': ['tool_calls', 'stop'] } }), { parentSpanId: undefined });
    expect((mismatched.output as Array<{ finish_reason: string }>)[0]!.finish_reason).toBe('tool_call');
  });

  test('metrics: tokens (prompt includes cached), reasoning, time to first token, start/end in seconds', () => {
    expect(record.metrics).toEqual({
      prompt_tokens: 1200,
      completion_tokens: 80,
      tokens: 1280,
      prompt_cached_tokens: 1024,
      completion_reasoning_tokens: 64,
      time_to_first_token: 0.25,
      start: 1_700_000_000.5,
      end: 1_700_000_002,
    });
  });

  test('metadata: model, provider, params, response facts, service, environment from the resource, endpoint', () => {
    expect(record.metadata).toMatchObject({
      model: 'gpt-4o-mini',
      provider: 'openai',
      response_model: 'gpt-4o-mini-2024-07-18',
      response_id: 'chatcmpl-1',
      finish_reasons: ['stop'],
      temperature: 0.2,
      max_tokens: 512,
      service: 'gateway',
      environment: 'prod',
      endpoint: '/v1/chat/completions',
      http_status: 200,
      server_address: 'api.openai.com',
    });
  });

  test('header attributes never reach the record', () => {
    expect(JSON.stringify(record)).not.toContain('sk-secret');
  });

  test('a root record has no parents; environment falls back to the option', () => {
    const root = spanToRecord(makeSpan({ spanId: 'r', attributes: CHAT, resource: {} }), { parentSpanId: undefined, environment: 'development' });
    expect(root.span_parents).toEqual([]);
    expect(root.metadata.environment).toBe('development');
  });
});

describe('spanToRecord: span types and token placement', () => {
  test('a server/root span is a task and never carries token metrics (counted once, on the LLM span)', () => {
    const server = makeSpan({ spanId: 's', kind: 1, attributes: { ...CHAT, 'gen_ai.operation.name': undefined, 'gen_ai.request.model': undefined, 'gen_ai.provider.name': undefined, 'http.route': '/v1/chat/completions' } });
    const record = spanToRecord(server, { parentSpanId: undefined });
    expect(record.span_attributes.type).toBe('task');
    expect(record.metrics.prompt_tokens).toBeUndefined();
    expect(record.metrics.tokens).toBeUndefined();
    expect(record.metadata.endpoint).toBe('/v1/chat/completions');
  });

  test('execute_tool → tool, with arguments and result as input/output', () => {
    const tool = makeSpan({ spanId: 't', parent: 'p', attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'weather', 'gen_ai.tool.call.arguments': '{"city":"Paris"}', 'gen_ai.tool.call.result': '{"temp":18}' } });
    const record = spanToRecord(tool, { parentSpanId: 'p' });
    expect(record.span_attributes.type).toBe('tool');
    expect(record.input).toEqual({ city: 'Paris' });
    expect(record.output).toEqual({ temp: 18 });
    expect(record.metadata.tool_name).toBe('weather');
  });

  test('an app span without AI attributes is a function, with the app\'s own attributes as metadata', () => {
    const record = spanToRecord(makeSpan({ spanId: 'f', parent: 'p', attributes: { 'app.tenant': 'acme', 'app.flags': ['a', 'b'], 'http.method': 'GET' } }), { parentSpanId: 'p' });
    expect(record.span_attributes.type).toBe('function');
    expect(record.metadata).toMatchObject({ 'app.tenant': 'acme', 'app.flags': ['a', 'b'] });
    expect(record.metadata['http.method']).toBeUndefined();
  });
});

describe('spanToRecord: errors', () => {
  test('provider code + exception message', () => {
    const span = makeSpan({
      spanId: 'e',
      attributes: { ...CHAT, 'error.type': 'rate_limit_exceeded', 'http.response.status_code': 429 },
      status: { code: 2, message: 'HTTP 429' },
      events: [{ name: 'exception', attributes: { 'exception.type': 'RateLimitError', 'exception.message': 'Rate limit reached for gpt-4o-mini' } }],
    });
    const record = spanToRecord(span, { parentSpanId: undefined });
    expect(record.error).toBe('rate_limit_exceeded: Rate limit reached for gpt-4o-mini');
    expect(record.metadata).toMatchObject({ error_type: 'rate_limit_exceeded', http_status: 429 });
  });

  test('status message alone; a cancelled call (error.type without error status) is not an error', () => {
    expect(spanToRecord(makeSpan({ spanId: 'x', status: { code: 2, message: 'socket hang up' } }), { parentSpanId: undefined }).error).toBe('socket hang up');
    const cancelled = spanToRecord(makeSpan({ spanId: 'c', attributes: { ...CHAT, 'error.type': 'cancelled' } }), { parentSpanId: undefined });
    expect(cancelled.error).toBeUndefined();
    expect(cancelled.metadata.error_type).toBe('cancelled');
  });
});

describe('spanToRecord: explicit braintrust.* attributes win', () => {
  test('input/output JSON, flattened metadata, metrics, span attributes, tags on roots only', () => {
    const attributes = {
      ...CHAT,
      'braintrust.input_json': '{"question":"hi"}',
      'braintrust.output': 'hello',
      'braintrust.metadata.user_tier': 'paid',
      'braintrust.metadata.model': 'my-alias',
      'braintrust.metrics': '{"custom_score": 0.5, "bad": "x"}',
      'braintrust.span_attributes': '{"type":"task","name":"answer"}',
      'braintrust.tags': ['beta', 'beta', 'eu'],
      'braintrust.parent': 'project_name:x',
    };
    const root = spanToRecord(makeSpan({ spanId: 'r', attributes }), { parentSpanId: undefined });
    expect(root.input).toEqual({ question: 'hi' });
    expect(root.output).toBe('hello');
    expect(root.metadata).toMatchObject({ user_tier: 'paid', model: 'my-alias', provider: 'openai' });
    expect(root.metrics.custom_score).toBe(0.5);
    expect(root.metrics.bad).toBeUndefined();
    expect(root.span_attributes).toEqual({ name: 'answer', type: 'task' });
    expect(root.tags).toEqual(['beta', 'eu']);
    expect(spanToRecord(makeSpan({ spanId: 'c', parent: 'r', attributes }), { parentSpanId: 'r' }).tags).toBeUndefined();
  });

  test('flattened message lists become arrays', () => {
    const record = spanToRecord(makeSpan({ spanId: 'f', attributes: { 'braintrust.input.0.role': 'user', 'braintrust.input.0.content': 'hi', 'braintrust.input.1.role': 'assistant', 'braintrust.input.1.content': 'yo' } }), { parentSpanId: undefined });
    expect(record.input).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'yo' },
    ]);
  });
});

describe('spanToRecord: bad values are dropped, never thrown', () => {
  test('NaN, negative and non-numeric token counts; invalid JSON content; 3.x object attributes; bigint', () => {
    const record = spanToRecord(
      makeSpan({
        spanId: 'b',
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.usage.input_tokens': Number.NaN,
          'gen_ai.usage.output_tokens': -3,
          'gen_ai.usage.cache_read.input_tokens': 'lots',
          'gen_ai.input.messages': '[{"role":"user",',
          'gen_ai.output.messages': 42,
          'app.object': { nested: { ok: true } },
          'app.big': 10n,
          'app.fn': () => 1,
        },
      }),
      { parentSpanId: undefined },
    );
    expect(record.metrics).toEqual({ start: 1_700_000_000, end: 1_700_000_001 });
    expect(record.input).toBeUndefined();
    expect(record.output).toBeUndefined();
    expect(record.metadata).toMatchObject({ 'app.object': { nested: { ok: true } }, 'app.big': '10' });
    expect('app.fn' in record.metadata).toBe(false);
    expect(() => JSON.stringify(record)).not.toThrow();
  });

  test('a span missing optional parts (1.x shape, no events, no resource) still translates', () => {
    const span = makeSpan({ spanId: 'old' });
    delete span.events;
    delete span.resource;
    const record = spanToRecord({ ...span, parentSpanId: 'p' }, { parentSpanId: 'p' });
    expect(record.span_parents).toEqual(['p']);
  });
});

describe('serializeRecord: the size cap', () => {
  const big = 'x'.repeat(600_000);
  const record = spanToRecord(
    makeSpan({
      spanId: 'big',
      attributes: { ...CHAT, 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: big }] }]), 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: big }], finish_reason: 'stop' }]) },
    }),
    { parentSpanId: undefined },
  );

  test('under the cap: the record as it is', () => {
    expect(JSON.parse(serializeRecord(record, 4 * 1024 * 1024))).toEqual(JSON.parse(JSON.stringify(record)));
  });

  test('over the cap: content shortened with a visible marker; ids, metrics and metadata kept', () => {
    const text = serializeRecord(record, 256 * 1024);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(256 * 1024);
    const parsed = JSON.parse(text);
    expect(parsed.id).toBe('big');
    expect(parsed.metrics).toEqual(record.metrics);
    expect(parsed.metadata).toMatchObject({ model: 'gpt-4o-mini', truncated: true });
    expect(parsed.input[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(parsed.input[1].content).toContain(TRUNCATION_MARKER);
    expect(parsed.output[0].message.content).toContain(TRUNCATION_MARKER);
    expect(parsed.output[0].message.role).toBe('assistant');
  });

  test('a small cap still fits, content cut short', () => {
    const text = serializeRecord(record, 2048);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2048);
    expect(JSON.parse(text).input[1].content).toMatch(/^x{1,1024}…\[truncated\]$/);
  });

  test('a cap below the skeleton: content replaced by a marker string, metrics kept', () => {
    const parsed = JSON.parse(serializeRecord(record, 100));
    expect(parsed.input).toMatch(/^\[truncated: the record exceeded 100 bytes\]$/);
    expect(parsed.metrics.prompt_tokens).toBe(1200);
  });
});

describe('spanToRecord: prompt tokens always include the cache', () => {
  const usage = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.usage.input_tokens': 20, 'gen_ai.usage.output_tokens': 5, 'gen_ai.usage.cache_read.input_tokens': 1000, 'gen_ai.usage.cache_creation.input_tokens': 200 };
  test('a semconv emitter (input includes the cache) is taken as is', () => {
    const record = spanToRecord(makeSpan({ spanId: 's', attributes: { ...usage, 'gen_ai.usage.input_tokens': 1220 } }), { parentSpanId: undefined });
    expect(record.metrics).toMatchObject({ prompt_tokens: 1220, prompt_cached_tokens: 1000, prompt_cache_creation_tokens: 200, tokens: 1225 });
  });
  test('a count smaller than its cached part excluded it: the cache is added', () => {
    const record = spanToRecord(makeSpan({ spanId: 's', attributes: usage }), { parentSpanId: undefined });
    expect(record.metrics).toMatchObject({ prompt_tokens: 1220, tokens: 1225 });
  });
  test('OpenLLMetry on Anthropic records the uncached count even when it is larger than the cache', () => {
    const span = makeSpan({ spanId: 's', attributes: { ...usage, 'gen_ai.usage.input_tokens': 5000 } });
    span.instrumentationScope = { name: '@traceloop/instrumentation-anthropic' };
    expect(spanToRecord(span, { parentSpanId: undefined }).metrics.prompt_tokens).toBe(6200);
  });
});

test('an HTTP span whose call an ancestor SDK span describes is a function: the call counts once', () => {
  const http = makeSpan({ spanId: 'h', parent: 'sdk', kind: 2, attributes: { ...CHAT, 'gen_ai.usage.input_tokens': undefined, 'otel_genai.described_by_ancestor': true } });
  const record = spanToRecord(http, { parentSpanId: 'sdk' });
  expect(record.span_attributes.type).toBe('function');
  expect(record.output).toBeDefined();
});

test("a server span named by its method alone gets its path in the record's name; other names are kept", () => {
  const server = (name: string) => spanToRecord(makeSpan({ spanId: 's', kind: 1, name, attributes: { 'url.path': '/v1/chat/completions', 'http.route': undefined } }), { parentSpanId: undefined });
  expect(server('POST').span_attributes.name).toBe('POST /v1/chat/completions');
  expect(server('POST /v1/chat/completions').span_attributes.name).toBe('POST /v1/chat/completions');
  expect(spanToRecord(makeSpan({ spanId: 'c', kind: 2, name: 'POST', attributes: { 'url.path': '/x' } }), { parentSpanId: undefined }).span_attributes.name).toBe('POST');
});

describe('spanToRecord: estimated_cost', () => {
  const estimateCost = costEstimatorFor({});

  test('the span\'s own gen_ai.usage.cost becomes metrics.estimated_cost (and wins over the table)', () => {
    const record = spanToRecord(makeSpan({ spanId: 'l', parent: 'p', kind: 2, attributes: { ...CHAT, 'gen_ai.usage.cost': 0.0123 } }), { parentSpanId: 'p', estimateCost: () => 99 });
    expect(record.metrics.estimated_cost).toBe(0.0123);
  });

  test('an LLM span with tokens but no cost (another instrumentation) is priced from the table', () => {
    // OpenLLMetry-style counts on gpt-4o-mini: $0.15 input, $0.075 cached input, $0.60 output per 1M.
    const attributes = { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'llm.request.type': 'chat', 'gen_ai.usage.prompt_tokens': 1000, 'gen_ai.usage.completion_tokens': 200 };
    const record = spanToRecord(makeSpan({ spanId: 'l', parent: 'p', kind: 2, attributes }), { parentSpanId: 'p', estimateCost });
    expect(record.span_attributes.type).toBe('llm');
    expect(record.metrics.estimated_cost).toBeCloseTo((1000 * 0.15 + 200 * 0.6) / 1e6, 12);
  });

  test('an unknown model gets no cost, never a guess; a task record never carries one', () => {
    const unknown = spanToRecord(makeSpan({ spanId: 'l', parent: 'p', kind: 2, attributes: { ...CHAT, 'gen_ai.request.model': 'my-own-model', 'gen_ai.response.model': 'my-own-model' } }), { parentSpanId: 'p', estimateCost });
    expect(unknown.metrics.estimated_cost).toBeUndefined();
    const server = spanToRecord(makeSpan({ spanId: 's', kind: 1, attributes: { ...CHAT, 'gen_ai.usage.cost': 0.5, 'http.route': '/v1/chat/completions' } }), { parentSpanId: undefined, estimateCost });
    expect(server.metrics.estimated_cost).toBeUndefined();
  });
});

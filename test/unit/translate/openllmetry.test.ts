import { openllmetry } from '../../../exporters/translate/openllmetry';
import type { SpanAttributeMap } from '../../../exporters/record';
import { spanWithAttributes } from '../../helpers/span-factory';

const facts = (attributes: SpanAttributeMap) => openllmetry(attributes, spanWithAttributes(attributes, { name: 'openai.chat' }));

describe('openllmetry dialect', () => {
  // @traceloop/instrumentation-openai 0.22.5, dist/index.js `startSpan` + `_endSpan` (chat, tool call answer).
  const openaiToolCall: SpanAttributeMap = {
    'gen_ai.system': 'OpenAI',
    'llm.request.type': 'chat',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.request.max_tokens': 256,
    'gen_ai.request.temperature': 0.2,
    'llm.frequency_penalty': 0.5,
    'gen_ai.prompt.0.role': 'system',
    'gen_ai.prompt.0.content': 'You are terse.',
    'gen_ai.prompt.1.role': 'user',
    'gen_ai.prompt.1.content': 'Weather in Paris?',
    'llm.request.functions.0.name': 'get_weather',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'llm.usage.total_tokens': 70,
    'gen_ai.usage.completion_tokens': 18,
    'gen_ai.usage.prompt_tokens': 52,
    'gen_ai.completion.0.finish_reason': 'tool_calls',
    'gen_ai.completion.0.role': 'assistant',
    'gen_ai.completion.0.content': '',
    'gen_ai.completion.0.tool_calls.0.name': 'get_weather',
    'gen_ai.completion.0.tool_calls.0.arguments': '{"city":"Paris"}',
  };

  it('renders a text chat as OpenAI messages and choices', () => {
    const result = facts({
      'gen_ai.system': 'OpenAI',
      'llm.request.type': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'Say hi',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.completion.0.finish_reason': 'stop',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'Hi!',
    });
    expect(result).toEqual({
      input: [{ role: 'user', content: 'Say hi' }],
      output: [{ index: 0, message: { role: 'assistant', content: 'Hi!' }, finish_reason: 'stop' }],
      type: 'llm',
      metadata: { model: 'gpt-4o-mini', response_model: 'gpt-4o-mini-2024-07-18', provider: 'openai', finish_reasons: ['stop'] },
    });
  });

  it('renders a tool-call answer, usage and request parameters', () => {
    const result = facts(openaiToolCall);
    expect(result?.input).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Weather in Paris?' },
    ]);
    // The JS instrumentation writes "" for the null content of a tool-calling message.
    expect(result?.output).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        finish_reason: 'tool_calls',
      },
    ]);
    expect(result?.metrics).toEqual({ prompt_tokens: 52, completion_tokens: 18, tokens: 70 });
    expect(result?.metadata).toEqual({
      model: 'gpt-4o-mini',
      response_model: 'gpt-4o-mini-2024-07-18',
      provider: 'openai',
      max_tokens: 256,
      temperature: 0.2,
      frequency_penalty: 0.5,
      finish_reasons: ['tool_calls'],
    });
  });

  // openllmetry (Python) opentelemetry-instrumentation-openai, shared/chat_wrappers.py `_set_prompts`.
  it('renders prompt tool calls and tool results with their ids', () => {
    const result = facts({
      'gen_ai.system': 'openai',
      'llm.request.type': 'chat',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'Weather in Paris?',
      'gen_ai.prompt.1.role': 'assistant',
      'gen_ai.prompt.1.tool_calls.0.id': 'call_1',
      'gen_ai.prompt.1.tool_calls.0.name': 'get_weather',
      'gen_ai.prompt.1.tool_calls.0.arguments': '{"city":"Paris"}',
      'gen_ai.prompt.1.tool_calls.1.id': 'call_2',
      'gen_ai.prompt.1.tool_calls.1.name': 'get_time',
      'gen_ai.prompt.2.role': 'tool',
      'gen_ai.prompt.2.content': '18°C',
      'gen_ai.prompt.2.tool_call_id': 'call_1',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'It is 18°C.',
      'gen_ai.completion.0.finish_reason': 'stop',
      'gen_ai.response.id': 'chatcmpl-1',
    });
    expect(result?.input).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      { role: 'tool', content: '18°C', tool_call_id: 'call_1' },
    ]);
    expect(result?.metadata).toMatchObject({ response_id: 'chatcmpl-1' });
  });

  it('orders indexed messages numerically, not by attribute order', () => {
    const result = facts({
      'llm.request.type': 'chat',
      'gen_ai.prompt.10.role': 'user',
      'gen_ai.prompt.10.content': 'eleventh',
      'gen_ai.prompt.2.role': 'user',
      'gen_ai.prompt.2.content': 'third',
    });
    expect(result?.input).toEqual([
      { role: 'user', content: 'third' },
      { role: 'user', content: 'eleventh' },
    ]);
  });

  it('reads the legacy function_call of a completion as a tool call', () => {
    const result = facts({
      'llm.request.type': 'chat',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': '',
      'gen_ai.completion.0.function_call.name': 'lookup',
      'gen_ai.completion.0.function_call.arguments': '{"q":"x"}',
    });
    expect(result?.output).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
        finish_reason: null,
      },
    ]);
  });

  // @traceloop/instrumentation-openai 0.22.5: non-string content is JSON.stringify(message.content).
  it('renders multimodal OpenAI content parts', () => {
    const result = facts({
      'llm.request.type': 'chat',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': JSON.stringify([
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
      ]),
    });
    expect(result?.input).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
        ],
      },
    ]);
  });

  it('joins an all-text part list into a string, and reads JSON null content as null', () => {
    const result = facts({
      'llm.request.type': 'chat',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': JSON.stringify([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }]),
      'gen_ai.prompt.1.role': 'assistant',
      'gen_ai.prompt.1.content': 'null',
    });
    expect(result?.input).toEqual([
      { role: 'user', content: 'ab' },
      { role: 'assistant', content: null },
    ]);
  });

  // @traceloop/instrumentation-anthropic 0.22.6, dist/index.js: system first, block content and the
  // completion as JSON.stringify(result.content); usage is Anthropic's (cache-exclusive) input_tokens.
  it('renders Anthropic content blocks: images, tool_use, tool_result, thinking', () => {
    const result = facts({
      'gen_ai.system': 'Anthropic',
      'llm.request.type': 'chat',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.request.max_tokens': 1024,
      'llm.top_k': 5,
      'gen_ai.prompt.0.role': 'system',
      'gen_ai.prompt.0.content': 'Be brief.',
      'gen_ai.prompt.1.role': 'user',
      'gen_ai.prompt.1.content': JSON.stringify([
        { type: 'text', text: 'Weather here?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      ]),
      'gen_ai.prompt.2.role': 'assistant',
      'gen_ai.prompt.2.content': JSON.stringify([
        { type: 'thinking', thinking: 'Need the tool.', signature: 'sig' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
      ]),
      'gen_ai.prompt.3.role': 'user',
      'gen_ai.prompt.3.content': JSON.stringify([
        { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18°C' }] },
      ]),
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'llm.usage.total_tokens': 130,
      'gen_ai.usage.completion_tokens': 30,
      'gen_ai.usage.prompt_tokens': 100,
      'gen_ai.completion.0.finish_reason': 'end_turn',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': JSON.stringify([{ type: 'text', text: 'Sunny, 18°C.' }]),
    });
    expect(result?.input).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather here?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        reasoning: 'Need the tool.',
      },
      { role: 'tool', content: '18°C', tool_call_id: 'toolu_1' },
    ]);
    expect(result?.output).toEqual([{ index: 0, message: { role: 'assistant', content: 'Sunny, 18°C.' }, finish_reason: 'end_turn' }]);
    expect(result?.metrics).toEqual({ prompt_tokens: 100, completion_tokens: 30, tokens: 130 });
    expect(result?.metadata).toMatchObject({
      model: 'claude-sonnet-4-5',
      response_model: 'claude-sonnet-4-5-20250929',
      provider: 'anthropic',
      max_tokens: 1024,
      top_k: 5,
    });
  });

  it('reads tool_use blocks of an Anthropic completion as tool calls', () => {
    const result = facts({
      'llm.request.type': 'chat',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.finish_reason': 'tool_use',
      'gen_ai.completion.0.content': JSON.stringify([
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Oslo' } },
      ]),
    });
    expect(result?.output).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [{ id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
        },
        finish_reason: 'tool_use',
      },
    ]);
  });

  // openllmetry (Python) opentelemetry-instrumentation-anthropic, span_utils.py: tool_use blocks are written
  // both inside the content JSON and as tool_calls.M.*; a thinking block is a completion of its own.
  it('does not duplicate tool calls written both as blocks and as tool_calls attributes', () => {
    const result = facts({
      'llm.request.type': 'chat',
      'gen_ai.prompt.0.role': 'assistant',
      'gen_ai.prompt.0.content': JSON.stringify([
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
      ]),
      'gen_ai.prompt.0.tool_calls.0.id': 'toolu_1',
      'gen_ai.prompt.0.tool_calls.0.name': 'get_weather',
      'gen_ai.prompt.0.tool_calls.0.arguments': '{"city": "Paris"}',
    });
    expect(result?.input).toEqual([
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }],
      },
    ]);
  });

  it('folds a Python thinking completion into the answer as reasoning, keeping its finish reason', () => {
    const result = facts({
      'llm.request.type': 'chat',
      'gen_ai.completion.0.finish_reason': 'end_turn',
      'gen_ai.completion.0.role': 'thinking',
      'gen_ai.completion.0.content': 'The user wants a number.',
      'gen_ai.completion.1.role': 'assistant',
      'gen_ai.completion.1.content': '42',
    });
    expect(result?.output).toEqual([
      { index: 0, message: { role: 'assistant', content: '42', reasoning: 'The user wants a number.' }, finish_reason: 'end_turn' },
    ]);
  });

  it('keeps a thinking completion with no answer after it', () => {
    const result = facts({
      'llm.request.type': 'chat',
      'gen_ai.completion.0.role': 'thinking',
      'gen_ai.completion.0.content': 'Hmm.',
    });
    expect(result?.output).toEqual([{ index: 0, message: { role: 'assistant', content: null, reasoning: 'Hmm.' }, finish_reason: null }]);
  });

  it('reads the prompt of Python Anthropic legacy completions (`gen_ai.prompt.0.user`)', () => {
    const result = facts({ 'llm.request.type': 'completion', 'gen_ai.prompt.0.user': '\n\nHuman: Hi\n\nAssistant:' });
    expect(result?.input).toEqual([{ role: 'user', content: '\n\nHuman: Hi\n\nAssistant:' }]);
    expect(result?.type).toBe('llm');
  });

  describe('cache tokens', () => {
    // Python openllmetry anthropic `_set_token_usage`: prompt_tokens = input + cache_read + cache_creation.
    it('takes a prompt count that already includes the cache as is', () => {
      const result = facts({
        'gen_ai.system': 'Anthropic',
        'llm.request.type': 'chat',
        'gen_ai.usage.prompt_tokens': 1200,
        'gen_ai.usage.completion_tokens': 50,
        'llm.usage.total_tokens': 1250,
        'gen_ai.usage.cache_read_input_tokens': 1000,
        'gen_ai.usage.cache_creation_input_tokens': 190,
      });
      expect(result?.metrics).toEqual({
        prompt_tokens: 1200,
        completion_tokens: 50,
        tokens: 1250,
        prompt_cached_tokens: 1000,
        prompt_cache_creation_tokens: 190,
      });
    });

    it('adds the cache to a prompt count smaller than the cache itself', () => {
      const result = facts({
        'llm.request.type': 'chat',
        'gen_ai.usage.prompt_tokens': 10,
        'gen_ai.usage.completion_tokens': 5,
        'gen_ai.usage.cache_read_input_tokens': 1000,
      });
      expect(result?.metrics).toEqual({ prompt_tokens: 1010, completion_tokens: 5, tokens: 1015, prompt_cached_tokens: 1000 });
    });

    it('adds the cache when the total counts it apart from the prompt', () => {
      const result = facts({
        'llm.request.type': 'chat',
        'gen_ai.usage.prompt_tokens': 300,
        'gen_ai.usage.completion_tokens': 50,
        'llm.usage.total_tokens': 450,
        'gen_ai.usage.cache_creation_input_tokens': 100,
      });
      expect(result?.metrics).toMatchObject({ prompt_tokens: 400, tokens: 450, prompt_cache_creation_tokens: 100 });
    });

    it('reads cached tokens of an OpenAI call (a part of prompt_tokens) without adding them', () => {
      const result = facts({
        'llm.request.type': 'chat',
        'gen_ai.usage.prompt_tokens': 2000,
        'gen_ai.usage.completion_tokens': 10,
        'llm.usage.total_tokens': 2010,
        'gen_ai.usage.cache_read_input_tokens': 1920,
        'gen_ai.usage.reasoning_tokens': 4,
      });
      expect(result?.metrics).toEqual({
        prompt_tokens: 2000,
        completion_tokens: 10,
        tokens: 2010,
        prompt_cached_tokens: 1920,
        completion_reasoning_tokens: 4,
      });
    });

    it('reads the renamed usage attributes of later versions', () => {
      const result = facts({
        'llm.request.type': 'chat',
        'gen_ai.usage.input_tokens': 7,
        'gen_ai.usage.output_tokens': 3,
      });
      expect(result?.metrics).toEqual({ prompt_tokens: 7, completion_tokens: 3, tokens: 10 });
    });
  });

  describe('span types', () => {
    it.each([
      ['chat', 'llm'],
      ['completion', 'llm'],
      ['embedding', 'llm'],
      ['rerank', undefined],
      ['unknown', undefined],
    ])('llm.request.type %s → %s', (requestType, type) => {
      expect(facts({ 'llm.request.type': requestType })?.type).toBe(type);
    });
  });

  // @traceloop/node-server-sdk 0.27.0, dist/index.js `withEntity`: input is {args, kwargs}, output serialize(result).
  describe('workflow, task, agent and tool spans', () => {
    it('reads the entity input and output of a workflow, with no type', () => {
      const result = facts({
        'traceloop.workflow.name': 'plan_trip',
        'traceloop.entity.name': 'plan_trip',
        'traceloop.entity.path': '',
        'traceloop.span.kind': 'workflow',
        'traceloop.entity.input': JSON.stringify({ args: [], kwargs: { city: 'Paris' } }),
        'traceloop.entity.output': JSON.stringify({ days: 3 }),
        'traceloop.association.properties.user_id': 'u-1',
      });
      expect(result).toEqual({
        input: { args: [], kwargs: { city: 'Paris' } },
        output: { days: 3 },
        metadata: { user_id: 'u-1' },
      });
    });

    it('types a tool span as tool', () => {
      const result = facts({
        'traceloop.span.kind': 'tool',
        'traceloop.entity.name': 'get_weather',
        'traceloop.entity.input': JSON.stringify({ args: ['Paris'], kwargs: {} }),
        'traceloop.entity.output': '"18°C"',
      });
      expect(result).toEqual({ type: 'tool', input: { args: ['Paris'], kwargs: {} }, output: '18°C' });
    });

    it.each(['task', 'agent'])('leaves %s spans untyped', (kind) => {
      expect(facts({ 'traceloop.span.kind': kind })?.type).toBeUndefined();
    });

    it('keeps entity text that is not JSON as text', () => {
      const result = facts({ 'traceloop.span.kind': 'task', 'traceloop.entity.input': 'not {json', 'traceloop.entity.output': '' });
      expect(result?.input).toBe('not {json');
      expect(result?.output).toBe('');
    });
  });

  describe('missing and invalid values', () => {
    it('drops invalid token counts and parameters', () => {
      const result = facts({
        'llm.request.type': 'chat',
        'gen_ai.usage.prompt_tokens': Number.NaN,
        'gen_ai.usage.completion_tokens': 'twelve',
        'llm.usage.total_tokens': -5,
        'gen_ai.usage.cache_read_input_tokens': Number.POSITIVE_INFINITY,
        'gen_ai.usage.reasoning_tokens': { count: 3 },
        'gen_ai.request.temperature': 'hot',
        'gen_ai.request.top_p': Number.NaN,
        'gen_ai.request.max_tokens': true,
        'llm.chat.stop_sequences': [1, 2],
        'gen_ai.system': 42,
        'gen_ai.request.model': '',
      });
      expect(result).toEqual({ type: 'llm' });
    });

    it('reads counts and parameters recorded as numeric strings, as the other dialects do', () => {
      const result = facts({
        'llm.request.type': 'chat',
        'gen_ai.usage.prompt_tokens': '12',
        'gen_ai.usage.completion_tokens': 3,
        'gen_ai.request.temperature': '0.5',
        'llm.chat.stop_sequences': ['END'],
      });
      expect(result?.metrics).toEqual({ prompt_tokens: 12, completion_tokens: 3, tokens: 15 });
      expect(result?.metadata).toEqual({ temperature: 0.5, stop_sequences: ['END'] });
    });

    it('keeps text that only looks like JSON as text', () => {
      const result = facts({
        'llm.request.type': 'chat',
        'gen_ai.prompt.0.role': 'user',
        'gen_ai.prompt.0.content': '[1, 2, 3]',
        'gen_ai.prompt.1.role': 'user',
        'gen_ai.prompt.1.content': '[{"type": broken',
        'gen_ai.prompt.2.role': 'user',
        'gen_ai.prompt.2.content': '[]',
      });
      expect(result?.input).toEqual([
        { role: 'user', content: '[1, 2, 3]' },
        { role: 'user', content: '[{"type": broken' },
        { role: 'user', content: '[]' },
      ]);
    });

    it('fills in a missing role, a non-string content and malformed tool calls', () => {
      const result = facts({
        'llm.request.type': 'chat',
        'gen_ai.prompt.0.content': 'no role',
        'gen_ai.prompt.1.role': 7,
        'gen_ai.prompt.1.content': { structured: true },
        'gen_ai.completion.0.tool_calls.0.name': 99,
        'gen_ai.completion.0.tool_calls.x.name': 'ignored',
        'gen_ai.prompt.x.role': 'ignored',
      });
      expect(result?.input).toEqual([
        { role: 'user', content: 'no role' },
        { role: 'user', content: '{"structured":true}' },
      ]);
      expect(result?.output).toEqual([
        { index: 0, message: { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: '', arguments: '{}' } }] }, finish_reason: null },
      ]);
    });

    it('never throws on hostile values', () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const hostile: unknown[] = [undefined, null, Symbol('s'), 10n, circular, [circular], () => 1, Number.NaN, '', '[', 'null', [null], {}];
      const keys = [
        'llm.request.type',
        'traceloop.span.kind',
        'traceloop.entity.input',
        'traceloop.entity.output',
        'gen_ai.prompt.0.role',
        'gen_ai.prompt.0.content',
        'gen_ai.prompt.0.tool_calls.0.arguments',
        'gen_ai.completion.0.content',
        'gen_ai.completion.0.role',
        'gen_ai.usage.prompt_tokens',
        'gen_ai.system',
        'llm.chat.stop_sequences',
      ];
      for (const value of hostile) {
        const attributes = Object.fromEntries(keys.map((key) => [key, value]));
        expect(() => facts({ ...attributes, 'llm.request.type': 'chat' })).not.toThrow();
        expect(() => facts(attributes)).not.toThrow();
      }
    });
  });

  it('returns undefined for a span without OpenLLMetry attributes', () => {
    expect(facts({})).toBeUndefined();
    // Shared with the semconv dialect and Vercel AI: not enough to claim the span.
    expect(
      facts({
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.prompt_tokens': 5,
        'http.request.method': 'POST',
      }),
    ).toBeUndefined();
  });
});

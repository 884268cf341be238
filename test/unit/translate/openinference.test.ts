import { openinference } from '../../../exporters/translate/openinference';
import type { SpanAttributeMap } from '../../../exporters/record';
import { spanWithAttributes } from '../../helpers/span-factory';

const facts = (attributes: SpanAttributeMap) => openinference(attributes, spanWithAttributes(attributes, { name: 'OpenAI Chat Completions' }));

describe('openinference dialect', () => {
  // @arizeai/openinference-instrumentation-openai 4.2.7, src/instrumentation.ts: chat completions create.
  const requestBody = {
    model: 'gpt-4o-mini',
    temperature: 0.2,
    max_tokens: 256,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hi' },
    ],
  };
  const openaiChat: SpanAttributeMap = {
    'openinference.span.kind': 'LLM',
    'llm.model_name': 'gpt-4o-mini-2024-07-18',
    'input.value': JSON.stringify(requestBody),
    'input.mime_type': 'application/json',
    'llm.invocation_parameters': JSON.stringify({ model: 'gpt-4o-mini', temperature: 0.2, max_tokens: 256 }),
    'llm.system': 'openai',
    'llm.provider': 'openai',
    'llm.input_messages.0.message.role': 'system',
    'llm.input_messages.0.message.content': 'You are terse.',
    'llm.input_messages.1.message.role': 'user',
    'llm.input_messages.1.message.content': 'Say hi',
    'output.value': JSON.stringify({ id: 'chatcmpl-1', choices: [] }),
    'output.mime_type': 'application/json',
    'llm.output_messages.0.message.role': 'assistant',
    'llm.output_messages.0.message.content': 'Hi!',
    'llm.finish_reason': 'stop',
    'llm.token_count.completion': 3,
    'llm.token_count.prompt': 20,
    'llm.token_count.total': 23,
    'llm.token_count.prompt_details.cache_read': 0,
    'llm.token_count.prompt_details.audio': 0,
    'llm.token_count.completion_details.reasoning': 0,
  };

  it('renders a text chat from the flattened messages, with usage and parameters', () => {
    expect(facts(openaiChat)).toEqual({
      type: 'llm',
      input: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hi' },
      ],
      output: [{ index: 0, message: { role: 'assistant', content: 'Hi!' }, finish_reason: 'stop' }],
      metrics: { prompt_tokens: 20, completion_tokens: 3, tokens: 23, prompt_cached_tokens: 0, completion_reasoning_tokens: 0 },
      // The instrumentation overwrites llm.model_name with the response's model; the request's is in the parameters.
      metadata: {
        model: 'gpt-4o-mini',
        response_model: 'gpt-4o-mini-2024-07-18',
        provider: 'openai',
        temperature: 0.2,
        max_tokens: 256,
        finish_reasons: ['stop'],
      },
    });
  });

  it('renders tool calls and tool results', () => {
    const result = facts({
      'openinference.span.kind': 'LLM',
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.content': 'Weather in Paris?',
      'llm.input_messages.1.message.role': 'assistant',
      'llm.input_messages.1.message.tool_calls.0.tool_call.id': 'call_1',
      'llm.input_messages.1.message.tool_calls.0.tool_call.function.name': 'get_weather',
      'llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments': '{"city":"Paris"}',
      'llm.input_messages.2.message.role': 'tool',
      'llm.input_messages.2.message.content': '18°C',
      'llm.input_messages.2.message.tool_call_id': 'call_1',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_2',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'get_time',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{}',
      'llm.finish_reason': 'tool_calls',
    });
    expect(result?.input).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', content: '18°C', tool_call_id: 'call_1' },
    ]);
    expect(result?.output).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] },
        finish_reason: 'tool_calls',
      },
    ]);
  });

  it('renders legacy function calls and function results', () => {
    const result = facts({
      'openinference.span.kind': 'LLM',
      'llm.input_messages.0.message.role': 'function',
      'llm.input_messages.0.message.function_call_name': 'lookup',
      'llm.input_messages.0.message.content': '{"found":true}',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.function_call_name': 'lookup',
      'llm.output_messages.0.message.function_call_arguments_json': '{"q":"x"}',
    });
    expect(result?.input).toEqual([{ role: 'function', name: 'lookup', content: '{"found":true}' }]);
    expect(result?.output).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
        finish_reason: null,
      },
    ]);
  });

  // getChatCompletionInputMessageAttributes: array content becomes contents.M.message_content.*.
  it('renders multimodal contents', () => {
    const result = facts({
      'openinference.span.kind': 'LLM',
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.contents.0.message_content.type': 'text',
      'llm.input_messages.0.message.contents.0.message_content.text': 'What is this?',
      'llm.input_messages.0.message.contents.1.message_content.type': 'image',
      'llm.input_messages.0.message.contents.1.message_content.image.image.url': 'https://example.com/cat.png',
    });
    expect(result?.input).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
        ],
      },
    ]);
  });

  // @arizeai/openinference-instrumentation-anthropic 0.2.8, src/instrumentation.ts.
  describe('Anthropic shapes', () => {
    it('renders tool_use (once), tool_result, thinking and data-less base64 images', () => {
      const result = facts({
        'openinference.span.kind': 'LLM',
        'llm.system': 'anthropic',
        'llm.provider': 'anthropic',
        'llm.model_name': 'claude-sonnet-4-5-20250929',
        'llm.input_messages.0.message.role': 'user',
        'llm.input_messages.0.message.contents.0.message_content.type': 'text',
        'llm.input_messages.0.message.contents.0.message_content.text': 'Weather here?',
        'llm.input_messages.0.message.contents.1.message_content.type': 'image',
        'llm.input_messages.0.message.contents.1.message_content.image.type': 'base64',
        'llm.input_messages.0.message.contents.1.message_content.image.media_type': 'image/png',
        'llm.input_messages.1.message.role': 'assistant',
        'llm.input_messages.1.message.contents.0.message_content.type': 'reasoning',
        'llm.input_messages.1.message.contents.0.message_content.text': 'Need the tool.',
        'llm.input_messages.1.message.contents.0.message_content.signature': 'sig',
        'llm.input_messages.1.message.contents.1.message_content.type': 'tool_use',
        'llm.input_messages.1.message.contents.1.tool_call.id': 'toolu_1',
        'llm.input_messages.1.message.contents.1.tool_call.function.name': 'get_weather',
        'llm.input_messages.1.message.contents.1.tool_call.function.arguments': '{"city":"Paris"}',
        'llm.input_messages.1.message.tool_calls.0.tool_call.id': 'toolu_1',
        'llm.input_messages.1.message.tool_calls.0.tool_call.function.name': 'get_weather',
        'llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments': '{"city":"Paris"}',
        'llm.input_messages.2.message.role': 'user',
        'llm.input_messages.2.message.tool_call_id': 'toolu_1',
        'llm.input_messages.2.message.content': '18°C',
        'llm.output_messages.0.message.role': 'assistant',
        'llm.output_messages.0.message.contents.0.message_content.type': 'text',
        'llm.output_messages.0.message.contents.0.message_content.text': 'Sunny.',
        'llm.finish_reason': 'end_turn',
      });
      expect(result?.input).toEqual([
        { role: 'user', content: 'Weather here?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
          reasoning: 'Need the tool.',
        },
        { role: 'tool', content: '18°C', tool_call_id: 'toolu_1' },
      ]);
      expect(result?.output).toEqual([{ index: 0, message: { role: 'assistant', content: 'Sunny.' }, finish_reason: 'end_turn' }]);
      expect(result?.metadata).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929' });
    });

    it('falls back to tool_use contents when no tool_calls are recorded', () => {
      const result = facts({
        'openinference.span.kind': 'LLM',
        'llm.output_messages.0.message.role': 'assistant',
        'llm.output_messages.0.message.contents.0.message_content.type': 'tool_use',
        'llm.output_messages.0.message.contents.0.tool_call.id': 'toolu_9',
        'llm.output_messages.0.message.contents.0.tool_call.function.name': 'search',
        'llm.output_messages.0.message.contents.0.tool_call.function.arguments': '{"q":"otel"}',
        'llm.output_messages.0.message.contents.1.message_content.type': 'fallback',
        'llm.output_messages.0.message.contents.1.message_content.text': 'claude-a -> claude-b',
      });
      expect(result?.output).toEqual([
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'claude-a -> claude-b',
            tool_calls: [{ id: 'toolu_9', type: 'function', function: { name: 'search', arguments: '{"q":"otel"}' } }],
          },
          finish_reason: null,
        },
      ]);
    });

    // getAnthropicUsageAttributes: prompt = input_tokens + cache_write + cache_read.
    it('takes the prompt count (already including the cache) as is', () => {
      const result = facts({
        'openinference.span.kind': 'LLM',
        'llm.token_count.prompt': 1200,
        'llm.token_count.completion': 50,
        'llm.token_count.total': 1250,
        'llm.token_count.prompt_details.cache_write': 190,
        'llm.token_count.prompt_details.cache_read': 1000,
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
        'openinference.span.kind': 'LLM',
        'llm.token_count.prompt': 10,
        'llm.token_count.completion': 5,
        'llm.token_count.total': 15,
        'llm.token_count.prompt_details.cache_read': 1000,
      });
      expect(result?.metrics).toEqual({ prompt_tokens: 1010, completion_tokens: 5, tokens: 1015, prompt_cached_tokens: 1000 });
    });
  });

  it('applies llm.finish_reason to a lone output message only', () => {
    const result = facts({
      'openinference.span.kind': 'LLM',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.content': 'a',
      'llm.output_messages.1.message.role': 'assistant',
      'llm.output_messages.1.message.content': 'b',
      'llm.finish_reason': 'stop',
    });
    expect(result?.output).toEqual([
      { index: 0, message: { role: 'assistant', content: 'a' }, finish_reason: null },
      { index: 1, message: { role: 'assistant', content: 'b' }, finish_reason: null },
    ]);
    expect(result?.metadata).toEqual({ finish_reasons: ['stop'] });
  });

  it('falls back to input.value / output.value when there are no messages', () => {
    // getCompletionInputValueAndMimeType / getCompletionOutputValueAndMimeType: legacy completions, text/plain.
    const result = facts({
      'openinference.span.kind': 'LLM',
      'input.value': 'Once upon a time',
      'input.mime_type': 'text/plain',
      'output.value': ' there was a span.',
      'output.mime_type': 'text/plain',
    });
    expect(result).toMatchObject({ input: 'Once upon a time', output: ' there was a span.', type: 'llm' });
  });

  it('reads a tool span: JSON input, text output, tool name', () => {
    const result = facts({
      'openinference.span.kind': 'TOOL',
      'tool.name': 'get_weather',
      'tool.description': 'Weather by city',
      'input.value': '{"city":"Paris"}',
      'input.mime_type': 'application/json',
      'output.value': '18°C',
    });
    expect(result).toEqual({ type: 'tool', input: { city: 'Paris' }, output: '18°C', metadata: { tool_name: 'get_weather' } });
  });

  it('reads a chain span with session, user, user metadata and tags, and no type', () => {
    const result = facts({
      'openinference.span.kind': 'CHAIN',
      'tag.tags': ['beta', 'eu'],
      'input.value': '{"question":"why?"}',
      'input.mime_type': 'application/json; charset=utf-8',
      'output.value': 'because',
      'session.id': 'sess-1',
      'user.id': 'user-1',
      metadata: JSON.stringify({ tenant: 'acme', model: 'user-label' }),
    });
    expect(result).toEqual({
      input: { question: 'why?' },
      output: 'because',
      metadata: { tenant: 'acme', model: 'user-label', session_id: 'sess-1', user_id: 'user-1' },
      tags: ['beta', 'eu'],
    });
  });

  it.each([
    ['LLM', 'llm'],
    ['llm', 'llm'],
    ['TOOL', 'tool'],
    ['CHAIN', undefined],
    ['AGENT', undefined],
    ['RETRIEVER', undefined],
    ['EMBEDDING', undefined],
  ])('span kind %s → type %s', (kind, type) => {
    expect(facts({ 'openinference.span.kind': kind })?.type).toBe(type);
  });

  it('names the requested model `model` and the served one `response_model`', () => {
    expect(facts({ 'openinference.span.kind': 'LLM', 'llm.request.model_name': 'req', 'llm.response.model_name': 'resp', 'llm.model_name': 'm' })?.metadata).toEqual({
      model: 'req',
      response_model: 'resp',
    });
    expect(facts({ 'openinference.span.kind': 'LLM', 'llm.response.model_name': 'resp' })?.metadata).toEqual({ model: 'resp', response_model: 'resp' });
  });

  // What 4.2.7 records for a call that was answered by another model name than the one asked for: the response's
  // in llm.model_name when not streaming, the request's (unchanged) when streaming.
  it.each([
    ['not streaming', 'gpt-4o-mini-2024-07-18', { model: 'gpt-4o-mini', response_model: 'gpt-4o-mini-2024-07-18' }],
    ['streaming', 'gpt-4o-mini', { model: 'gpt-4o-mini' }],
  ])('takes the requested model from the invocation parameters (%s)', (mode, modelName, expected) => {
    const result = facts({
      'openinference.span.kind': 'LLM',
      'llm.model_name': modelName,
      'llm.invocation_parameters': JSON.stringify({ model: 'gpt-4o-mini', stream: mode === 'streaming' }),
    });
    expect(result?.metadata).toEqual({ ...expected, stream: mode === 'streaming' });
  });

  it('renders the "" content of a streamed answer that only calls tools as null', () => {
    // 4.2.7 `consumeChatCompletionStreamChunks`: the joined text deltas are the content, "" when there were none.
    const result = facts({
      'openinference.span.kind': 'LLM',
      'llm.output_messages.0.message.content': '',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_1',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'get_weather',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"location": "London"}',
      'llm.finish_reason': 'tool_calls',
    });
    expect(result?.output).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location": "London"}' } }] },
        finish_reason: 'tool_calls',
      },
    ]);
    // Without tool calls an empty answer stays the empty string.
    expect(facts({ 'llm.output_messages.0.message.content': '', 'llm.output_messages.0.message.role': 'assistant' })?.output).toEqual([
      { index: 0, message: { role: 'assistant', content: '' }, finish_reason: null },
    ]);
  });

  it('takes llm.system as the provider when llm.provider is missing', () => {
    expect(facts({ 'openinference.span.kind': 'LLM', 'llm.system': 'openai' })?.metadata).toEqual({ provider: 'openai' });
  });

  describe('missing and invalid values', () => {
    it('drops invalid token counts and keeps unparsable JSON values as text', () => {
      const result = facts({
        'openinference.span.kind': 'LLM',
        'llm.token_count.prompt': Number.NaN,
        'llm.token_count.completion': 'three',
        'llm.token_count.total': -1,
        'llm.token_count.completion_details.reasoning': false,
        'llm.token_count.prompt_details.cache_read': Number.POSITIVE_INFINITY,
        'llm.invocation_parameters': '{bad json',
        metadata: '[1,2]',
        'input.value': '{bad json',
        'input.mime_type': 'application/json',
        'session.id': 12,
      });
      expect(result).toEqual({ type: 'llm', input: '{bad json' });
    });

    it('drops invocation parameters that are content; the model is the requested `model`', () => {
      const result = facts({
        'openinference.span.kind': 'LLM',
        'llm.invocation_parameters': JSON.stringify({ model: 'x', messages: [], input: 'i', prompt: 'p', top_p: 0.9, stream: true }),
      });
      expect(result?.metadata).toEqual({ model: 'x', top_p: 0.9, stream: true });
    });

    it('fills in missing roles and skips malformed indexes and empty images', () => {
      const result = facts({
        'openinference.span.kind': 'LLM',
        'llm.input_messages.0.message.content': 'no role',
        'llm.input_messages.x.message.role': 'ignored',
        'llm.input_messages.1.role': 'ignored (no message. segment)',
        'llm.input_messages.2.message.contents.0.message_content.type': 'image',
        'llm.input_messages.2.message.contents.0.message_content.image.image.url': 42,
        'llm.output_messages.0.message.content': 'no role',
        'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 7,
      });
      expect(result?.input).toEqual([
        { role: 'user', content: 'no role' },
        { role: 'user', content: null },
      ]);
      expect(result?.output).toEqual([
        { index: 0, message: { role: 'assistant', content: 'no role', tool_calls: [{ type: 'function', function: { name: '', arguments: '{}' } }] }, finish_reason: null },
      ]);
    });

    it('never throws on hostile values', () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const hostile: unknown[] = [undefined, null, Symbol('s'), 10n, circular, [circular], () => 1, Number.NaN, '', '{', [null], {}];
      const keys = [
        'openinference.span.kind',
        'input.value',
        'input.mime_type',
        'output.value',
        'output.mime_type',
        'metadata',
        'llm.invocation_parameters',
        'llm.input_messages.0.message.role',
        'llm.input_messages.0.message.content',
        'llm.input_messages.0.message.contents.0.message_content.type',
        'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments',
        'llm.token_count.prompt',
        'llm.finish_reason',
      ];
      for (const value of hostile) {
        const attributes = Object.fromEntries(keys.map((key) => [key, value]));
        expect(() => facts({ ...attributes, 'openinference.span.kind': 'LLM', 'input.mime_type': 'application/json' })).not.toThrow();
        expect(() => facts(attributes)).not.toThrow();
      }
    });
  });

  it('returns undefined for a span without OpenInference attributes', () => {
    expect(facts({})).toBeUndefined();
    expect(facts({ 'input.value': 'hello', 'gen_ai.request.model': 'gpt-4o', 'llm.request.type': 'chat' })).toBeUndefined();
  });
});

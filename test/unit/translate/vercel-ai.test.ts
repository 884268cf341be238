import { vercelAi } from '../../../exporters/translate/vercel-ai';
import type { SpanAttributeMap } from '../../../exporters/record';
import { spanWithAttributes } from '../../helpers/span-factory';

/** The AI SDK names every span after its operation (`recordSpan({name: 'ai.generateText.doGenerate', …})`). */
const facts = (attributes: SpanAttributeMap, name = String(attributes['ai.operationId'] ?? 'span')) =>
  vercelAi(attributes, spanWithAttributes(attributes, { name }));

// ai 6.0.326, src/telemetry/assemble-operation-name.ts + get-base-telemetry-attributes.ts.
const base = (operationId: string): SpanAttributeMap => ({
  'operation.name': `${operationId} weather-bot`,
  'resource.name': 'weather-bot',
  'ai.operationId': operationId,
  'ai.telemetry.functionId': 'weather-bot',
  'ai.model.provider': 'openai.responses',
  'ai.model.id': 'gpt-4o-mini',
  'ai.settings.maxRetries': 2,
  'ai.settings.maxOutputTokens': 200,
  'ai.telemetry.metadata.userId': 'u-1',
});

describe('vercel-ai dialect', () => {
  // ai 6.0.326, src/generate-text/generate-text.ts: the doGenerate span and its response attributes.
  const doGenerate: SpanAttributeMap = {
    ...base('ai.generateText.doGenerate'),
    'ai.prompt.messages': JSON.stringify([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Say hi' }] },
    ]),
    'gen_ai.system': 'openai.responses',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.request.max_tokens': 200,
    'ai.response.finishReason': 'stop',
    'ai.response.text': 'Hi!',
    'ai.response.id': 'resp_1',
    'ai.response.model': 'gpt-4o-mini-2024-07-18',
    'ai.response.timestamp': '2025-01-01T00:00:00.000Z',
    'ai.response.providerMetadata': JSON.stringify({ openai: { responseId: 'resp_1' } }),
    'ai.usage.inputTokens': 20,
    'ai.usage.inputTokenDetails.noCacheTokens': 20,
    'ai.usage.inputTokenDetails.cacheReadTokens': 0,
    'ai.usage.outputTokens': 3,
    'ai.usage.outputTokenDetails.textTokens': 3,
    'ai.usage.outputTokenDetails.reasoningTokens': 0,
    'ai.usage.totalTokens': 23,
    'ai.usage.reasoningTokens': 0,
    'ai.usage.cachedInputTokens': 0,
    'gen_ai.response.finish_reasons': ['stop'],
    'gen_ai.response.id': 'resp_1',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.usage.input_tokens': 20,
    'gen_ai.usage.output_tokens': 3,
  };

  it('renders a model request as an LLM span with messages, choice, usage and metadata', () => {
    expect(facts(doGenerate)).toEqual({
      type: 'llm',
      input: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Say hi' },
      ],
      output: [{ index: 0, message: { role: 'assistant', content: 'Hi!' }, finish_reason: 'stop' }],
      metrics: { prompt_tokens: 20, completion_tokens: 3, tokens: 23, prompt_cached_tokens: 0, completion_reasoning_tokens: 0 },
      metadata: {
        userId: 'u-1',
        function_id: 'weather-bot',
        model: 'gpt-4o-mini',
        response_model: 'gpt-4o-mini-2024-07-18',
        provider: 'openai',
        max_tokens: 200,
        finish_reasons: ['stop'],
        response_id: 'resp_1',
      },
    });
  });

  // The outer span: `ai.prompt` = JSON.stringify({system, prompt, messages}) and usage summed over steps.
  it.each(['ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.streamObject'])(
    'gives the outer %s span input and output but no type and no token metrics',
    (operationId) => {
      const result = facts({
        ...base(operationId),
        'ai.prompt': JSON.stringify({ system: 'Be terse.', prompt: 'Say hi' }),
        'ai.response.finishReason': 'stop',
        'ai.response.text': 'Hi!',
        'ai.usage.inputTokens': 20,
        'ai.usage.outputTokens': 3,
        'ai.usage.totalTokens': 23,
      });
      expect(result?.type).toBeUndefined();
      expect(result?.metrics).toBeUndefined();
      expect(result?.input).toEqual([
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Say hi' },
      ]);
      expect(result?.output).toEqual([{ index: 0, message: { role: 'assistant', content: 'Hi!' }, finish_reason: 'stop' }]);
    },
  );

  it('renders the messages of an outer span, and a prompt given as messages (ai 5+)', () => {
    const messages = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: { city: 'Paris' } }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_1', toolName: 'weather', output: { type: 'text', value: '18°C' } }] },
    ];
    const expected = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', content: '18°C', tool_call_id: 'call_1' },
    ];
    expect(facts({ ...base('ai.streamText'), 'ai.prompt': JSON.stringify({ messages }) })?.input).toEqual(expected);
    expect(facts({ ...base('ai.streamText'), 'ai.prompt': JSON.stringify({ prompt: messages }) })?.input).toEqual(expected);
  });

  it('renders a tool-calling response and the next request carrying the tool result', () => {
    const first = facts({
      ...base('ai.generateText.doGenerate'),
      'ai.response.finishReason': 'tool-calls',
      // asToolCalls: [{toolCallId, toolName, input}], input being the model's JSON text.
      'ai.response.toolCalls': JSON.stringify([{ toolCallId: 'call_1', toolName: 'weather', input: '{"city":"Paris"}' }]),
    });
    expect(first?.output).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
        finish_reason: 'tool-calls',
      },
    ]);

    // LanguageModelV3Prompt: tool-call `input` as an object; tool-result `output` as {type: 'json', value}.
    const second = facts({
      ...base('ai.generateText.doGenerate'),
      'ai.prompt.messages': JSON.stringify([
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Use the tool.' },
            { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'tool',
          content: [
            { type: 'tool-result', toolCallId: 'call_1', toolName: 'weather', output: { type: 'json', value: { temp: 18 } } },
            { type: 'tool-result', toolCallId: 'call_2', toolName: 'clock', output: { type: 'error-text', value: 'timeout' } },
          ],
        },
      ]),
    });
    expect(second?.input).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
        reasoning: 'Use the tool.',
      },
      { role: 'tool', content: '{"temp":18}', tool_call_id: 'call_1' },
      { role: 'tool', content: 'timeout', tool_call_id: 'call_2' },
    ]);
  });

  it('renders response reasoning (ai 6)', () => {
    const result = facts({ ...base('ai.streamText.doStream'), 'ai.response.text': '42', 'ai.response.reasoning': 'Think.' });
    expect(result?.output).toEqual([{ index: 0, message: { role: 'assistant', content: '42', reasoning: 'Think.' }, finish_reason: null }]);
  });

  it('renders generateObject output as the JSON text', () => {
    const result = facts({ ...base('ai.generateObject.doGenerate'), 'ai.response.object': '{"name":"Ada"}', 'ai.response.finishReason': 'stop' });
    expect(result?.output).toEqual([{ index: 0, message: { role: 'assistant', content: '{"name":"Ada"}' }, finish_reason: 'stop' }]);
    expect(result?.type).toBe('llm');
  });

  // ai 6.0.326, src/generate-text/execute-tool-call.ts.
  it('reads a tool execution span', () => {
    const result = facts({
      'operation.name': 'ai.toolCall',
      'ai.operationId': 'ai.toolCall',
      'ai.toolCall.name': 'weather',
      'ai.toolCall.id': 'call_1',
      'ai.toolCall.args': '{"city":"Paris"}',
      'ai.toolCall.result': '{"temp":18}',
    });
    expect(result).toEqual({
      type: 'tool',
      input: { city: 'Paris' },
      output: { temp: 18 },
      metadata: { tool_name: 'weather', tool_call_id: 'call_1' },
    });
  });

  it('renders multimodal parts: images, image files, other files', () => {
    const result = facts({
      ...base('ai.generateText.doGenerate'),
      'ai.prompt.messages': JSON.stringify([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            // stringifyForTelemetry writes bytes as base64; URLs stay URLs.
            { type: 'file', mediaType: 'image/png', data: 'iVBORw0KGgo=' },
            { type: 'file', mediaType: 'image/jpeg', data: 'https://example.com/cat.jpg' },
            { type: 'file', mediaType: 'application/pdf', data: 'JVBERi0=', filename: 'spec.pdf' },
            // ai 4: image parts, `mimeType`.
            { type: 'image', image: 'R0lGODlh', mimeType: 'image/gif' },
            // A Uint8Array that was not converted (ai.prompt) arrives as an object of indices.
            { type: 'image', image: { 0: 137, 1: 80 } },
          ],
        },
      ]),
    });
    expect(result?.input).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'spec.pdf' } },
          { type: 'image_url', image_url: { url: 'data:image/gif;base64,R0lGODlh' } },
        ],
      },
    ]);
  });

  // ai 4.3.19, dist/index.js: promptTokens/completionTokens, tool calls with `args`, tool results with `result`.
  it('reads the ai 4 shapes', () => {
    // ai 4 calls the output limit `maxTokens`.
    const { 'ai.settings.maxOutputTokens': _v5Name, ...v4Base } = base('ai.generateText.doGenerate');
    const result = facts({
      ...v4Base,
      'ai.settings.maxTokens': 100,
      'ai.settings.temperature': 0.5,
      'ai.settings.topP': 0.9,
      'ai.settings.stopSequences': ['END'],
      'ai.prompt.messages': JSON.stringify([
        { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', args: { city: 'Oslo' } }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', result: { temp: -2 } }] },
      ]),
      'ai.response.toolCalls': JSON.stringify([{ toolCallType: 'function', toolCallId: 'c2', toolName: 'clock', args: '{}' }]),
      'ai.usage.promptTokens': 40,
      'ai.usage.completionTokens': 8,
    });
    expect(result?.input).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', content: '{"temp":-2}', tool_call_id: 'c1' },
    ]);
    expect(result?.output).toEqual([
      { index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'c2', type: 'function', function: { name: 'clock', arguments: '{}' } }] }, finish_reason: null },
    ]);
    expect(result?.metrics).toEqual({ prompt_tokens: 40, completion_tokens: 8, tokens: 48 });
    expect(result?.metadata).toMatchObject({ max_tokens: 100, temperature: 0.5, top_p: 0.9, stop_sequences: ['END'] });
  });

  describe('cache tokens', () => {
    it('ai 6: inputTokens already includes the cache', () => {
      const result = facts({
        ...base('ai.generateText.doGenerate'),
        'ai.model.provider': 'anthropic.messages',
        'ai.usage.inputTokens': 1200,
        'ai.usage.inputTokenDetails.noCacheTokens': 10,
        'ai.usage.inputTokenDetails.cacheReadTokens': 1000,
        'ai.usage.inputTokenDetails.cacheWriteTokens': 190,
        'ai.usage.outputTokens': 50,
        'ai.usage.totalTokens': 1250,
        'ai.usage.cachedInputTokens': 1000,
      });
      expect(result?.metrics).toEqual({
        prompt_tokens: 1200,
        completion_tokens: 50,
        tokens: 1250,
        prompt_cached_tokens: 1000,
        prompt_cache_creation_tokens: 190,
      });
    });

    // @ai-sdk/anthropic 2.x: inputTokens = input_tokens; cache writes only in providerMetadata.
    it('ai 5 streamText with Anthropic: adds cache reads and writes to the provider count', () => {
      const result = facts({
        ...base('ai.streamText.doStream'),
        'ai.model.provider': 'anthropic.messages',
        'ai.response.msToFirstChunk': 412.5,
        'ai.usage.inputTokens': 10,
        'ai.usage.outputTokens': 50,
        'ai.usage.totalTokens': 60,
        'ai.usage.cachedInputTokens': 1000,
        'ai.response.providerMetadata': JSON.stringify({ anthropic: { cacheCreationInputTokens: 190 } }),
      });
      expect(result?.metrics).toEqual({
        prompt_tokens: 1200,
        completion_tokens: 50,
        tokens: 1250,
        prompt_cached_tokens: 1000,
        prompt_cache_creation_tokens: 190,
        time_to_first_token: 0.4125,
      });
    });

    it('ai 5 generateText with Anthropic: cache counts from the raw usage in providerMetadata', () => {
      const result = facts({
        ...base('ai.generateText.doGenerate'),
        'ai.model.provider': 'anthropic.messages',
        'ai.usage.promptTokens': 10,
        'ai.usage.completionTokens': 50,
        'ai.response.providerMetadata': JSON.stringify({
          anthropic: { usage: { input_tokens: 10, cache_read_input_tokens: 1000, cache_creation_input_tokens: 190 }, cacheCreationInputTokens: 190 },
        }),
      });
      expect(result?.metrics).toEqual({
        prompt_tokens: 1200,
        completion_tokens: 50,
        tokens: 1250,
        prompt_cached_tokens: 1000,
        prompt_cache_creation_tokens: 190,
      });
    });

    it('ai 4 with Anthropic: cache counts in providerMetadata', () => {
      const result = facts({
        ...base('ai.generateText.doGenerate'),
        'ai.model.provider': 'anthropic.messages',
        'ai.usage.promptTokens': 10,
        'ai.usage.completionTokens': 50,
        'ai.response.providerMetadata': JSON.stringify({ anthropic: { cacheCreationInputTokens: 190, cacheReadInputTokens: 1000 } }),
      });
      expect(result?.metrics).toMatchObject({ prompt_tokens: 1200, prompt_cached_tokens: 1000, prompt_cache_creation_tokens: 190 });
    });

    // @ai-sdk/amazon-bedrock 3.x: inputTokens = Converse inputTokens; writes in providerMetadata.bedrock.usage.
    it('ai 5 with Bedrock: adds the cache to the provider count', () => {
      const result = facts({
        ...base('ai.streamText.doStream'),
        'ai.model.provider': 'amazon-bedrock',
        'ai.usage.inputTokens': 10,
        'ai.usage.outputTokens': 5,
        'ai.usage.cachedInputTokens': 300,
        'ai.response.providerMetadata': JSON.stringify({ bedrock: { usage: { cacheWriteInputTokens: 20 } } }),
      });
      expect(result?.metrics).toMatchObject({ prompt_tokens: 330, tokens: 335, prompt_cached_tokens: 300, prompt_cache_creation_tokens: 20 });
      expect(result?.metadata).toMatchObject({ provider: 'amazon-bedrock' });
    });

    it('ai 5 with OpenAI: cached tokens are part of inputTokens already', () => {
      const result = facts({
        ...base('ai.streamText.doStream'),
        'ai.usage.inputTokens': 2000,
        'ai.usage.outputTokens': 10,
        'ai.usage.totalTokens': 2010,
        'ai.usage.cachedInputTokens': 1920,
        'ai.usage.reasoningTokens': 4,
      });
      expect(result?.metrics).toEqual({
        prompt_tokens: 2000,
        completion_tokens: 10,
        tokens: 2010,
        prompt_cached_tokens: 1920,
        completion_reasoning_tokens: 4,
      });
    });
  });

  it('reads streamObject time to first chunk', () => {
    const result = facts({ ...base('ai.streamObject.doStream'), 'ai.stream.msToFirstChunk': 250 });
    expect(result?.metrics).toEqual({ time_to_first_token: 0.25 });
  });

  // ai 6.0.326, src/embed/embed-many.ts: values as JSON texts, usage as `ai.usage.tokens`.
  it('reads an embedding request as an LLM span with its input tokens, and the outer embed span without', () => {
    const leaf = facts({ ...base('ai.embedMany.doEmbed'), 'ai.values': ['"sunny"', '"rainy"'], 'ai.usage.tokens': 4 });
    expect(leaf).toMatchObject({ type: 'llm', input: ['sunny', 'rainy'], metrics: { prompt_tokens: 4, tokens: 4 } });
    const outer = facts({ ...base('ai.embed'), 'ai.value': '"sunny"', 'ai.usage.tokens': 2 });
    expect(outer?.type).toBeUndefined();
    expect(outer?.metrics).toBeUndefined();
    expect(outer?.input).toBe('sunny');
  });

  it('falls back to the span name when ai.operationId is missing', () => {
    const result = facts({ 'ai.response.text': 'x', 'ai.usage.inputTokens': 1, 'ai.usage.outputTokens': 1 }, 'ai.streamText.doStream');
    expect(result?.type).toBe('llm');
    expect(result?.metrics).toEqual({ prompt_tokens: 1, completion_tokens: 1, tokens: 2 });
  });

  describe('missing and invalid values', () => {
    it('drops invalid numbers and unparsable JSON', () => {
      const result = facts({
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.prompt.messages': '[{"role":',
        'ai.response.toolCalls': '{not json',
        'ai.usage.inputTokens': Number.NaN,
        'ai.usage.outputTokens': 'three',
        'ai.usage.reasoningTokens': { n: 1 },
        'ai.usage.totalTokens': -1,
        'ai.usage.cachedInputTokens': Number.POSITIVE_INFINITY,
        'ai.response.msToFirstChunk': 'soon',
        'ai.settings.temperature': 'warm',
        'ai.settings.stopSequences': [1],
        'ai.model.provider': 7,
      });
      expect(result).toEqual({ type: 'llm' });
    });

    it('skips malformed messages and parts', () => {
      const result = facts({
        ...base('ai.generateText.doGenerate'),
        'ai.prompt.messages': JSON.stringify([
          'not a message',
          null,
          { content: 'no role' },
          { role: 'user', content: [null, 5, { type: 'text' }, { type: 'unknown-part', text: 'x' }, { type: 'file', data: 42 }] },
          { role: 'tool', content: [{ type: 'tool-result', output: { type: 'text', value: 3 } }] },
        ]),
      });
      expect(result?.input).toEqual([
        { role: 'user', content: 'no role' },
        { role: 'user', content: '' },
        { role: 'tool', content: '{"type":"text","value":3}' },
      ]);
    });

    it('never throws on hostile values', () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const hostile: unknown[] = [undefined, null, Symbol('s'), 10n, circular, [circular], () => 1, Number.NaN, '', '[', [null], {}];
      const keys = [
        'ai.prompt',
        'ai.prompt.messages',
        'ai.response.text',
        'ai.response.toolCalls',
        'ai.response.providerMetadata',
        'ai.usage.inputTokens',
        'ai.model.provider',
        'ai.toolCall.args',
        'ai.toolCall.result',
        'ai.values',
        'ai.settings.stopSequences',
      ];
      for (const value of hostile) {
        const attributes = Object.fromEntries(keys.map((key) => [key, value]));
        for (const operationId of ['ai.generateText.doGenerate', 'ai.generateText', 'ai.toolCall', 'ai.embed.doEmbed', value]) {
          expect(() => facts({ ...attributes, 'ai.operationId': operationId })).not.toThrow();
        }
      }
    });
  });

  it('returns undefined for a span without ai.* attributes', () => {
    expect(facts({})).toBeUndefined();
    expect(facts({ 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'operation.name': 'chat' }, 'ai.generateText')).toBeUndefined();
  });
});

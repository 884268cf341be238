import { genaiEvents } from '../../../exporters/translate/genai-events';
import type { SpanAttributeMap } from '../../../exporters/record';
import { spanWithAttributes, type SpanEvents } from '../../helpers/span-factory';

const t: [number, number] = [1_700_000_000, 0];
const facts = (events: SpanEvents | undefined, attributes: SpanAttributeMap = {}) =>
  genaiEvents(attributes, spanWithAttributes(attributes, events === undefined ? { name: 'chat gpt-4o-mini' } : { name: 'chat gpt-4o-mini', events }));

/**
 * The bodies @opentelemetry/instrumentation-openai 0.22.0 writes (dist/instrumentation.mjs,
 * `_startChatCompletionsSpan` and `_onChatCompletionsCreateResult`), as JSON in `gen_ai.event.content`.
 */
const event = (name: string, body: unknown): SpanEvents[number] => ({
  name,
  time: t,
  attributes: { 'gen_ai.system': 'openai', 'gen_ai.event.content': JSON.stringify(body) },
});

describe('genai-events dialect', () => {
  it('renders a text chat from message and choice events', () => {
    const result = facts([
      event('gen_ai.system.message', { content: 'You are terse.' }),
      event('gen_ai.user.message', { content: 'Say hi' }),
      event('gen_ai.choice', { finish_reason: 'stop', index: 0, message: { content: 'Hi!' } }),
    ]);
    expect(result).toEqual({
      input: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hi' },
      ],
      output: [{ index: 0, message: { role: 'assistant', content: 'Hi!' }, finish_reason: 'stop' }],
    });
  });

  it('renders tool calls and tool results', () => {
    const result = facts([
      event('gen_ai.user.message', { content: 'Weather in Paris?' }),
      event('gen_ai.assistant.message', {
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      }),
      event('gen_ai.tool.message', { id: 'call_1', content: '18°C' }),
      event('gen_ai.choice', {
        finish_reason: 'tool_calls',
        index: 0,
        message: { tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] },
      }),
    ]);
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

  it('reads tool calls whose arguments were not captured as {}', () => {
    // Without captureMessageContent instrumentation-openai keeps only {id, type, function: {name}}.
    const result = facts([event('gen_ai.assistant.message', { tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather' } }] })]);
    expect(result?.input).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
    ]);
  });

  it('renders multimodal user content parts', () => {
    const result = facts([
      event('gen_ai.user.message', {
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
        ],
      }),
    ]);
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

  it('reads body fields flattened into event attributes, JSON-encoded where structured', () => {
    const result = facts([
      { name: 'gen_ai.user.message', attributes: { content: 'Weather?' } },
      {
        name: 'gen_ai.assistant.message',
        attributes: { tool_calls: JSON.stringify([{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }]) },
      },
      { name: 'gen_ai.tool.message', attributes: { id: 'c1', content: 'rain' } },
      { name: 'gen_ai.choice', attributes: { index: 0, finish_reason: 'stop', message: JSON.stringify({ role: 'assistant', content: 'Rain.' }) } },
    ]);
    expect(result).toEqual({
      input: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }] },
        { role: 'tool', content: 'rain', tool_call_id: 'c1' },
      ],
      output: [{ index: 0, message: { role: 'assistant', content: 'Rain.' }, finish_reason: 'stop' }],
    });
  });

  it('reads events that carry their name in an event.name attribute (log records copied onto the span)', () => {
    const result = facts([
      { name: 'log', attributes: { 'event.name': 'gen_ai.user.message', 'gen_ai.system': 'openai', content: 'Hi' } },
      { name: 'log', attributes: { 'event.name': 'gen_ai.choice', index: 0, finish_reason: 'stop', message: { content: 'Hello' } } },
    ]);
    expect(result).toEqual({
      input: [{ role: 'user', content: 'Hi' }],
      output: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
    });
  });

  it('lets a body role name a role the event name does not', () => {
    const result = facts([event('gen_ai.system.message', { role: 'developer', content: 'Rules.' })]);
    expect(result?.input).toEqual([{ role: 'developer', content: 'Rules.' }]);
  });

  it('orders choices by index and fills in a missing index by position', () => {
    const result = facts([
      event('gen_ai.choice', { index: 1, finish_reason: 'stop', message: { content: 'second' } }),
      event('gen_ai.choice', { index: 0, finish_reason: 'length', message: { content: 'first' } }),
    ]);
    expect(result?.output).toEqual([
      { index: 0, message: { role: 'assistant', content: 'first' }, finish_reason: 'length' },
      { index: 1, message: { role: 'assistant', content: 'second' }, finish_reason: 'stop' },
    ]);
    const unindexed = facts([event('gen_ai.choice', { message: { content: 'only' } })]);
    expect(unindexed?.output).toEqual([{ index: 0, message: { role: 'assistant', content: 'only' }, finish_reason: null }]);
  });

  it('gives only input when there are no choices, and only output when there are no messages', () => {
    expect(facts([event('gen_ai.user.message', { content: 'Hi' })])).toEqual({ input: [{ role: 'user', content: 'Hi' }] });
    expect(facts([event('gen_ai.choice', { index: 0, message: { content: 'Yo' } })])).toEqual({
      output: [{ index: 0, message: { role: 'assistant', content: 'Yo' }, finish_reason: null }],
    });
  });

  it('ignores other events and the span attributes', () => {
    const result = facts(
      [
        { name: 'exception', attributes: { 'exception.message': 'boom' } },
        event('gen_ai.user.message', { content: 'Hi' }),
        { name: 'gen_ai.content.prompt', attributes: { 'gen_ai.prompt': 'older still' } },
      ],
      { 'gen_ai.usage.input_tokens': 5, 'gen_ai.request.model': 'gpt-4o-mini' },
    );
    expect(result).toEqual({ input: [{ role: 'user', content: 'Hi' }] });
  });

  describe('missing and invalid values', () => {
    it('reads empty or malformed bodies without content', () => {
      const result = facts([
        { name: 'gen_ai.user.message' },
        { name: 'gen_ai.user.message', attributes: { 'gen_ai.event.content': '{broken' } },
        { name: 'gen_ai.assistant.message', attributes: { content: { structured: true }, tool_calls: '[{"id": 1}, 5, null]' } },
        { name: 'gen_ai.tool.message', attributes: { id: 42, content: null } },
        { name: 'gen_ai.choice', attributes: { index: -1, finish_reason: 7, message: '{broken' } },
        { name: 'gen_ai.choice', attributes: { index: 1.5, message: 'null' } },
      ]);
      expect(result).toEqual({
        input: [
          { role: 'user', content: null },
          // An unparsable `gen_ai.event.content` leaves the attributes as the body: none are content.
          { role: 'user', content: null },
          { role: 'assistant', content: '{"structured":true}', tool_calls: [{ type: 'function', function: { name: '', arguments: '{}' } }] },
          { role: 'tool', content: null },
        ],
        output: [
          { index: 0, message: { role: 'assistant', content: null }, finish_reason: null },
          { index: 1, message: { role: 'assistant', content: null }, finish_reason: null },
        ],
      });
    });

    it('never throws on hostile values', () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const hostile: unknown[] = [undefined, null, Symbol('s'), 10n, circular, [circular], () => 1, Number.NaN, '', '{', [null], {}];
      for (const value of hostile) {
        const attributes = { 'gen_ai.event.content': value, content: value, tool_calls: value, id: value, role: value, index: value, message: value, 'event.name': value };
        for (const name of ['gen_ai.user.message', 'gen_ai.tool.message', 'gen_ai.choice']) {
          expect(() => facts([{ name, attributes }])).not.toThrow();
        }
      }
    });
  });

  it('returns undefined for a span without GenAI message events', () => {
    expect(facts(undefined)).toBeUndefined();
    expect(facts([])).toBeUndefined();
    expect(facts([{ name: 'exception', attributes: { 'exception.type': 'Error' } }], { 'gen_ai.system': 'openai' })).toBeUndefined();
  });
});

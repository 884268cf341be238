import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { defaultConfig } from '../../../otel.config';
import { RedactingSpanProcessor } from '../../../src/redaction/redacting-processor';
import { createSpanRedactor, REDACTION_FAILED_ATTRIBUTE } from '../../../src/redaction/span-redaction';

const settings = defaultConfig.redaction;
const MESSAGES = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Mail me at ana@example.com' }] }]);

function endedSpan(attributes: Record<string, string | number>, event?: Record<string, string>) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const span = provider.getTracer('t').startSpan('chat gpt-4o', { attributes });
  if (event) span.addEvent('gen_ai.client.inference.operation.details', event);
  span.end();
  return exporter.getFinishedSpans()[0]!;
}

describe('span redaction', () => {
  test('content attributes and events are redacted on a view; the span itself is untouched; other attributes stay', () => {
    const span = endedSpan({ 'gen_ai.input.messages': MESSAGES, 'server.address': '10.0.0.7', 'gen_ai.usage.input_tokens': 12 }, { 'gen_ai.input.messages': MESSAGES });
    const view = createSpanRedactor(settings)!.span(span);
    expect(view).not.toBe(span);
    expect(JSON.parse(view.attributes['gen_ai.input.messages'] as string)[0].parts[0].content).toBe('Mail me at [EMAIL]');
    expect(view.events[0]!.attributes!['gen_ai.input.messages']).toContain('[EMAIL]');
    expect(view.attributes['server.address']).toBe('10.0.0.7'); // transport detail, not content
    expect(view.spanContext().spanId).toBe(span.spanContext().spanId);
    expect(span.attributes['gen_ai.input.messages']).toBe(MESSAGES);
  });

  test('a span with nothing to redact is passed as it is (no copy)', () => {
    const span = endedSpan({ 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Hello' }] }]) });
    expect(createSpanRedactor(settings)!.span(span)).toBe(span);
  });

  test('fail closed: a redact function that throws drops the content and says so, on spans and records', () => {
    const redactor = createSpanRedactor({ ...settings, redact: () => { throw new Error('boom with ana@example.com'); } })!;
    const view = redactor.span(endedSpan({ 'gen_ai.input.messages': MESSAGES, 'gen_ai.request.model': 'gpt-4o', 'http.route': '/v1/chat' }, { note: 'ana@example.com' }));
    expect(view.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(view.attributes['gen_ai.request.model']).toBe('gpt-4o'); // what the call was stays; what it said goes
    expect(view.attributes['http.route']).toBe('/v1/chat');
    expect(view.attributes[REDACTION_FAILED_ATTRIBUTE]).toBe(true);
    expect(JSON.stringify(view.events)).not.toContain('ana@example.com');
    const record = redactor.record({ input: [{ role: 'user', content: 'ana@example.com' }], output: 'x', metadata: { model: 'gpt-4o', note: 'ana@example.com' } });
    expect(record.input).toBeUndefined();
    expect(record.output).toBeUndefined();
    expect(record.metadata).toEqual({ model: 'gpt-4o', [REDACTION_FAILED_ATTRIBUTE]: 'redaction failed (Error)' });
  });

  test('records: metadata allow/deny lists; user ids from other instrumentations pseudonymised once', () => {
    const redactor = createSpanRedactor({ ...settings, metadataDeny: ['internal_note'] }, 'key')!;
    const record = redactor.record({ metadata: { user_id: 'ana@example.com', internal_note: 'x', app_email: 'ana@example.com' } });
    expect(record.metadata!.internal_note).toBeUndefined();
    expect(record.metadata!.app_email).toBe('[EMAIL]');
    expect(record.metadata!.user_id).toMatch(/^u_[0-9a-f]{32}$/);
    expect(redactor.record({ metadata: { user_id: record.metadata!.user_id } }).metadata!.user_id).toBe(record.metadata!.user_id);
    const allowOnly = createSpanRedactor({ ...settings, metadataAllow: ['model'] })!.record({ metadata: { model: 'm', other: 1 } });
    expect(allowOnly.metadata).toEqual({ model: 'm' });
  });

  test('off: no redactor at all', () => {
    expect(createSpanRedactor({ ...settings, enabled: false })).toBeUndefined();
  });

  test('RedactingSpanProcessor hands the processors it wraps (e.g. OTLP) redacted spans', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new RedactingSpanProcessor(new SimpleSpanProcessor(exporter), createSpanRedactor(settings)!) as never] });
    const span = provider.getTracer('t').startSpan('chat', { attributes: { 'gen_ai.input.messages': MESSAGES } });
    span.end();
    expect(exporter.getFinishedSpans()[0]!.attributes['gen_ai.input.messages']).toContain('[EMAIL]');
  });
});

/** The GenAI attributes an HTTP client span must carry for a recorded exchange (shared by the client tests). */
import { expectedFrom } from './expected';
import type { Fixture } from './fixtures';
import type { ReceivedSpan } from './otlp-receiver';

export function checkSpan(f: Fixture, span: ReceivedSpan | undefined, provider: string, opts: { usageFromAncestor?: boolean } = {}): void {
  expect(span).toBeDefined();
  const a = span!.attributes;
  const want = expectedFrom(f);
  expect(a['gen_ai.operation.name']).toBe(want.operation);
  expect(a['gen_ai.provider.name']).toBe(provider);
  if (want.requestModel) {
    expect(a['gen_ai.request.model']).toBe(want.requestModel);
    expect(span!.name).toBe(`${want.operation} ${want.requestModel}`);
  }
  for (const [key, value] of Object.entries(want.params)) expect([key, a[key]]).toEqual([key, value]);
  if (want.stream) {
    expect(a['gen_ai.request.stream']).toBe(true);
    if (f.response.status < 400) expect(a['gen_ai.response.time_to_first_chunk']).toEqual(expect.any(Number));
  }
  if (f.response.status >= 400) {
    expect(a['error.type']).toEqual(expect.any(String));
    expect(span!.status.code).toBe(2);
    return;
  }
  if (want.unreadable) {
    expect(a['otel_genai.capture.partial']).toBe(true);
    return;
  }
  if (want.responseId !== undefined) expect(a['gen_ai.response.id']).toBe(want.responseId);
  if (want.responseModel !== undefined) expect(a['gen_ai.response.model']).toBe(want.responseModel);
  if (!opts.usageFromAncestor) {
    if (want.inputTokens !== undefined) expect(a['gen_ai.usage.input_tokens']).toBe(want.inputTokens);
    if (want.outputTokens !== undefined) expect(a['gen_ai.usage.output_tokens']).toBe(want.outputTokens);
  }
  if (want.finishReasons !== undefined && want.finishReasons.length > 0) expect(a['gen_ai.response.finish_reasons']).toEqual(want.finishReasons);
  if (want.outputText !== undefined) {
    const output = JSON.parse(String(a['gen_ai.output.messages']));
    const text = output[0].parts.filter((p: { type: string }) => p.type === 'text').map((p: { content: string }) => p.content).join('');
    expect(text).toBe(want.outputText);
  }
}

/**
 * HTTP/2 (node:http2), under the real preload in a child process, against the h2c replay server:
 * the current AWS SDK Bedrock client with its default `NodeHttp2Handler`, and raw
 * `http2.connect` + `session.request`. No OpenTelemetry instrumentation traces node:http2, so the
 * CLIENT span is ours (scope `otel-genai-braintrust`), a child of the app's per-call span, with the
 * same GenAI attributes the HTTP/1.1 client tests check.
 */
import { checkSpan } from '../helpers/check-span';
import { reportsUsage } from '../helpers/expected';
import { loadFixtures, wireResponseBytes, type Fixture } from '../helpers/fixtures';
import { APP_SECRET, runClientApp, type AppCall, type AppStep } from '../helpers/client-app';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { REPLAY_ROUTES } from '../helpers/run-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startReplayServerH2 } = require('../helpers/replay-server-h2.js');

const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SCOPE = 'otel-genai-braintrust';
const SSE = 'openai/openai-streaming-chat-completions-records-usage';
const OPENAI = ['openai/openai-chat-completions-adds-genai-conventions', SSE, 'openai/openai-responses-adds-genai-conventions'];
const CANCEL_ID = 'http2 cancel';

type Call = AppCall;

const fixtures = new Map(loadFixtures().map((f) => [f.id, f]));
const bedrock = [...fixtures.values()].filter((f) => f.family === 'aws-bedrock');
const openai = OPENAI.map((id) => fixtures.get(id)!);

let replay: { url: string; close(): Promise<void>; requests: Array<{ url: string; headers: Record<string, string>; fixture?: string }> };
let receiver: OtlpReceiver;
let stderr = '';
const calls = new Map<string, Call>();

beforeAll(async () => {
  replay = await startReplayServerH2({ chunkDelayMs: 5 });
  receiver = await startOtlpReceiver();
  const steps: AppStep[] = [
    ...bedrock.map((f): AppStep => ({ id: `bedrock-h2 ${f.id}`, fixture: f.id, client: 'bedrock-h2' })),
    ...openai.map((f): AppStep => ({ id: `http2 ${f.id}`, fixture: f.id, client: 'http2' })),
    { id: CANCEL_ID, fixture: SSE, client: 'http2', abandonAfterChunks: 2 },
  ];
  const { run, calls: results } = await runClientApp({
    receiver,
    replayUrl: replay.url,
    replayH2Url: replay.url,
    steps,
    config: { routes: REPLAY_ROUTES },
    isCallSpan: (s) => s.scope === SCOPE,
  });
  stderr = run.stderr;
  expect(run.code).toBe(0);
  expect(results.size).toBe(steps.length);
  for (const [id, call] of results) calls.set(id, call);
}, 150000);

afterAll(async () => {
  await replay?.close();
  await receiver?.close();
});

/** Our CLIENT span, under the app's per-call span, with the stable HTTP client attributes. */
function checkClientSpan(call: Call, f: Fixture): ReceivedSpan {
  const { span, root } = call;
  expect(span).toBeDefined();
  expect(root).toBeDefined();
  expect(span!.kind).toBe(3);
  expect(span!.scope).toBe(SCOPE);
  expect(span!.traceId).toBe(root!.traceId);
  expect(span!.parentSpanId).toBe(root!.spanId);
  const a = span!.attributes;
  expect(a['http.request.method']).toBe('POST');
  expect(a['server.address']).toBe('127.0.0.1');
  expect(a['server.port']).toBe(Number(new URL(replay.url).port));
  // Clients may percent-encode the path differently from the recording (`:` in Bedrock model ids).
  const recorded = new URL(f.request.url);
  expect(decodeURIComponent(String(a['url.full']))).toBe(decodeURIComponent(`${replay.url}/${f.family}${recorded.pathname}${recorded.search}`));
  expect(a['network.protocol.name']).toBe('http');
  expect(a['network.protocol.version']).toBe('2');
  expect(a['http.response.status_code']).toBe(f.response.status);
  // One span per call: nothing else traced the HTTP/2 exchange.
  expect(receiver.spans.filter((s) => s.traceId === root!.traceId && s.kind === 3)).toHaveLength(1);
  return span!;
}

test('the preload started', () => {
  expect(stderr).toContain('[otel-genai-braintrust] tracing LLM calls');
});

describe('@aws-sdk/client-bedrock-runtime, default HTTP/2 handler', () => {
  test.each(bedrock.map((f) => [f.id, f]))('%s', (_id, f) => {
    const call = calls.get(`bedrock-h2 ${f.id}`)!;
    expect(call.result.ok).toBe(f.response.status < 400);
    const span = checkClientSpan(call, f);
    checkSpan(f, span, 'aws.bedrock');
    if (f.response.status < 400 && reportsUsage(f)) {
      expect(span.attributes['gen_ai.usage.input_tokens']).toEqual(expect.any(Number));
      expect(span.attributes['gen_ai.usage.output_tokens']).toEqual(expect.any(Number));
    }
  });
});

describe('raw http2.connect + session.request', () => {
  test.each(openai.map((f) => [f.id, f]))('%s', (_id, f) => {
    const call = calls.get(`http2 ${f.id}`)!;
    // The app received exactly the bytes the server sent.
    expect(call.result.status).toBe(f.response.status);
    expect(Buffer.from(call.result.bodyBase64 ?? '', 'base64').equals(wireResponseBytes(f))).toBe(true);
    checkSpan(f, checkClientSpan(call, f), 'openai');
  });
});

test('a stream the app cancels mid-stream ends the span as a partial, cancelled capture', () => {
  const f = fixtures.get(SSE)!;
  const call = calls.get(CANCEL_ID)!;
  expect(call.result.chunks).toBe(2);
  expect(wireResponseBytes(f).subarray(0, Buffer.from(call.result.bodyBase64 ?? '', 'base64').length).equals(Buffer.from(call.result.bodyBase64 ?? '', 'base64'))).toBe(true);
  const span = checkClientSpan(call, f);
  expect(span.attributes['otel_genai.capture.partial']).toBe(true);
  expect(span.attributes['error.type']).toBe('cancelled');
  expect(span.attributes['gen_ai.request.model']).toBe('gpt-4o-mini');
  // Cancellation is not an error status.
  expect(span.status.code ?? 0).not.toBe(2);
});

test('the trace context reaches the server in the request headers', () => {
  const ours = new Set(receiver.spans.filter((s) => s.scope === SCOPE).map((s) => `${s.traceId}-${s.spanId}`));
  const served = replay.requests.filter((r) => r.fixture !== undefined);
  expect(served.length).toBe(calls.size);
  for (const request of served) expect(ours.has(String(request.headers.traceparent).split('-').slice(1, 3).join('-'))).toBe(true);
});

test('no secret reaches an exported span', () => {
  expect(receiver.rawBodies.length).toBeGreaterThan(0);
  for (const body of receiver.rawBodies) {
    expect(body).not.toContain(APP_SECRET);
    expect(body).not.toContain(ACCESS_KEY);
    expect(body.toLowerCase()).not.toContain('authorization');
  }
});

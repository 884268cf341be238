/**
 * The providers the recorded corpus lacks (Gemini, Cohere, Azure OpenAI), on the wire: exchanges built
 * from their public API documentation (test/fixtures/documented-exchanges, see its README) are served
 * byte for byte by the replay server to raw `fetch` and raw `http.request` clients, under the real
 * preload in a child process; spans arrive over OTLP/HTTP JSON and are checked against what the
 * documented bodies say (test/helpers/expected.ts reads them directly, not through our parsers).
 */
import { wireResponseBytes, type Fixture } from '../helpers/fixtures';
import { checkSpan } from '../helpers/check-span';
import { expectedFrom } from '../helpers/expected';
import { APP_SECRET, runClientApp, type AppCall } from '../helpers/client-app';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { REPLAY_ROUTES } from '../helpers/run-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startReplayServer, loadFixtureDirs, FIXTURE_DIR, DOCUMENTED_DIR } = require('../helpers/replay-server.js');

/** Shaped like a Google API key (`AIza` + 35 characters); Gemini clients may send it as `?key=`. */
const GEMINI_KEY = 'AIzaSyD0cUm3nt3dK3y-DO-NOT-LEAK-abcdef';

/** The replay server's mount points of the documented families, as the providers they stand for. */
const PROVIDERS: Record<string, string> = { gemini: 'gcp.gemini', cohere: 'cohere', 'azure-openai': 'azure.ai.openai' };
const ROUTES = [...REPLAY_ROUTES, ...Object.entries(PROVIDERS).map(([family, provider]) => ({ host: '127.0.0.1', pathPrefix: `/${family}/`, provider }))];

let replay: { url: string; close(): Promise<void> };
let receiver: OtlpReceiver;

beforeAll(async () => {
  replay = await startReplayServer({ chunkDelayMs: 2, fixtureDirs: [FIXTURE_DIR, DOCUMENTED_DIR] });
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await replay?.close();
  await receiver?.close();
});

const documented: Fixture[] = [...(loadFixtureDirs([DOCUMENTED_DIR]) as Map<string, Fixture>).values()];

test('the documented corpus: every family, each exchange citing its documentation', () => {
  expect(new Set(documented.map((f) => f.family))).toEqual(new Set(Object.keys(PROVIDERS)));
  expect(documented.map((f) => f.id)).toEqual(
    expect.arrayContaining([
      'gemini/generate-content',
      'gemini/stream-generate-content-sse',
      'gemini/stream-generate-content-array',
      'gemini/error-429',
      'cohere/chat-v2',
      'cohere/chat-v2-stream',
      'azure-openai/chat-deployment',
    ]),
  );
  for (const f of documented) expect(f.source).toMatch(/^https:\/\//);
  // No id collides with a recording: both corpora load together (loadFixtureDirs throws on a duplicate).
  expect(loadFixtureDirs([FIXTURE_DIR, DOCUMENTED_DIR]).size).toBe(loadFixtureDirs([FIXTURE_DIR]).size + documented.length);
  // Azure deployments name the model in the URL, not in the body.
  expect(JSON.parse(documented.find((f) => f.family === 'azure-openai')!.request.body).model).toBeUndefined();
});

/** Runs one app process over every documented exchange with `client`; returns each call's result and HTTP span. */
async function runClient(client: string): Promise<Map<string, AppCall>> {
  const steps = documented.map((f) => ({ id: f.id, fixture: f.id, client, ...(f.family === 'gemini' ? { query: `key=${GEMINI_KEY}` } : {}) }));
  const { run, calls } = await runClientApp({ receiver, replayUrl: replay.url, steps, config: { routes: ROUTES }, timeoutMs: 60000 });
  expect(calls.size).toBe(documented.length);
  expect(run.stderr).toContain('[otel-genai-braintrust] tracing LLM calls');
  expect(new Set([...calls.values()].map((c) => c.result.traceId)).size).toBe(documented.length);
  return calls;
}

describe.each([
  ['http', 'raw http.request (node:http)'],
  ['fetch', 'raw fetch (undici)'],
])('%s: %s', (client) => {
  let calls: Map<string, AppCall>;
  beforeAll(async () => {
    calls = await runClient(client);
  }, 90000);

  test.each(documented.map((f) => [f.id, f]))('%s', (_id, f) => {
    const { result, span } = calls.get(f.id)!;
    // The app received exactly the bytes served (no documented exchange is compressed).
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(f.response.status);
    expect(Buffer.from(result.bodyBase64 ?? '', 'base64').equals(wireResponseBytes(f))).toBe(true);

    const provider = PROVIDERS[f.family]!;
    checkSpan(f, span, provider);
    const a = span!.attributes;
    const want = expectedFrom(f);
    expect(a['gen_ai.operation.name']).toBe(f.family === 'gemini' ? 'generate_content' : 'chat');
    expect(want.requestModel).toEqual(expect.any(String));
    expect(a['gen_ai.request.model']).toBe(want.requestModel);
    expect(a['gen_ai.request.stream'] === true).toBe(want.stream);
    if (want.stream) expect(a['gen_ai.response.time_to_first_chunk']).toEqual(expect.any(Number));
    if (f.family === 'gemini') {
      // The API key in the query string is redacted from the span's URL.
      expect(String(a['url.full'])).toContain('key=REDACTED');
      expect(String(a['url.full'])).not.toContain(GEMINI_KEY);
    }

    if (f.response.status >= 400) {
      expect(want.errorType).toBe('RESOURCE_EXHAUSTED');
      expect(a['error.type']).toBe(want.errorType);
      expect(a['http.response.status_code']).toBe(f.response.status);
      expect(span!.status.code).toBe(2);
      return;
    }
    expect(a['error.type']).toBeUndefined();
    // Every fact the documented body states, stated on the span (checkSpan skips absent ones: require them here).
    expect(want.responseId).toEqual(expect.any(String));
    expect(a['gen_ai.response.id']).toBe(want.responseId);
    if (want.responseModel !== undefined) expect(a['gen_ai.response.model']).toBe(want.responseModel);
    expect(want.inputTokens).toEqual(expect.any(Number));
    expect(want.outputTokens).toEqual(expect.any(Number));
    expect(a['gen_ai.usage.input_tokens']).toBe(want.inputTokens);
    expect(a['gen_ai.usage.output_tokens']).toBe(want.outputTokens);
    if (want.cacheReadInputTokens !== undefined) expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(want.cacheReadInputTokens);
    if (want.reasoningOutputTokens !== undefined) expect(a['gen_ai.usage.reasoning.output_tokens']).toBe(want.reasoningOutputTokens);
    expect(want.finishReasons?.length).toBeGreaterThan(0);
    expect(a['gen_ai.response.finish_reasons']).toEqual(want.finishReasons);
    expect(want.outputText).toEqual(expect.any(String));
    const output = JSON.parse(String(a['gen_ai.output.messages']));
    expect(output[0].parts.filter((p: { type: string }) => p.type === 'text').map((p: { content: string }) => p.content).join('')).toBe(want.outputText);
  });
});

test('Gemini facts the documented bodies exercise: thoughts count as output, cached tokens as input', () => {
  const sse = expectedFrom(documented.find((f) => f.id === 'gemini/stream-generate-content-sse')!);
  expect(sse.reasoningOutputTokens).toBeGreaterThan(0);
  const plain = expectedFrom(documented.find((f) => f.id === 'gemini/generate-content')!);
  expect(plain.cacheReadInputTokens).toBeGreaterThan(0);
});

test('no secret reaches an exported span', () => {
  expect(receiver.rawBodies.length).toBeGreaterThan(0);
  for (const body of receiver.rawBodies) {
    expect(body).not.toContain(APP_SECRET);
    expect(body).not.toContain(GEMINI_KEY);
    expect(body).not.toContain('AIza');
    expect(body.toLowerCase()).not.toContain('authorization');
  }
});

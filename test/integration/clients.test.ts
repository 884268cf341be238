/**
 * Every recorded exchange, through real clients (raw fetch, raw http.request, openai v4 over
 * node:http, the current openai over fetch, @anthropic-ai/sdk, @aws-sdk/client-bedrock-runtime),
 * under the real preload in a child process; spans arrive over OTLP/HTTP JSON and are checked
 * against what the recorded bodies say.
 */
import * as zlib from 'node:zlib';
import { loadFixtures, wireResponseBytes, type Fixture } from '../helpers/fixtures';
import { checkSpan } from '../helpers/check-span';
import { apiOf, reportsUsage, responseText } from '../helpers/expected';
import { APP_SECRET, runClientApp, type AppCall } from '../helpers/client-app';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { REPLAY_ROUTES } from '../helpers/run-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startReplayServer } = require('../helpers/replay-server.js');

let replay: { url: string; close(): Promise<void> };
let receiver: OtlpReceiver;

beforeAll(async () => {
  replay = await startReplayServer({ chunkDelayMs: 2 });
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await replay?.close();
  await receiver?.close();
});

const all = loadFixtures();
const readable = (f: Fixture) => responseText(f) !== undefined;
const llm = (f: Fixture) => apiOf(f) !== 'images';

/** Runs one app process over `fixtures` with `client`; returns each call's result and HTTP span. */
async function runClient(client: string, fixtures: Fixture[]): Promise<Map<string, AppCall>> {
  const steps = fixtures.map((f) => ({ id: f.id, fixture: f.id, client }));
  const { run, calls } = await runClientApp({ receiver, replayUrl: replay.url, steps, config: { routes: REPLAY_ROUTES } });
  expect(run.stderr).toContain('[otel-genai-braintrust] tracing LLM calls');
  expect(calls.size).toBe(fixtures.length);
  expect(new Set([...calls.values()].map((c) => c.result.traceId)).size).toBe(fixtures.length);
  return calls;
}

function providerOf(f: Fixture): string {
  return f.family === 'aws-bedrock' ? 'aws.bedrock' : f.family;
}

describe('raw http.request (node:http)', () => {
  const fixtures = all;
  let calls: Map<string, AppCall>;
  beforeAll(async () => {
    calls = await runClient('http', fixtures);
  }, 120000);

  test.each(fixtures.map((f) => [f.id, f]))('%s', (_id, f) => {
    const { result, span } = calls.get(f.id)!;
    // The app received exactly the bytes the provider sent.
    expect(result.status).toBe(f.response.status);
    expect(Buffer.from(result.bodyBase64 ?? '', 'base64').equals(wireResponseBytes(f))).toBe(true);
    if (llm(f)) checkSpan(f, span, providerOf(f));
    else expect(Object.keys(span!.attributes).filter((k) => k.startsWith('gen_ai.'))).toEqual([]);
  });
});

describe('raw fetch (undici)', () => {
  const fixtures = all.filter(readable);
  let calls: Map<string, AppCall>;
  beforeAll(async () => {
    calls = await runClient('fetch', fixtures);
  }, 120000);

  test.each(fixtures.map((f) => [f.id, f]))('%s', (_id, f) => {
    const { result, span } = calls.get(f.id)!;
    expect(result.status).toBe(f.response.status);
    // fetch undoes Content-Encoding: compare with the decoded recording.
    const wire = wireResponseBytes(f);
    const decoded = f.response.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(wire, { finishFlush: zlib.constants.Z_SYNC_FLUSH }) : wire;
    expect(Buffer.from(result.bodyBase64 ?? '', 'base64').equals(decoded)).toBe(true);
    if (llm(f)) checkSpan(f, span, providerOf(f));
  });
});

describe.each([
  ['openai', 'current openai SDK (fetch)'],
  ['openai-v4', 'openai v4 SDK (node-fetch over node:http)'],
])('%s: %s', (client) => {
  const fixtures = all.filter((f) => (f.family === 'openai' || f.family === 'together') && llm(f) && readable(f) && f.response.status < 400);
  let calls: Map<string, AppCall>;
  beforeAll(async () => {
    calls = await runClient(client, fixtures);
  }, 120000);

  test.each(fixtures.map((f) => [f.id, f]))('%s', (_id, f) => {
    const { result, span } = calls.get(f.id)!;
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    checkSpan(f, span, providerOf(f));
  });
});

describe('@anthropic-ai/sdk (fetch)', () => {
  const fixtures = all.filter((f) => f.family === 'anthropic');
  let calls: Map<string, AppCall>;
  beforeAll(async () => {
    calls = await runClient('anthropic', fixtures);
  }, 120000);

  test.each(fixtures.map((f) => [f.id, f]))('%s', (_id, f) => {
    const { result, span } = calls.get(f.id)!;
    expect(result.ok).toBe(true);
    // The SDK traces the call itself (a com.anthropic.sdk span with usage, parent of the HTTP span):
    // our HTTP span describes the call but leaves the token counts to it, so they count once.
    checkSpan(f, span, 'anthropic', { usageFromAncestor: true });
    const inTrace = receiver.spans.filter((s) => s.traceId === result.traceId && s.attributes['gen_ai.usage.output_tokens'] !== undefined);
    expect(inTrace.map((s) => s.scope)).toEqual([expect.stringMatching(/anthropic/)]);
    expect(span!.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });
});

describe('@aws-sdk/client-bedrock-runtime (node:http)', () => {
  const fixtures = all.filter((f) => f.family === 'aws-bedrock');
  let calls: Map<string, AppCall>;
  beforeAll(async () => {
    calls = await runClient('bedrock', fixtures);
  }, 120000);

  test.each(fixtures.map((f) => [f.id, f]))('%s', (_id, f) => {
    const { result, span } = calls.get(f.id)!;
    expect(result.ok).toBe(f.response.status < 400);
    checkSpan(f, span, 'aws.bedrock');
    if (f.response.status < 400 && reportsUsage(f)) {
      // Usage reported in the body, the stream's invocation metrics or headers reaches the span.
      expect(span!.attributes['gen_ai.usage.input_tokens']).toEqual(expect.any(Number));
      expect(span!.attributes['gen_ai.usage.output_tokens']).toEqual(expect.any(Number));
    }
  });
});

test('no secret reaches an exported span', () => {
  expect(receiver.rawBodies.length).toBeGreaterThan(0);
  for (const body of receiver.rawBodies) {
    expect(body).not.toContain(APP_SECRET);
    expect(body).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(body.toLowerCase()).not.toContain('authorization');
  }
});

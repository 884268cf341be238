/**
 * The preload as users run it: `node --require ./instrumentation app.js` and `--import` for ESM,
 * with spans checked at an OTLP/HTTP JSON receiver. Also its failure modes and shutdown behaviour.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { REPLAY_ROUTES, REPO_ROOT, runApp, tempFile, waitFor } from '../helpers/run-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startReplayServer } = require('../helpers/replay-server.js');

const CJS_APP = path.join(REPO_ROOT, 'test/apps/tiny-cjs-app.js');
const ESM_APP = path.join(REPO_ROOT, 'test/apps/tiny-esm-app.mjs');
const PRELOAD = path.join(REPO_ROOT, 'instrumentation');

let replay: { url: string; close(): Promise<void> };
let receiver: OtlpReceiver;

beforeAll(async () => {
  replay = await startReplayServer({ chunkDelayMs: 1 });
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await replay?.close();
  await receiver?.close();
});

/** Spans of one service, once `count` GenAI client spans have arrived. */
async function genAiSpans(service: string, count: number): Promise<ReceivedSpan[]> {
  const mine = () => receiver.spans.filter((s) => s.resource['service.name'] === service && s.attributes['gen_ai.operation.name'] !== undefined);
  await waitFor(() => mine().length >= count, 5000);
  return mine();
}

function expectChatSpan(span: ReceivedSpan): void {
  expect(span.name).toBe('chat gpt-4o-mini');
  expect(span.attributes['gen_ai.provider.name']).toBe('openai');
  expect(span.attributes['gen_ai.usage.input_tokens']).toBe(22);
  expect(span.attributes['gen_ai.usage.output_tokens']).toBe(3);
  expect(span.kind).toBe(3);
}

test('CJS app under --require: node:http and fetch calls are tagged and exported over OTLP', async () => {
  const run = await runApp({
    script: CJS_APP,
    otlpUrl: receiver.url,
    config: { routes: REPLAY_ROUTES },
    env: {
      REPLAY_URL: replay.url,
      OTEL_SERVICE_NAME: 'cjs-app',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,team=llm',
      // Exporter credentials must not reach the start-up line.
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer otlp-header-secret',
    },
  });
  expect(run.code).toBe(0);
  const spans = await genAiSpans('cjs-app', 2);
  expect(spans.map((s) => s.scope).sort()).toEqual(['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-undici']);
  spans.forEach(expectChatSpan);
  // One start-up line: what is traced, where it goes; no secrets.
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('[otel-genai-braintrust]'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain('cjs-app');
  expect(lines[0]).toContain(`otlp (http/json, ${receiver.url}`);
  expect(run.stderr).not.toContain('sk-tiny-app-secret');
  expect(run.stderr).not.toContain('otlp-header-secret');
  expect(spans[0]!.resource).toMatchObject({ 'service.name': 'cjs-app', 'deployment.environment.name': 'staging', team: 'llm' });
});

test('credentials in query strings never reach a span (node:http and fetch)', async () => {
  const secret = 'AIzaSy-query-key-DO-NOT-LEAK';
  const query = `?key=${secret}&api-version=2024-10-21&X-Amz-Signature=${secret}`;
  const run = await runApp({ script: CJS_APP, otlpUrl: receiver.url, config: { routes: REPLAY_ROUTES }, env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'query-secret', QUERY: query } });
  expect(run.code).toBe(0);
  const spans = await genAiSpans('query-secret', 2);
  expect(spans).toHaveLength(2);
  for (const s of spans) {
    expect(String(s.attributes['url.full'])).toContain('key=REDACTED&api-version=2024-10-21&X-Amz-Signature=REDACTED');
  }
  for (const body of receiver.rawBodies) expect(body).not.toContain(secret);
});

test('ESM app under --require: node:http imported as ESM is still traced', async () => {
  const run = await runApp({ script: ESM_APP, otlpUrl: receiver.url, config: { routes: REPLAY_ROUTES }, env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'esm-require-app' } });
  expect(run.code).toBe(0);
  const spans = await genAiSpans('esm-require-app', 3);
  expect(spans.filter((s) => s.scope === '@opentelemetry/instrumentation-http')).toHaveLength(2);
  spans.forEach(expectChatSpan);
});

test('ESM app under --import', async () => {
  const run = await runApp({
    script: ESM_APP,
    nodeArgs: ['--import', path.join(PRELOAD, 'index.mjs')],
    otlpUrl: receiver.url,
    config: { routes: REPLAY_ROUTES },
    env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'esm-import-app' },
  });
  expect(run.code).toBe(0);
  const spans = await genAiSpans('esm-import-app', 3);
  spans.forEach(expectChatSpan);
});

test('message content is captured by default and not with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=false', async () => {
  await runApp({ script: CJS_APP, otlpUrl: receiver.url, config: { routes: REPLAY_ROUTES }, env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'content-on' } });
  await runApp({
    script: CJS_APP,
    otlpUrl: receiver.url,
    config: { routes: REPLAY_ROUTES },
    env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'content-off', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'false' },
  });
  const on = await genAiSpans('content-on', 2);
  const off = await genAiSpans('content-off', 2);
  for (const s of on) expect(JSON.parse(String(s.attributes['gen_ai.input.messages']))[0].parts[0].content).toContain('Bouvet Island');
  for (const s of off) {
    expect(Object.keys(s.attributes).filter((k) => /messages|instructions|definitions/.test(k))).toEqual([]);
    expect(s.attributes['gen_ai.usage.input_tokens']).toBe(22);
  }
});

test('OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental switches to the newest names', async () => {
  const fixture = 'anthropic/test-ai-sdk-integration-with-recording-should-capture-and-transform-anthropic-cache-tokens-from-providermetadata';
  const plan = tempFile('plan.json', JSON.stringify({ replayUrl: replay.url, steps: [{ id: 'x', fixture, client: 'http' }] }));
  await runApp({
    script: path.join(REPO_ROOT, 'test/apps/llm-client-app.js'),
    otlpUrl: receiver.url,
    config: { routes: REPLAY_ROUTES },
    env: { APP_PLAN: plan, OTEL_SERVICE_NAME: 'latest-names', OTEL_SEMCONV_STABILITY_OPT_IN: 'http,gen_ai_latest_experimental' },
  });
  const [span] = await genAiSpans('latest-names', 1);
  const usage = JSON.parse(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/llm-exchanges', `${fixture}.json`), 'utf8')).response.body).usage;
  expect(span!.attributes['gen_ai.usage.cache_write.input_tokens']).toBe(usage.cache_creation_input_tokens);
  expect(span!.attributes['gen_ai.usage.cache_creation.input_tokens']).toBeUndefined();
});

test('OTEL_SDK_DISABLED=true: one line, nothing traced, the app runs', async () => {
  const run = await runApp({ script: CJS_APP, otlpUrl: receiver.url, config: { routes: REPLAY_ROUTES }, env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'disabled-app', OTEL_SDK_DISABLED: 'true' } });
  expect(run.code).toBe(0);
  expect(run.stderr).toContain('disabled by OTEL_SDK_DISABLED');
  await new Promise((r) => setTimeout(r, 300));
  expect(receiver.spans.filter((s) => s.resource['service.name'] === 'disabled-app')).toEqual([]);
});

test('OTEL_TRACES_SAMPLER=always_off is honoured', async () => {
  const run = await runApp({ script: CJS_APP, otlpUrl: receiver.url, config: { routes: REPLAY_ROUTES }, env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'sampled-off', OTEL_TRACES_SAMPLER: 'always_off' } });
  expect(run.code).toBe(0);
  await new Promise((r) => setTimeout(r, 300));
  expect(receiver.spans.filter((s) => s.resource['service.name'] === 'sampled-off')).toEqual([]);
});

test('a broken config file: one clear error line, and the app runs untraced', async () => {
  const broken = tempFile('otel.config.js', 'module.exports = { routes: [ this is not javascript');
  const run = await runApp({ script: CJS_APP, otlpUrl: receiver.url, env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'broken-config', OTEL_GENAI_CONFIG: broken } });
  expect(run.code).toBe(0);
  const lines = run.stderr.split('\n').filter((l) => l.includes('[otel-genai-braintrust]'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/not started: .*the app runs untraced/);
});

test.each(['SIGTERM', 'SIGINT'] as const)('%s: spans are flushed, then the process ends by the signal as it would have without us', async (signal) => {
  let pid = 0;
  const service = `${signal.toLowerCase()}-app`;
  const run = runApp({
    script: CJS_APP,
    otlpUrl: receiver.url,
    config: { routes: REPLAY_ROUTES },
    // A long batch delay: only the shutdown flush can deliver these spans in time.
    env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: service, WAIT_FOR_SIGNAL: '1', OTEL_BSP_SCHEDULE_DELAY: '60000' },
    onSpawn: (p) => (pid = p),
  });
  await waitFor(() => pid !== 0 && receiver.spans.length >= 0, 1000);
  // Wait for the app to make its calls and report ready.
  await new Promise((r) => setTimeout(r, 1500));
  process.kill(pid, signal);
  const result = await run;
  expect(result.signal).toBe(signal);
  const spans = await genAiSpans(service, 2);
  expect(spans).toHaveLength(2);
});

test('a missing build is one line and never a crash', async () => {
  const shim = fs.readFileSync(path.join(PRELOAD, 'index.js'), 'utf8');
  expect(shim).toContain("require('../dist/instrumentation/preload.js')");
  const fake = tempFile('index.js', shim);
  const run = await runApp({ script: CJS_APP, nodeArgs: ['--require', fake], env: { REPLAY_URL: replay.url } });
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(/\[otel-genai-braintrust\] not started: .*untraced/);
});

describe('with a Braintrust key', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startBraintrustServer, DEFAULT_API_KEY } = require('../helpers/braintrust-server.js');
  let braintrust: import('../helpers/braintrust-server').BraintrustServer;
  beforeAll(async () => {
    braintrust = await startBraintrustServer();
  });
  afterAll(async () => {
    await braintrust?.close();
  });

  test('records go to Braintrust and spans still to OTEL_TRACES_EXPORTER; the start-up line names both, and no key', async () => {
    const run = await runApp({
      script: CJS_APP,
      otlpUrl: receiver.url,
      config: { routes: REPLAY_ROUTES },
      env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'both-app', BRAINTRUST_API_KEY: DEFAULT_API_KEY, BRAINTRUST_API_URL: braintrust.url },
    });
    expect(run.code).toBe(0);
    const line = run.stderr.split('\n').find((l) => l.startsWith('[otel-genai-braintrust]'))!;
    // The project defaults to the service name.
    expect(line).toContain(`records → Braintrust project "both-app" at ${braintrust.url}; spans also → otlp (http/json, ${receiver.url}`);
    expect(line).toContain('message content captured');
    expect(run.stderr).not.toContain(DEFAULT_API_KEY);
    expect((await genAiSpans('both-app', 2)).length).toBe(2);
    const llm = braintrust.rows('both-app').filter((r) => (r.span_attributes as { type: string }).type === 'llm');
    expect(llm).toHaveLength(2);
    expect(llm.every((r) => (r.metrics as { prompt_tokens: number }).prompt_tokens === 22)).toBe(true);
  });

  test('OTEL_GENAI_BRAINTRUST_EXPORT=false: no records anywhere, spans still to OTEL_TRACES_EXPORTER', async () => {
    const run = await runApp({
      script: CJS_APP,
      otlpUrl: receiver.url,
      config: { routes: REPLAY_ROUTES },
      env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'off-app', BRAINTRUST_API_KEY: DEFAULT_API_KEY, BRAINTRUST_API_URL: braintrust.url, OTEL_GENAI_BRAINTRUST_EXPORT: 'false' },
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('records: off (OTEL_GENAI_BRAINTRUST_EXPORT=false); spans also → otlp');
    expect((await genAiSpans('off-app', 2)).length).toBe(2);
    expect(braintrust.projects().map((p) => p.name)).not.toContain('off-app');
  });

  test("the exporter's own requests to Braintrust are never traced (they would loop)", async () => {
    let pid = 0;
    const run = runApp({
      script: CJS_APP,
      otlpUrl: receiver.url,
      config: { routes: REPLAY_ROUTES },
      // A long-running app: records go out on the exporter's interval while every processor is live.
      env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'quiet-app', WAIT_FOR_SIGNAL: '1', BRAINTRUST_API_KEY: DEFAULT_API_KEY, BRAINTRUST_API_URL: braintrust.url },
      onSpawn: (p) => (pid = p),
    });
    await waitFor(() => braintrust.rows('quiet-app').length >= 2, 10000);
    await new Promise((r) => setTimeout(r, 300)); // OTEL_BSP_SCHEDULE_DELAY is 20 ms in tests
    process.kill(pid, 'SIGTERM');
    await run;
    const spans = receiver.spans.filter((s) => s.resource['service.name'] === 'quiet-app');
    expect(spans.filter((s) => s.attributes['gen_ai.operation.name'] !== undefined)).toHaveLength(2);
    const urlOf = (s: ReceivedSpan) => String(s.attributes['url.full'] ?? s.attributes['http.url'] ?? '');
    expect(spans.filter((s) => urlOf(s).startsWith(braintrust.url))).toEqual([]);
  });

  test('an outage at exit: the process still ends within the shutdown timeout, with one line saying what was dropped', async () => {
    braintrust.fault({ route: '*', kind: 'status', status: 503, times: Infinity });
    try {
      const started = Date.now();
      const run = await runApp({
        script: CJS_APP,
        config: { routes: REPLAY_ROUTES, shutdownTimeoutMs: 1500 },
        env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'outage-app', BRAINTRUST_API_KEY: DEFAULT_API_KEY, BRAINTRUST_API_URL: braintrust.url },
      });
      expect(run.code).toBe(0);
      expect(Date.now() - started).toBeLessThan(6000);
      expect(run.stderr).toMatch(/dropped 2 records \((2 shutdown|2 undeliverable)\); last error: project lookup: HTTP 503/);
      expect(braintrust.rows('outage-app')).toEqual([]);
    } finally {
      braintrust.clearFaults();
    }
  });
});

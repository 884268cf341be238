/**
 * `transport: "sdk"` against the Braintrust API test server, which serves the SDK's routes (login,
 * project register, version, logs3) and validates rows as strictly as the real API. The same spans go
 * through both transports into two projects: the rows must be the same rows. Then the SDK's own
 * failure handling (synchronous validation, 3 tries per request), and what it leaves behind.
 */
import { BraintrustSpanExporter } from '../../exporters/braintrust-exporter';
import type { LogFn } from '../../exporters/delivery/delivery';
import { SdkTransport } from '../../exporters/delivery/sdk-transport';
import type { BraintrustExporterOptions } from '../../exporters/options';
import type { BraintrustRecord, ExportableSpan } from '../../exporters/record';
import type { BraintrustRow, BraintrustServer } from '../helpers/braintrust-server';
import { makeSpan, TRACE_ID } from '../helpers/span-factory';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startBraintrustServer, DEFAULT_API_KEY } = require('../helpers/braintrust-server.js');

/** The SDK reads these at login; the test server must be both the app and the API. */
const SDK_ENV = ['BRAINTRUST_APP_URL', 'BRAINTRUST_API_URL', 'BRAINTRUST_NUM_RETRIES', 'BRAINTRUST_SYNC_FLUSH'];
const savedEnv = SDK_ENV.map((name) => [name, process.env[name]] as const);
beforeAll(() => {
  for (const name of SDK_ENV) delete process.env[name];
});
afterAll(() => {
  for (const [name, value] of savedEnv) if (value !== undefined) process.env[name] = value;
});

let server: BraintrustServer;
beforeEach(async () => {
  server = await startBraintrustServer();
});
afterEach(async () => {
  await server?.close();
});

interface Logged {
  level: string;
  message: string;
}

function exporter(transport: 'http' | 'sdk', project: string, options: BraintrustExporterOptions = {}): { exporter: BraintrustSpanExporter; logs: Logged[] } {
  const logs: Logged[] = [];
  const e = new BraintrustSpanExporter({
    transport,
    apiKey: DEFAULT_API_KEY,
    apiUrl: server.url,
    appUrl: server.url,
    project,
    filter: 'all',
    flushIntervalMs: 10,
    retryBaseMs: 20,
    retryMaxMs: 200,
    flushTimeoutMs: 15_000,
    log: (level, message) => logs.push({ level, message }),
    ...options,
  });
  return { exporter: e, logs };
}

async function exportAndShutdown(e: BraintrustSpanExporter, spans: ExportableSpan[]): Promise<void> {
  e.export(spans, (result) => expect(result.code).toBe(0));
  await e.shutdown();
}

const ROOT = '1000000000000001';
const CHILD = '2000000000000002';
const GRANDCHILD = '3000000000000003';

/** root (a task with tags) → child (an LLM call with messages, usage) → grandchild (a failed tool call with tags, which only roots keep). */
function tree(): ExportableSpan[] {
  const root = makeSpan({
    spanId: ROOT,
    name: 'handle request',
    kind: 1,
    start: 1_700_000_000,
    end: 1_700_000_003.25,
    attributes: { 'braintrust.tags': ['checkout', 'beta'], 'braintrust.input': { question: 'Weather in Paris?' }, 'braintrust.output': '18°C', 'braintrust.metadata.user_tier': 'gold' },
  });
  const child = makeSpan({
    spanId: CHILD,
    parent: ROOT,
    name: 'chat gpt-4o-mini',
    kind: 2,
    start: 1_700_000_000.5,
    end: 1_700_000_002,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 80,
      'gen_ai.usage.cache_read.input_tokens': 1024,
      'gen_ai.response.time_to_first_chunk': 0.25,
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: '18°C and sunny.' }], finish_reason: 'stop' }]),
    },
  });
  const grandchild = makeSpan({
    spanId: GRANDCHILD,
    parent: CHILD,
    name: 'execute_tool weather',
    start: 1_700_000_001,
    end: 1_700_000_001.125,
    status: { code: 2, message: 'weather service unavailable' },
    attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'weather', 'braintrust.tags': ['tool'] },
  });
  // Children end first, as they do.
  return [grandchild, child, root];
}

/** A row without what only the SDK adds: `context` (caller, SDK version) and `span_attributes.exec_counter`. */
function withoutSdkExtras(row: BraintrustRow): BraintrustRow {
  const { context: _context, span_attributes, ...rest } = row;
  const { exec_counter: _counter, ...attributes } = span_attributes as Record<string, unknown>;
  return { ...rest, span_attributes: attributes };
}

const byId = (rows: BraintrustRow[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));

describe('the same translation feeds both transports', () => {
  let rest: BraintrustRow[];
  let sdk: BraintrustRow[];
  beforeEach(async () => {
    await exportAndShutdown(exporter('http', 'via-rest').exporter, tree());
    await exportAndShutdown(exporter('sdk', 'via-sdk').exporter, tree());
    rest = byId(server.rows('via-rest'));
    sdk = byId(server.rows('via-sdk'));
  });

  test('every row, field by field, equals the REST row (ids, parents, times, names, types, content, metadata, metrics, tags)', () => {
    expect(server.rejections).toEqual([]);
    expect(rest).toHaveLength(3);
    expect(sdk.map(withoutSdkExtras)).toEqual(rest);
    // What the SDK adds, and nothing else.
    for (const row of sdk) {
      expect(Object.keys(row).sort()).toEqual([...Object.keys(rest.find((r) => r.id === row.id)!), 'context'].sort());
      expect(Object.keys(row.span_attributes as object).sort()).toEqual(['exec_counter', 'name', 'type']);
    }
  });

  test('the tree keeps its parents, times and types; tags stay on the root', () => {
    const row = (id: string) => sdk.find((r) => r.id === id)!;
    expect(row(ROOT)).toMatchObject({ span_id: ROOT, root_span_id: TRACE_ID, span_parents: [], span_attributes: { name: 'handle request', type: 'task' }, tags: ['checkout', 'beta'], input: { question: 'Weather in Paris?' }, output: '18°C', metrics: { start: 1_700_000_000, end: 1_700_000_003.25 } });
    expect(row(CHILD)).toMatchObject({ span_id: CHILD, root_span_id: TRACE_ID, span_parents: [ROOT], span_attributes: { name: 'chat gpt-4o-mini', type: 'llm' }, metrics: { start: 1_700_000_000.5, end: 1_700_000_002, prompt_tokens: 1200, completion_tokens: 80, prompt_cached_tokens: 1024, time_to_first_token: 0.25 }, metadata: { model: 'gpt-4o-mini' } });
    expect(row(GRANDCHILD)).toMatchObject({ span_id: GRANDCHILD, root_span_id: TRACE_ID, span_parents: [CHILD], span_attributes: { type: 'tool' }, error: 'weather service unavailable', metrics: { start: 1_700_000_001, end: 1_700_000_001.125 } });
    expect(row(CHILD)).not.toHaveProperty('tags');
    expect(row(GRANDCHILD)).not.toHaveProperty('tags');
  });

  test("the SDK's requests: login and register at the app URL, version, then logs3 at the API URL", () => {
    const sdkPaths = server.requests.map((r) => r.path).filter((p) => !p.startsWith('/v1/'));
    expect(sdkPaths).toEqual(['/api/apikey/login', '/api/project/register', '/version', '/logs3']);
  });
});

describe('failures', () => {
  /** n root LLM spans, each its own trace. */
  function roots(n: number): ExportableSpan[] {
    return Array.from({ length: n }, (_, i) => {
      const id = `a${i}`.padStart(16, '0');
      return makeSpan({ spanId: id, traceId: id.padStart(32, '0'), attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 3 } });
    });
  }

  function transport(log: LogFn = () => undefined): SdkTransport {
    return new SdkTransport({ apiKey: DEFAULT_API_KEY, appUrl: server.url, project: { name: 'direct' }, requestTimeoutMs: 5000, closeTimeoutMs: 5000, log });
  }

  const record = (id: string, extra: Partial<BraintrustRecord> = {}): string =>
    JSON.stringify({ id, span_id: id, root_span_id: TRACE_ID, span_parents: [], created: '2023-11-14T22:13:20.000Z', span_attributes: { name: id, type: 'task' }, metadata: {}, metrics: { start: 1_700_000_000, end: 1_700_000_001 }, ...extra });

  test('a record the SDK refuses does not stop the others: they are sent, and one line says what was not', async () => {
    const logs: Logged[] = [];
    const t = transport((level, message) => logs.push({ level, message }));
    const invalid = record('bad', { metrics: { start: 1_700_000_000, prompt_tokens: 'many' as unknown as number } });
    const result = await t.send([record('good-1'), invalid, '{not json', record('good-2')]);
    await t.close();
    expect(result).toEqual({ ok: true });
    expect(server.rows('direct').map((r) => r.id)).toEqual(['good-1', 'good-2']);
    expect(logs).toEqual([{ level: 'warn', message: 'transport "sdk": 2 of 4 records not sent; 2 records refused by the SDK: metric values must be numbers' }]);

    // A batch of nothing but refused records is a failed batch (and not worth retrying).
    expect(await t.send([invalid])).toEqual({ ok: false, retryable: false, message: 'the braintrust SDK refused every record of the batch: metric values must be numbers' });
    expect(server.rejections).toEqual([]);
  });

  test('logs3 answers 500 twice: the SDK\'s own retries deliver every record, each once', async () => {
    server.fault({ route: 'logs3', kind: 'status', status: 500, times: 2 });
    const { exporter: e, logs } = exporter('sdk', 'faults');
    const spans = roots(5);
    await exportAndShutdown(e, spans);
    expect(server.rows('faults').map((r) => r.id).sort()).toEqual(spans.map((s) => s.spanContext().spanId).sort());
    for (const s of spans) expect(server.receivedCount(s.spanContext().spanId)).toBe(1);
    expect(server.requests.filter((r) => r.path === '/logs3').map((r) => r.status)).toEqual([500, 500, 200]);
    expect(e.stats).toEqual({ sent: 5, retries: 0, dropped: { 'queue full': 0, undeliverable: 0, 'key rejected': 0, shutdown: 0 } });
    expect(logs).toEqual([]);
  });

  test('logs3 answers 500 three times: the SDK gives up, and the batch is counted as dropped, not retried again', async () => {
    server.fault({ route: 'logs3', kind: 'status', status: 500, times: 3 });
    const { exporter: e, logs } = exporter('sdk', 'faults');
    await exportAndShutdown(e, roots(5));
    expect(server.rows('faults')).toEqual([]);
    expect(server.requests.filter((r) => r.path === '/logs3').map((r) => r.status)).toEqual([500, 500, 500]);
    expect(e.stats).toEqual({ sent: 0, retries: 0, dropped: { 'queue full': 0, undeliverable: 5, 'key rejected': 0, shutdown: 0 } });
    expect(logs).toEqual([{ level: 'warn', message: expect.stringMatching(/^dropped 5 records \(5 undeliverable\); last error: logs3: 1 request failed after the SDK's retries: Error: 500 \(Internal Server Error\)/) }]);
  });

  test('a failed project lookup is retried with a new SDK logger (the SDK would keep the failure for good)', async () => {
    server.fault({ route: 'register', kind: 'status', status: 503 });
    const { exporter: e, logs } = exporter('sdk', 'faults');
    const spans = roots(3);
    await exportAndShutdown(e, spans);
    expect(server.rows('faults')).toHaveLength(3);
    expect(server.requests.filter((r) => r.path === '/api/project/register').map((r) => r.status)).toEqual([503, 200]);
    expect(e.stats).toMatchObject({ sent: 3, retries: 1 });
    expect(logs).toEqual([]);
  });

  test('a rejected API key stops delivery with one error line, as with REST', async () => {
    const { exporter: e, logs } = exporter('sdk', 'faults', { apiKey: 'not-a-key' });
    await exportAndShutdown(e, roots(2));
    expect(e.stats.dropped['key rejected']).toBe(2);
    expect(logs).toEqual([{ level: 'error', message: expect.stringContaining('BRAINTRUST_API_KEY was rejected (HTTP 401)') }]);
    expect(server.requests.map((r) => r.path)).toEqual(['/api/apikey/login']);
  });
});

describe('what the transport leaves behind', () => {
  test('shutdown resolves, adds no beforeExit listener, and never logs into the global Braintrust state', async () => {
    const listeners = process.listenerCount('beforeExit');
    const { exporter: e } = exporter('sdk', 'isolated');
    // Importing braintrust (done by the transport) created the global state; watch what is logged into it.
    const global = (globalThis as Record<symbol, unknown>)[Symbol.for('braintrust-state')] as GlobalState;
    const intoGlobal: unknown[] = [];
    global.setOverrideBgLogger({ log: (items: unknown[]) => void intoGlobal.push(...items), flush: async () => undefined, pendingFlushBytes: () => 0, flushBackpressureBytes: () => 0, setMaskingFunction: () => undefined });
    try {
      await exportAndShutdown(e, tree());
    } finally {
      global.setOverrideBgLogger(null);
    }
    expect(server.rows('isolated')).toHaveLength(3);
    expect(intoGlobal).toEqual([]);
    expect(global.loggedIn).toBe(false);
    expect(global.currentLogger).toBeUndefined();
    expect(process.listenerCount('beforeExit')).toBe(listeners);
  });
});

/** The parts of the SDK's global `BraintrustState` this test reads. */
interface GlobalState {
  loggedIn: boolean;
  currentLogger: unknown;
  setOverrideBgLogger(logger: object | null): void;
}

/**
 * Delivery under faults, against the Braintrust API test server: every injected fault ends with every
 * record delivered exactly once (ids make retries idempotent) or, for a permanent 4xx, one clear
 * error; an outage never grows memory past the bound; shutdown during an outage returns in time.
 */
import { BraintrustSpanExporter } from '../../exporters/braintrust-exporter';
import type { BraintrustExporterOptions } from '../../exporters/options';
import type { BraintrustServer } from '../helpers/braintrust-server';
import { makeSpan } from '../helpers/span-factory';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startBraintrustServer, DEFAULT_API_KEY } = require('../helpers/braintrust-server.js');

let server: BraintrustServer;
beforeEach(async () => {
  server = await startBraintrustServer({ forbiddenKeys: ['forbidden-key'] });
});
afterEach(async () => {
  await server?.close();
});

const LLM = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 2 };

/** `n` root LLM spans, each its own trace (so every span is exported as it ends). */
function spans(n: number, prefix = 's', content = '') {
  return Array.from({ length: n }, (_, i) => {
    const id = `${prefix}${i}`.padStart(16, '0');
    return makeSpan({ spanId: id, traceId: id.padStart(32, '0'), attributes: content ? { ...LLM, 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content }] }]) } : LLM });
  });
}

interface Logged {
  level: string;
  message: string;
}

function exporter(options: BraintrustExporterOptions = {}): { exporter: BraintrustSpanExporter; logs: Logged[] } {
  const logs: Logged[] = [];
  const e = new BraintrustSpanExporter({
    apiKey: DEFAULT_API_KEY,
    apiUrl: server.url,
    project: 'faults',
    flushIntervalMs: 10,
    retryBaseMs: 20,
    retryMaxMs: 200,
    retryDeadlineMs: 5000,
    flushTimeoutMs: 10000,
    log: (level, message) => logs.push({ level, message }),
    ...options,
  });
  return { exporter: e, logs };
}

function exportAll(e: BraintrustSpanExporter, list: ReturnType<typeof spans>): void {
  let calls = 0;
  e.export(list, (result) => {
    calls++;
    expect(result.code).toBe(0);
  });
  expect(calls).toBe(1); // the callback, exactly once, at once
}

const insertRequests = () => server.requests.filter((r) => r.path.endsWith('/insert'));

test.each([
  ['429 with Retry-After', { kind: 'status', status: 429, retryAfter: 0.05 }],
  ['500', { kind: 'status', status: 500 }],
  ['503 three times', { kind: 'status', status: 503, times: 3 }],
  ['408', { kind: 'status', status: 408 }],
  ['a connection reset', { kind: 'reset' }],
  ['a slow answer', { kind: 'slow', delayMs: 300 }],
] as const)('%s: every record delivered exactly once', async (_name, fault) => {
  const { exporter: e, logs } = exporter();
  server.fault({ route: 'insert', ...fault } as never);
  const list = spans(25);
  exportAll(e, list);
  await e.shutdown();
  const rows = server.rows('faults');
  expect(rows.map((r) => r.id).sort()).toEqual(list.map((s) => s.spanContext().spanId).sort());
  expect(server.rejections).toEqual([]);
  expect(e.stats.dropped).toEqual({ 'queue full': 0, undeliverable: 0, 'key rejected': 0, shutdown: 0 });
  if (fault.kind !== 'slow') expect(e.stats.retries).toBeGreaterThanOrEqual(1);
  expect(logs).toEqual([]);
});

test('Retry-After is honoured: the retry waits at least as long as the server asked', async () => {
  const { exporter: e } = exporter({ retryMaxMs: 5000 });
  server.fault({ route: 'insert', kind: 'status', status: 429, retryAfter: 1 });
  exportAll(e, spans(3));
  await e.shutdown();
  const inserts = insertRequests();
  expect(inserts.length).toBe(2);
  expect(inserts[1]!.at - inserts[0]!.at).toBeGreaterThanOrEqual(950);
});

test('a fault on the project lookup is retried too; the project id is resolved once', async () => {
  const { exporter: e } = exporter();
  server.fault({ route: 'project', kind: 'status', status: 503 });
  exportAll(e, spans(3, 'a'));
  await e.forceFlush();
  exportAll(e, spans(3, 'b'));
  await e.shutdown();
  expect(server.rows('faults')).toHaveLength(6);
  expect(server.requests.filter((r) => r.path === '/v1/project' && r.status === 200)).toHaveLength(1);
});

test('401: one clear error line, nothing retried, later records dropped quietly', async () => {
  const { exporter: e, logs } = exporter({ apiKey: 'not-a-valid-key' });
  exportAll(e, spans(5, 'a'));
  await e.forceFlush();
  exportAll(e, spans(5, 'b'));
  await e.shutdown();
  expect(logs).toEqual([{ level: 'error', message: expect.stringContaining('BRAINTRUST_API_KEY was rejected (HTTP 401)') }]);
  expect(logs[0]!.message).not.toContain('not-a-valid-key');
  expect(server.requests).toHaveLength(1);
  expect(e.stats.dropped['key rejected']).toBe(10);
});

test('403 is a rejected key too', async () => {
  const { exporter: e, logs } = exporter({ apiKey: 'forbidden-key' });
  exportAll(e, spans(2));
  await e.shutdown();
  expect(logs.map((l) => l.message)).toEqual([expect.stringContaining('was rejected (HTTP 403)')]);
});

test('413 splits the batch until it fits; every record lands once', async () => {
  await server.close();
  server = await startBraintrustServer({ maxRequestBytes: 40 * 1024 });
  const { exporter: e } = exporter({ maxBatchBytes: 1024 * 1024 });
  const list = spans(40, 's', 'x'.repeat(3000));
  exportAll(e, list);
  await e.shutdown();
  expect(server.rows('faults')).toHaveLength(40);
  expect(server.requests.some((r) => r.status === 413)).toBe(true);
  for (const s of list) expect(server.receivedCount(s.spanContext().spanId)).toBe(1);
});

test('a permanent 4xx drops the batch with one warning naming the status', async () => {
  const { exporter: e, logs } = exporter();
  server.fault({ route: 'insert', kind: 'status', status: 422 });
  exportAll(e, spans(4));
  await e.shutdown();
  expect(server.rows('faults')).toHaveLength(0);
  expect(e.stats.dropped.undeliverable).toBe(4);
  expect(logs).toEqual([{ level: 'warn', message: expect.stringMatching(/dropped 4 records \(4 undeliverable\); last error: insert: HTTP 422/) }]);
});

test('an outage: memory stays under the bound, drops are counted in one warning per interval, shutdown returns within its timeout', async () => {
  const maxQueueBytes = 256 * 1024;
  const { exporter: e, logs } = exporter({ maxQueueBytes, flushTimeoutMs: 500, retryDeadlineMs: 60_000, retryMaxMs: 100, warnIntervalMs: 60_000 });
  server.fault({ route: 'insert', kind: 'status', status: 503, times: Infinity });
  const delivery = (e as unknown as { delivery: { heldBytes: number } }).delivery;
  let peak = 0;
  for (let round = 0; round < 20; round++) {
    exportAll(e, spans(50, `r${round}-`, 'y'.repeat(1000)));
    peak = Math.max(peak, delivery.heldBytes);
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(peak).toBeLessThanOrEqual(maxQueueBytes);
  expect(e.stats.dropped['queue full']).toBeGreaterThan(0);
  const started = Date.now();
  await e.shutdown();
  expect(Date.now() - started).toBeLessThan(2000);
  expect(server.rows('faults')).toHaveLength(0);
  const warnings = logs.filter((l) => l.level === 'warn');
  // One as drops began, one at shutdown with the rest: never one line per record or per batch.
  expect(warnings.length).toBeLessThanOrEqual(3);
  const total = Object.values(e.stats.dropped).reduce((a, b) => a + b, 0);
  expect(total).toBe(1000);
});

test('export() after shutdown is a no-op that still calls back', async () => {
  const { exporter: e } = exporter();
  await e.shutdown();
  exportAll(e, spans(2));
  expect(server.requests).toHaveLength(0);
});

test('shutdown from beforeExit while a retry waits: the retry happens and the process waits for it (regression)', async () => {
  // The first insert fails with Retry-After: 2 s; the app then has nothing left to do. A retry wait that
  // began before shutdown must not let the process exit without delivering.
  server.fault({ route: 'insert', kind: 'status', status: 503, retryAfter: 2 });
  const script = `
    const { BraintrustSpanExporter } = require(${JSON.stringify(require.resolve('../../dist/exporters/braintrust-exporter.js'))});
    const e = new BraintrustSpanExporter({ apiKey: ${JSON.stringify(DEFAULT_API_KEY)}, apiUrl: ${JSON.stringify(server.url)}, project: 'exit', flushIntervalMs: 1, flushTimeoutMs: 4000, log: (l, m) => console.error(m) });
    const span = (id) => ({ name: 'chat', kind: 2, spanContext: () => ({ traceId: id.padStart(32, '0'), spanId: id.padStart(16, '0') }), startTime: [1700000000, 0], endTime: [1700000001, 0], status: { code: 0 }, attributes: { 'gen_ai.operation.name': 'chat' } });
    e.export([span('1'), span('2'), span('3')], () => {});
    // Let the first attempt fail and its retry wait begin, then run out of work.
    setTimeout(() => process.once('beforeExit', () => e.shutdown()), 300);
  `;
  const { spawn } = await import('node:child_process');
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => spawn(process.execPath, ['-e', script], { stdio: 'inherit' }).on('exit', resolve));
  expect(code).toBe(0);
  expect(server.rows('exit')).toHaveLength(3);
  expect(Date.now() - started).toBeLessThan(4000);
});

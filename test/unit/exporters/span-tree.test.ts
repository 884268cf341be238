import { SpanTree, isAiSpan, type ReadySpan, type SpanFilter } from '../../../exporters/span-tree';
import { makeSpan, type SpanSpec } from '../../helpers/span-factory';

const AI = { 'gen_ai.operation.name': 'chat' };

function tree(filter: SpanFilter = 'ai', overrides: Partial<ConstructorParameters<typeof SpanTree>[0]> = {}, now = () => 0) {
  return new SpanTree({ filter, deferMs: 60_000, traceTtlMs: 600_000, maxTraces: 100, maxNodesPerTrace: 1000, ...overrides }, now);
}

const ids = (ready: ReadySpan[]) => ready.map((r) => [r.span.spanContext().spanId, r.parentSpanId ?? null]);

/**
 * A gateway request: server span (root) → middleware → handler → LLM HTTP client span, plus a
 * health-check child that is not AI. Specs in start order.
 */
const GATEWAY: SpanSpec[] = [
  { spanId: 'root', kind: 1 },
  { spanId: 'mw', parent: 'root' },
  { spanId: 'handler', parent: 'mw' },
  { spanId: 'llm', parent: 'handler', attributes: AI },
  { spanId: 'db', parent: 'handler' },
];
/** End order: children first. */
const END_ORDER = ['llm', 'db', 'handler', 'mw', 'root'];

function run(t: SpanTree, specs: SpanSpec[], endOrder: string[], withStarts: boolean): ReadySpan[] {
  const spans = new Map(specs.map((s) => [s.spanId, makeSpan(s)]));
  if (withStarts) for (const s of specs) t.onStart(makeSpan({ ...s, attributes: s.spanId === 'llm' ? {} : s.attributes }));
  return endOrder.flatMap((id) => t.onEnd(spans.get(id)!));
}

describe('SpanTree', () => {
  test.each([
    ['with span starts (processor)', true],
    ['with ended spans only (bare exporter)', false],
  ])('"ai" keeps the LLM span and the local root, re-parented across the rest — %s', (_name, withStarts) => {
    const t = tree();
    const ready = run(t, GATEWAY, END_ORDER, withStarts);
    expect(ids(ready).sort()).toEqual([
      ['llm', 'root'],
      ['root', null],
    ]);
    // With starts the trace is known complete at once; without, it stays until idle (late children).
    expect(t.size).toBe(withStarts ? 0 : 1);
  });

  test('with starts, the LLM span goes out at its own end, not held for the root', () => {
    const t = tree();
    const spans = GATEWAY.map(makeSpan);
    for (const s of spans) t.onStart(s);
    expect(ids(t.onEnd(spans[3]!))).toEqual([['llm', 'root']]);
  });

  test('a trace without AI spans exports nothing and is forgotten', () => {
    const t = tree();
    const specs = GATEWAY.map((s) => ({ ...s, attributes: {} }));
    expect(run(t, specs, END_ORDER, true)).toEqual([]);
    expect(t.size).toBe(0);
    expect(t.drain()).toEqual([]);
    expect(run(tree(), specs, END_ORDER, false)).toEqual([]);
  });

  test('an AI ancestor (e.g. an SDK span with gen_ai attributes at start) becomes the parent', () => {
    const t = tree();
    const specs: SpanSpec[] = [
      { spanId: 'root' },
      { spanId: 'sdk', parent: 'root', attributes: AI },
      { spanId: 'http', parent: 'sdk', attributes: AI },
    ];
    const spans = specs.map(makeSpan);
    for (const s of spans) t.onStart(s);
    const ready = [...t.onEnd(spans[2]!), ...t.onEnd(spans[1]!), ...t.onEnd(spans[0]!)];
    expect(ids(ready)).toEqual([
      ['http', 'sdk'],
      ['sdk', 'root'],
      ['root', null],
    ]);
  });

  test('"all" keeps every span with its real parent; a remote parent makes a local root', () => {
    const t = tree('all');
    const ready = [
      ...t.onEnd(makeSpan({ spanId: 'child', parent: 'server' })),
      ...t.onEnd(makeSpan({ spanId: 'server', parent: 'upstream-service-span', remote: true })),
    ];
    expect(ids(ready)).toEqual([
      ['child', 'server'],
      ['server', null],
    ]);
  });

  test('a filter function decides; null falls back to "ai"; a throwing filter falls back too', () => {
    const keepDb: SpanFilter = (span) => (span.name === 'db' ? true : span.name === 'llm' ? null : false);
    expect(ids(run(tree(keepDb), GATEWAY, END_ORDER, true)).sort()).toEqual([
      ['db', 'root'],
      ['llm', 'root'],
      ['root', null],
    ]);
    const throws: SpanFilter = () => {
      throw new Error('user bug');
    };
    expect(ids(run(tree(throws), GATEWAY, END_ORDER, true)).sort()).toEqual([
      ['llm', 'root'],
      ['root', null],
    ]);
  });

  test('a root that a filter rejects is still exported when a kept descendant points at it (no dangling parent)', () => {
    const dropRoot: SpanFilter = (span) => (span.name === 'root' ? false : null);
    const ready = run(tree(dropRoot), GATEWAY, END_ORDER, true);
    const exported = new Set(ready.map((r) => r.span.spanContext().spanId));
    for (const r of ready) if (r.parentSpanId) expect(exported.has(r.parentSpanId)).toBe(true);
  });

  test('fire-and-forget: an LLM span ending after its root still gets the root exported, late', () => {
    for (const withStarts of [true, false]) {
      const t = tree();
      const ready = run(t, GATEWAY, ['db', 'handler', 'mw', 'root', 'llm'], withStarts);
      expect(ids(ready).sort()).toEqual([
        ['llm', 'root'],
        ['root', null],
      ]);
    }
  });

  test('bare exporter: a span whose ancestors never end goes out as a root after deferMs', () => {
    let now = 0;
    const t = tree('ai', { deferMs: 1000 }, () => now);
    expect(t.onEnd(makeSpan({ spanId: 'llm', parent: 'still-running', attributes: AI }))).toEqual([]);
    now = 500;
    expect(t.tick()).toEqual([]);
    now = 1001;
    expect(ids(t.tick())).toEqual([['llm', null]]);
  });

  test('idle traces are forgotten after traceTtlMs, and eviction beyond maxTraces releases held spans', () => {
    let now = 0;
    const t = tree('ai', { traceTtlMs: 100, maxTraces: 2 }, () => now);
    t.onStart(makeSpan({ spanId: 'leaked', traceId: 'a'.repeat(32) }));
    expect(t.size).toBe(1);
    now = 200;
    t.tick();
    expect(t.size).toBe(0);
    // Three traces with held spans: the first is evicted when the third arrives, and its span comes out.
    const held = (trace: string) => makeSpan({ spanId: `s${trace}`, traceId: trace.repeat(32), parent: 'x', attributes: AI });
    expect(t.onEnd(held('1'))).toEqual([]);
    expect(t.onEnd(held('2'))).toEqual([]);
    expect(ids(t.onEnd(held('3')))).toEqual([['s1', null]]);
    expect(t.size).toBe(2);
    expect(ids(t.drain()).sort()).toEqual([
      ['s2', null],
      ['s3', null],
    ]);
  });

  test('isAiSpan: names and attribute namespaces; Braintrust routing attributes alone do not count', () => {
    expect(isAiSpan({ name: 'HTTP POST', attributes: { 'gen_ai.request.model': 'x' } })).toBe(true);
    expect(isAiSpan({ name: 'ai.generateText', attributes: {} })).toBe(true);
    expect(isAiSpan({ name: 'x', attributes: { 'llm.model_name': 'x' } })).toBe(true);
    expect(isAiSpan({ name: 'x', attributes: { 'braintrust.parent': 'project_name:p', 'braintrust.context_json': '{}' } })).toBe(false);
    expect(isAiSpan({ name: 'GET /health', attributes: { 'http.route': '/health' } })).toBe(false);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRecords, type BadLine, type FileRecord } from '../../../cli/records-file';
import { nearestRank, renderSummary, summarize, SummaryBuilder, type CallStats, type Distribution, type Summary } from '../../../cli/summary';
import { prng } from '../../helpers/prng';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'summary-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Summarizes the JSONL text the way the CLI will: streamed from a file through a SummaryBuilder. */
async function summarizeFile(lines: readonly unknown[], options: { byUser?: boolean } = {}): Promise<{ summary: Summary; bad: BadLine[] }> {
  const file = path.join(dir, `records-${Math.random().toString(36).slice(2)}.jsonl`);
  fs.writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  const builder = new SummaryBuilder(options);
  const bad: BadLine[] = [];
  for await (const record of readRecords(file, (b) => bad.push(b))) builder.add(record);
  return { summary: builder.result(), bad };
}

function llm(id: string, trace: string, metadata: Record<string, unknown>, metrics: Record<string, number>, error?: string): FileRecord {
  return {
    id,
    span_id: id,
    root_span_id: trace,
    span_parents: [],
    created: '2025-01-01T00:00:00.000Z',
    span_attributes: { name: 'chat', type: 'llm' },
    metadata,
    metrics,
    ...(error === undefined ? {} : { error }),
  };
}

describe('nearestRank', () => {
  test('one value is every percentile', () => {
    for (const p of [0, 1, 50, 95, 100]) expect(nearestRank([7], p)).toBe(7);
  });

  test('two values: p50 is the smaller, p95 the larger (never an interpolation)', () => {
    expect(nearestRank([1, 3], 50)).toBe(1);
    expect(nearestRank([1, 3], 95)).toBe(3);
  });

  test('ties: the tied value is returned for every rank it covers', () => {
    const sorted = [1, 2, 2, 2, 9];
    expect(nearestRank(sorted, 21)).toBe(2); // rank ⌈1.05⌉ = 2
    expect(nearestRank(sorted, 50)).toBe(2); // rank 3
    expect(nearestRank(sorted, 80)).toBe(2); // rank 4
    expect(nearestRank(sorted, 81)).toBe(9); // rank ⌈4.05⌉ = 5
    expect(nearestRank([4, 4, 4], 95)).toBe(4);
  });

  test('the rank is exact where floating point is not (0.95 × 60 = 57.000…01)', () => {
    const sorted = Array.from({ length: 60 }, (_, i) => i + 1);
    expect(nearestRank(sorted, 95)).toBe(57);
    expect(nearestRank(Array.from({ length: 20 }, (_, i) => i + 1), 95)).toBe(19);
    expect(nearestRank(Array.from({ length: 100 }, (_, i) => i + 1), 50)).toBe(50);
    expect(nearestRank(Array.from({ length: 101 }, (_, i) => i + 1), 50)).toBe(51);
  });

  test('p0 is the minimum and p100 the maximum; no values is an error', () => {
    expect(nearestRank([2, 5, 8], 0)).toBe(2);
    expect(nearestRank([2, 5, 8], 100)).toBe(8);
    expect(() => nearestRank([], 50)).toThrow(RangeError);
  });
});

describe('summarize: generated records, checked against an independent computation', () => {
  const MODELS: Array<{ model?: string; provider?: string }> = [
    { model: 'gpt-4o-mini', provider: 'openai' },
    { model: 'gpt-4o', provider: 'openai' },
    { model: 'gpt-4o', provider: 'azure.ai.openai' },
    { model: 'claude-sonnet-4', provider: 'anthropic' },
    { provider: 'openai' },
    {},
  ];
  const USERS: unknown[] = ['alice', 'bob', 'carol', 42, undefined, ''];

  /** Mixed spans with every optional field sometimes missing; milliseconds rounded so latencies tie. */
  function generate(count: number, seed: number): FileRecord[] {
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const int = (max: number) => Math.floor(random() * max);
    return Array.from({ length: count }, (_, i): FileRecord => {
      const id = `s${i}`;
      const trace = `t${int(count / 5)}`;
      const type = random() < 0.75 ? 'llm' : pick(['task', 'tool', 'function'] as const);
      const metrics: Record<string, number> = {};
      if (random() < 0.95) metrics.start = 1_700_000_000 + i;
      if (random() < 0.95) metrics.end = (metrics.start ?? 1_700_000_000 + i) + (random() < 0.03 ? -1 : int(4000) / 1000);
      if (random() < 0.9) {
        metrics.prompt_tokens = int(5000);
        metrics.completion_tokens = int(800);
        if (random() < 0.8) metrics.tokens = metrics.prompt_tokens + metrics.completion_tokens;
        if (random() < 0.4) metrics.prompt_cached_tokens = int(metrics.prompt_tokens);
        if (random() < 0.1) metrics.prompt_cache_creation_tokens = int(300);
        if (random() < 0.2) metrics.completion_reasoning_tokens = int(metrics.completion_tokens);
      }
      if (random() < 0.6) metrics.estimated_cost = int(100_000) / 1e7;
      if (random() < 0.4) metrics.time_to_first_token = int(900) / 1000;
      const { model, provider } = pick(MODELS);
      const user = pick(USERS);
      const metadata: Record<string, unknown> = {};
      if (model !== undefined) metadata.model = model;
      if (provider !== undefined) metadata.provider = provider;
      if (user !== undefined) metadata.user_id = user;
      const roll = random();
      const record: FileRecord = { id, span_id: id, root_span_id: trace, span_attributes: { name: 'x', type } };
      if (roll < 0.1) record.error = 'boom';
      else if (roll < 0.13) record.error = '';
      if (random() < 0.97) record.metadata = metadata;
      if (random() < 0.97) record.metrics = metrics;
      return record;
    });
  }

  /** The definition, not the implementation: the smallest value with at least p % of the values at or below it. */
  function percentileByDefinition(values: readonly number[], p: number): number {
    return Math.min(...values.filter((v) => values.filter((x) => x <= v).length * 100 >= p * values.length));
  }

  function expectedDistribution(values: readonly number[]): Distribution | undefined {
    if (values.length === 0) return undefined;
    return { count: values.length, p50: percentileByDefinition(values, 50), p95: percentileByDefinition(values, 95) };
  }

  function expectedStats(calls: readonly FileRecord[]): CallStats {
    const sum = (f: (r: FileRecord) => number | undefined) => calls.reduce((total, r) => total + (f(r) ?? 0), 0);
    const latencies: number[] = [];
    for (const r of calls) {
      const start = r.metrics?.start;
      const end = r.metrics?.end;
      if (typeof start === 'number' && typeof end === 'number' && end - start >= 0) latencies.push(end - start);
    }
    const ttfts = calls.map((r) => r.metrics?.time_to_first_token).filter((v): v is number => v !== undefined);
    const priced = calls.filter((r) => r.metrics?.estimated_cost !== undefined);
    return {
      calls: calls.length,
      errors: calls.filter((r) => typeof r.error === 'string' && r.error.length > 0).length,
      tokens: {
        prompt: sum((r) => r.metrics?.prompt_tokens),
        cached: sum((r) => r.metrics?.prompt_cached_tokens),
        cacheWrite: sum((r) => r.metrics?.prompt_cache_creation_tokens),
        completion: sum((r) => r.metrics?.completion_tokens),
        reasoning: sum((r) => r.metrics?.completion_reasoning_tokens),
        total: sum((r) => r.metrics?.tokens ?? (r.metrics?.prompt_tokens ?? 0) + (r.metrics?.completion_tokens ?? 0)),
      },
      costUsd: priced.reduce((total, r) => total + r.metrics!.estimated_cost!, 0),
      priced: priced.length,
      latency: expectedDistribution(latencies),
      timeToFirstToken: expectedDistribution(ttfts),
    };
  }

  function groupBy(calls: readonly FileRecord[], key: (r: FileRecord) => string): Map<string, FileRecord[]> {
    const groups = new Map<string, FileRecord[]>();
    for (const r of calls) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
    return groups;
  }

  const nameOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined);

  /** Compares the CallStats part of a row (not its group name); cost sums may differ in the last bits. */
  function expectStats(actual: CallStats, expected: CallStats): void {
    const { calls, errors, tokens, priced, latency, timeToFirstToken, costUsd } = actual;
    const { costUsd: expectedCost, ...expectedRest } = expected;
    expect({ calls, errors, tokens, priced, latency, timeToFirstToken }).toEqual(expectedRest);
    expect(costUsd).toBeCloseTo(expectedCost, 10);
  }

  const records = generate(2000, 20250101);
  const calls = records.filter((r) => r.span_attributes?.type === 'llm');

  test('the generator covers the cases that matter', () => {
    expect(calls.length).toBeGreaterThan(1000);
    expect(calls.some((r) => r.metrics === undefined)).toBe(true);
    expect(calls.some((r) => r.metadata === undefined)).toBe(true);
    expect(calls.some((r) => r.metrics !== undefined && r.metrics.tokens === undefined && r.metrics.prompt_tokens !== undefined)).toBe(true);
    expect(calls.some((r) => r.metrics?.end !== undefined && r.metrics.start !== undefined && r.metrics.end < r.metrics.start)).toBe(true);
    expect(calls.some((r) => r.error === '')).toBe(true);
  });

  test('totals, tokens, cost, latency and TTFT', () => {
    const summary = summarize(records);
    expect(summary.records).toBe(records.length);
    expect(summary.traces).toBe(new Set(records.map((r) => r.root_span_id)).size);
    expectStats(summary.overall, expectedStats(calls));
    expect(summary.byUser).toBeUndefined();
  });

  test('grouped by model and provider, most calls first', () => {
    const summary = summarize(records);
    const expected = groupBy(calls, (r) => `${nameOf(r.metadata?.model)}|${nameOf(r.metadata?.provider)}`);
    expect(summary.byModel).toHaveLength(expected.size);
    for (const row of summary.byModel) expectStats(row, expectedStats(expected.get(`${row.model}|${row.provider}`)!));
    const counts = summary.byModel.map((row) => row.calls);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    // gpt-4o under two providers stays two rows.
    expect(summary.byModel.filter((row) => row.model === 'gpt-4o').map((row) => row.provider).sort()).toEqual(['azure.ai.openai', 'openai']);
    expect(summary.byModel.some((row) => row.model === undefined && row.provider === undefined)).toBe(true);
  });

  test('byUser: grouped by metadata.user_id, numeric ids as text, missing or empty ids together', () => {
    const summary = summarize(records, { byUser: true });
    const expected = groupBy(calls, (r) => String(nameOf(r.metadata?.user_id)));
    expect(summary.byUser!.map((row) => String(row.user)).sort()).toEqual([...expected.keys()].sort());
    expect(summary.byUser!.map((row) => row.user)).toContain('42');
    for (const row of summary.byUser!) expectStats(row, expectedStats(expected.get(String(row.user))!));
    expect(summary.byUser!.reduce((total, row) => total + row.calls, 0)).toBe(calls.length);
  });

  test('streaming the same records from a file gives the same summary', async () => {
    const { summary, bad } = await summarizeFile(records, { byUser: true });
    expect(bad).toEqual([]);
    expect(summary).toEqual(summarize(records, { byUser: true }));
  });
});

describe('summarize: edge cases', () => {
  test('no records', () => {
    const summary = summarize([]);
    expect(summary).toMatchObject({ records: 0, traces: 0, byModel: [] });
    expect(summary.overall).toEqual({
      calls: 0,
      errors: 0,
      tokens: { prompt: 0, cached: 0, cacheWrite: 0, completion: 0, reasoning: 0, total: 0 },
      costUsd: 0,
      priced: 0,
      latency: undefined,
      timeToFirstToken: undefined,
    });
  });

  test('records without span_attributes (or of another type) count as records and traces, not calls', () => {
    const summary = summarize([
      { id: 'a', span_id: 'a', root_span_id: 't1' },
      { id: 'b', span_id: 'b', root_span_id: 't2', span_attributes: { name: 'tool', type: 'tool' }, metrics: { prompt_tokens: 99 } },
    ]);
    expect(summary).toMatchObject({ records: 2, traces: 2, byModel: [] });
    expect(summary.overall.calls).toBe(0);
    expect(summary.overall.tokens.prompt).toBe(0);
  });

  test('an LLM record with no metrics or metadata is a call with nothing else known', () => {
    const summary = summarize([{ id: 'a', span_id: 'a', root_span_id: 't', span_attributes: { type: 'llm' } }], { byUser: true });
    expect(summary.overall).toMatchObject({ calls: 1, errors: 0, priced: 0, latency: undefined, timeToFirstToken: undefined });
    expect(summary.byModel).toMatchObject([{ model: undefined, provider: undefined, calls: 1 }]);
    expect(summary.byUser).toMatchObject([{ user: undefined, calls: 1 }]);
  });

  test('total tokens: metrics.tokens when present, else prompt + completion', () => {
    const summary = summarize([
      llm('a', 't', {}, { prompt_tokens: 10, completion_tokens: 5, tokens: 15 }),
      llm('b', 't', {}, { prompt_tokens: 7, completion_tokens: 3 }),
      llm('c', 't', {}, { completion_tokens: 4 }),
    ]);
    expect(summary.overall.tokens).toMatchObject({ prompt: 17, completion: 12, total: 29 });
  });

  test('latency skips calls missing start or end, and negative spans (clock steps)', () => {
    const summary = summarize([
      llm('a', 't', {}, { start: 10, end: 10.5 }),
      llm('b', 't', {}, { start: 10 }),
      llm('c', 't', {}, { end: 10 }),
      llm('d', 't', {}, { start: 10, end: 9 }),
      llm('e', 't', {}, { start: 10, end: 10 }),
    ]);
    expect(summary.overall.latency).toEqual({ count: 2, p50: 0, p95: 0.5 });
  });

  test('an empty error string is not an error', () => {
    const summary = summarize([llm('a', 't', {}, {}, ''), llm('b', 't', {}, {}, 'boom')]);
    expect(summary.overall.errors).toBe(1);
  });

  test('rows with equal calls are ordered by name, unnamed last', () => {
    const summary = summarize([llm('a', 't', { model: 'zeta' }, {}), llm('b', 't', {}, {}), llm('c', 't', { model: 'alpha' }, {}), llm('d', 't', { model: 'zeta' }, {})]);
    expect(summary.byModel.map((row) => row.model)).toEqual(['zeta', 'alpha', undefined]);
  });
});

describe('renderSummary', () => {
  const mixed: unknown[] = [
    llm('a1', 't1', { model: 'gpt-4o-mini', provider: 'openai', user_id: 'alice' }, { start: 100, end: 100.85, prompt_tokens: 1200, completion_tokens: 300, tokens: 1500, prompt_cached_tokens: 1024, estimated_cost: 0.00034, time_to_first_token: 0.21 }),
    llm('a2', 't1', { model: 'gpt-4o-mini', provider: 'openai', user_id: 'alice' }, { start: 101, end: 102.4, prompt_tokens: 800, completion_tokens: 120, tokens: 920, estimated_cost: 0.00019 }),
    llm('a3', 't2', { model: 'claude-sonnet-4', provider: 'anthropic', user_id: 'bob' }, { start: 200, end: 203.1, prompt_tokens: 5000, completion_tokens: 900, tokens: 5900, prompt_cached_tokens: 4000, prompt_cache_creation_tokens: 600, completion_reasoning_tokens: 400, estimated_cost: 0.0213, time_to_first_token: 0.95 }),
    llm('a4', 't2', { model: 'claude-sonnet-4', provider: 'anthropic', user_id: 'bob' }, { start: 210, end: 210.12 }, '429 rate_limit_error'),
    llm('a5', 't3', { model: 'ft:gpt-4o:acme', provider: 'openai' }, { start: 300, end: 301.5, prompt_tokens: 400, completion_tokens: 80, tokens: 480 }),
    { id: 'a6', span_id: 'a6', root_span_id: 't3', span_parents: ['a5'], span_attributes: { name: 'get_weather', type: 'tool' }, metrics: { start: 301.5, end: 301.7 } },
    'not json',
  ];

  test('a small mixed file, in full', async () => {
    const { summary, bad } = await summarizeFile(mixed, { byUser: true });
    expect(bad).toEqual([{ line: 7, reason: expect.stringMatching(/^invalid JSON/) }]);
    expect(renderSummary(summary)).toBe(
      [
        'LLM calls                      5  in 3 traces (6 records)',
        'errors                         1  (20.0% of calls)',
        'prompt tokens              7,400  incl. 5,024 cached, 600 cache-write',
        'completion tokens          1,400  incl. 400 reasoning',
        'total tokens               8,800',
        'cost                     $0.0218  (2 of 5 calls without a cost, not counted)',
        'latency p50               1.40 s',
        'latency p95               3.10 s',
        'time to first token p50   210 ms  (over 2 of 5 calls)',
        'time to first token p95   950 ms',
        '',
        'by model and provider',
        'model            provider   calls  errors  prompt  completion  cached       cost  p50 latency  p95 latency  p50 TTFT',
        '---------------  ---------  -----  ------  ------  ----------  ------  ---------  -----------  -----------  --------',
        'claude-sonnet-4  anthropic      2       1   5,000         900   4,000   $0.0213*       120 ms       3.10 s    950 ms',
        'gpt-4o-mini      openai         2       0   2,000         420   1,024  $0.00053        850 ms       1.40 s    210 ms',
        'ft:gpt-4o:acme   openai         1       0     400          80       0       n/a        1.50 s       1.50 s         -',
        '',
        'by user',
        'user    calls  errors  prompt  completion  cached       cost  p50 latency  p95 latency  p50 TTFT',
        '------  -----  ------  ------  ----------  ------  ---------  -----------  -----------  --------',
        'alice       2       0   2,000         420   1,024  $0.00053        850 ms       1.40 s    210 ms',
        'bob         2       1   5,000         900   4,000   $0.0213*       120 ms       3.10 s    950 ms',
        '(none)      1       0     400          80       0       n/a        1.50 s       1.50 s         -',
        '',
        '* some calls in this row have no cost (no usage reported, or no known price): the cost shown is a lower bound',
      ].join('\n'),
    );
  });

  test('every line of a table has the same width, so right-aligned columns line up', async () => {
    const { summary } = await summarizeFile(mixed, { byUser: true });
    const tables = renderSummary(summary).split('\n\n').slice(1, 3);
    for (const table of tables) {
      const [, ...lines] = table.split('\n');
      expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    }
  });

  test('an empty file', async () => {
    const { summary } = await summarizeFile([]);
    expect(renderSummary(summary)).toBe('no LLM calls recorded');
  });

  test('records but no LLM calls', () => {
    const summary = summarize([{ id: 'a', span_id: 'a', root_span_id: 't', span_attributes: { name: 'tool', type: 'tool' } }]);
    expect(renderSummary(summary)).toBe('no LLM calls recorded (1 record, none of type llm)');
  });

  test('no prices, no times: n/a with the reason, and "-" in the tables', () => {
    const text = renderSummary(summarize([llm('a', 't', { model: 'm' }, { prompt_tokens: 3 })]));
    expect(text).toMatch(/^cost +n\/a  \(no call has a cost: no usage reported, or no known price\)$/m);
    expect(text).toMatch(/^latency +n\/a  \(no call has start and end\)$/m);
    expect(text).toMatch(/^time to first token +n\/a  \(no streamed calls\)$/m);
    expect(text).toMatch(/^m {2,}\(unknown\) +1 +0 +3 +0 +0 +n\/a +- +- +-$/m);
    expect(text).not.toContain('lower bound');
  });

  test('all calls priced: the cost with no caveat', () => {
    const text = renderSummary(summarize([llm('a', 't', {}, { estimated_cost: 1234.5 }), llm('b', 't', {}, { estimated_cost: 0.5 })]));
    expect(text).toMatch(/^cost +\$1,235\.00$/m);
    expect(text).not.toContain('without a cost');
    expect(text).not.toContain('*');
  });

  test('error rate and durations across scales', () => {
    const calls = Array.from({ length: 2000 }, (_, i) => llm(`c${i}`, 't', {}, { start: 0, end: i < 1000 ? 0.0042 : 125.4 }, i === 0 ? 'x' : undefined));
    const text = renderSummary(summarize(calls));
    expect(text).toMatch(/^errors +1  \(<0\.1% of calls\)$/m);
    expect(text).toMatch(/^latency p50 +4\.2 ms$/m);
    expect(text).toMatch(/^latency p95 +2m 05s$/m);
    expect(renderSummary(summarize([llm('a', 't', {}, { start: 0, end: 14.23 })]))).toMatch(/^latency p50 +14\.2 s$/m);
  });
});

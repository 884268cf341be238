/**
 * What a records file says at a glance: call and error counts, tokens, cost, latency and time to first
 * token, overall and per model/provider (and optionally per user). `SummaryBuilder` takes records one at
 * a time, so a file is summarized while it streams without holding its records; it keeps only a few
 * numbers per LLM call (for the exact percentiles). `renderSummary` turns the result into terminal text.
 */
import type { FileRecord } from './records-file';

export interface SummaryOptions {
  /** Add a table grouped by `metadata.user_id`. */
  byUser?: boolean;
}

/** Token sums. `prompt` includes `cached` and `cacheWrite` (as `metrics.prompt_tokens` does); `completion` includes `reasoning`. */
export interface TokenTotals {
  prompt: number;
  cached: number;
  cacheWrite: number;
  completion: number;
  reasoning: number;
  total: number;
}

/** Nearest-rank percentiles of a set of durations, in seconds. */
export interface Distribution {
  /** How many calls had the duration. */
  count: number;
  p50: number;
  p95: number;
}

/** Aggregates over a set of LLM calls (records with `span_attributes.type === 'llm'`). */
export interface CallStats {
  calls: number;
  /** Calls whose record has a non-empty `error`. */
  errors: number;
  tokens: TokenTotals;
  /** Sum of `metrics.estimated_cost` (USD) over the `priced` calls that have one; the rest are not counted. */
  costUsd: number;
  priced: number;
  /** `metrics.end − start`; undefined when no call has both (or only negative spans, from clock steps). */
  latency: Distribution | undefined;
  /** `metrics.time_to_first_token`; only streamed calls have it. */
  timeToFirstToken: Distribution | undefined;
}

/** `model`/`provider` are undefined when the records did not name them. */
export interface ModelRow extends CallStats {
  model: string | undefined;
  provider: string | undefined;
}

export interface UserRow extends CallStats {
  user: string | undefined;
}

export interface Summary {
  /** Every valid record, LLM calls or not. */
  records: number;
  /** Distinct `root_span_id` over all records. */
  traces: number;
  overall: CallStats;
  /** Sorted by calls, most first. */
  byModel: ModelRow[];
  /** Present only with `byUser`; sorted by calls, most first. */
  byUser?: UserRow[];
}

/** Summarizes records already in hand; for a stream, feed a `SummaryBuilder` instead. */
export function summarize(records: Iterable<FileRecord>, options: SummaryOptions = {}): Summary {
  const builder = new SummaryBuilder(options);
  for (const record of records) builder.add(record);
  return builder.result();
}

/** Incremental `summarize`: `add` each record as it is read, then take `result()`. */
export class SummaryBuilder {
  private records = 0;
  private readonly traces = new Set<string>();
  private readonly overall = new CallAccumulator();
  private readonly models = new Map<string, { model: string | undefined; provider: string | undefined; calls: CallAccumulator }>();
  private readonly users: Map<string | undefined, CallAccumulator> | undefined;

  constructor(options: SummaryOptions = {}) {
    this.users = options.byUser === true ? new Map() : undefined;
  }

  add(record: FileRecord): void {
    this.records += 1;
    this.traces.add(record.root_span_id);
    if (record.span_attributes?.type !== 'llm') return;
    const call = callFacts(record);
    this.overall.add(call);

    const model = label(record.metadata?.model);
    const provider = label(record.metadata?.provider);
    // JSON of the pair: no separator character can make two different pairs collide.
    const key = JSON.stringify([model ?? null, provider ?? null]);
    let group = this.models.get(key);
    if (group === undefined) {
      group = { model, provider, calls: new CallAccumulator() };
      this.models.set(key, group);
    }
    group.calls.add(call);

    if (this.users !== undefined) {
      const user = label(record.metadata?.user_id);
      let calls = this.users.get(user);
      if (calls === undefined) {
        calls = new CallAccumulator();
        this.users.set(user, calls);
      }
      calls.add(call);
    }
  }

  result(): Summary {
    const byModel = [...this.models.values()]
      .map(({ model, provider, calls }): ModelRow => ({ model, provider, ...calls.result() }))
      .sort((a, b) => b.calls - a.calls || compareLabels(a.model, b.model) || compareLabels(a.provider, b.provider));
    const summary: Summary = { records: this.records, traces: this.traces.size, overall: this.overall.result(), byModel };
    if (this.users !== undefined) {
      summary.byUser = [...this.users]
        .map(([user, calls]): UserRow => ({ user, ...calls.result() }))
        .sort((a, b) => b.calls - a.calls || compareLabels(a.user, b.user));
    }
    return summary;
  }
}

/**
 * The `percent`-th percentile of ascending `sorted` values by the nearest-rank method: the value at
 * 1-based rank ⌈percent/100 · n⌉ (at least 1). It is always one of the observed values, never an
 * interpolation, so "p95 = 2.3 s" means a real call took 2.3 s and 95 % of calls took at most that.
 * With one value every percentile is that value; with two, p50 is the smaller and p95 the larger.
 * `percent · n` is computed before dividing so that integer percents give an exact rank (0.95 · 60 is
 * 57.00000000000001 in floating point, whose ceiling would be off by one).
 */
export function nearestRank(sorted: ArrayLike<number>, percent: number): number {
  if (sorted.length === 0) throw new RangeError('nearestRank of no values');
  const rank = Math.max(1, Math.ceil((percent * sorted.length) / 100));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** What one LLM record contributes. */
interface CallFacts {
  error: boolean;
  tokens: TokenTotals;
  costUsd: number | undefined;
  latency: number | undefined;
  timeToFirstToken: number | undefined;
}

function callFacts(record: FileRecord): CallFacts {
  const m = record.metrics ?? {};
  const prompt = m.prompt_tokens ?? 0;
  const completion = m.completion_tokens ?? 0;
  const latency = m.start !== undefined && m.end !== undefined && m.end >= m.start ? m.end - m.start : undefined;
  const ttft = m.time_to_first_token;
  return {
    error: record.error !== undefined && record.error !== '',
    tokens: {
      prompt,
      cached: m.prompt_cached_tokens ?? 0,
      cacheWrite: m.prompt_cache_creation_tokens ?? 0,
      completion,
      reasoning: m.completion_reasoning_tokens ?? 0,
      // `tokens` is prompt + completion by definition; derive it for records written without it.
      total: m.tokens ?? prompt + completion,
    },
    costUsd: m.estimated_cost,
    latency,
    timeToFirstToken: ttft !== undefined && ttft >= 0 ? ttft : undefined,
  };
}

class CallAccumulator {
  private calls = 0;
  private errors = 0;
  private readonly tokens: TokenTotals = { prompt: 0, cached: 0, cacheWrite: 0, completion: 0, reasoning: 0, total: 0 };
  private costUsd = 0;
  private priced = 0;
  private readonly latencies: number[] = [];
  private readonly timesToFirstToken: number[] = [];

  add(call: CallFacts): void {
    this.calls += 1;
    if (call.error) this.errors += 1;
    for (const key of Object.keys(this.tokens) as (keyof TokenTotals)[]) this.tokens[key] += call.tokens[key];
    if (call.costUsd !== undefined) {
      this.costUsd += call.costUsd;
      this.priced += 1;
    }
    if (call.latency !== undefined) this.latencies.push(call.latency);
    if (call.timeToFirstToken !== undefined) this.timesToFirstToken.push(call.timeToFirstToken);
  }

  result(): CallStats {
    return {
      calls: this.calls,
      errors: this.errors,
      tokens: { ...this.tokens },
      costUsd: this.costUsd,
      priced: this.priced,
      latency: distribution(this.latencies),
      timeToFirstToken: distribution(this.timesToFirstToken),
    };
  }
}

function distribution(values: readonly number[]): Distribution | undefined {
  if (values.length === 0) return undefined;
  // A typed array sorts numerically (a plain array's default sort compares as strings).
  const sorted = Float64Array.from(values).sort();
  return { count: sorted.length, p50: nearestRank(sorted, 50), p95: nearestRank(sorted, 95) };
}

/** A grouping label from a metadata value: non-empty strings, and numbers (numeric user ids). */
function label(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Named before unnamed, then alphabetical: a deterministic order for rows with equal call counts. */
function compareLabels(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}

// ---- rendering ----

/** Locale pinned so output (and tests) do not depend on the terminal's locale. */
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Plain text for a terminal: aligned columns, no colours, no trailing newline. */
export function renderSummary(summary: Summary): string {
  const { overall } = summary;
  if (overall.calls === 0) {
    const others = summary.records === 0 ? '' : ` (${plural(summary.records, 'record')}, none of type llm)`;
    return `no LLM calls recorded${others}`;
  }
  const sections = [renderTotals(summary)];
  sections.push(`by model and provider\n${renderGroups(summary.byModel, ['model', 'provider'], (row) => [row.model ?? '(unknown)', row.provider ?? '(unknown)'])}`);
  if (summary.byUser !== undefined) {
    sections.push(`by user\n${renderGroups(summary.byUser, ['user'], (row) => [row.user ?? '(none)'])}`);
  }
  if ([...summary.byModel, ...(summary.byUser ?? [])].some(isPartlyPriced)) sections.push('* some calls in this row have no cost (no usage reported, or no known price): the cost shown is a lower bound');
  return sections.join('\n\n');
}

function renderTotals({ records, traces, overall }: Summary): string {
  const { tokens } = overall;
  const unpriced = overall.calls - overall.priced;
  const rows: Row[] = [
    ['LLM calls', integer.format(overall.calls), `in ${plural(traces, 'trace')} (${plural(records, 'record')})`],
    ['errors', integer.format(overall.errors), `(${percent(overall.errors / overall.calls)} of calls)`],
    ['prompt tokens', integer.format(tokens.prompt), `incl. ${integer.format(tokens.cached)} cached, ${integer.format(tokens.cacheWrite)} cache-write`],
    ['completion tokens', integer.format(tokens.completion), `incl. ${integer.format(tokens.reasoning)} reasoning`],
    ['total tokens', integer.format(tokens.total), ''],
    overall.priced === 0
      ? ['cost', 'n/a', '(no call has a cost: no usage reported, or no known price)']
      : ['cost', usd(overall.costUsd), unpriced === 0 ? '' : `(${integer.format(unpriced)} of ${plural(overall.calls, 'call')} without a cost, not counted)`],
    ...distributionRows('latency', overall.latency, overall.calls, '(no call has start and end)'),
    ...distributionRows('time to first token', overall.timeToFirstToken, overall.calls, '(no streamed calls)'),
  ];
  return renderTable(rows, ['left', 'right', 'left']);
}

function distributionRows(name: string, values: Distribution | undefined, calls: number, missing: string): Row[] {
  if (values === undefined) return [[name, 'n/a', missing]];
  const over = values.count === calls ? '' : `(over ${integer.format(values.count)} of ${plural(calls, 'call')})`;
  return [
    [`${name} p50`, duration(values.p50), over],
    [`${name} p95`, duration(values.p95), ''],
  ];
}

const GROUP_HEADINGS = ['calls', 'errors', 'prompt', 'completion', 'cached', 'cost', 'p50 latency', 'p95 latency', 'p50 TTFT'];

function renderGroups<T extends CallStats>(rows: readonly T[], keyHeadings: readonly string[], keys: (row: T) => string[]): string {
  // A blank where other rows have the lower-bound mark keeps the cost digits right-aligned.
  const unmarked = rows.some(isPartlyPriced) ? ' ' : '';
  const body = rows.map((row): Row => [
    ...keys(row),
    integer.format(row.calls),
    integer.format(row.errors),
    integer.format(row.tokens.prompt),
    integer.format(row.tokens.completion),
    integer.format(row.tokens.cached),
    row.priced === 0 ? `n/a${unmarked}` : `${usd(row.costUsd)}${isPartlyPriced(row) ? '*' : unmarked}`,
    row.latency === undefined ? '-' : duration(row.latency.p50),
    row.latency === undefined ? '-' : duration(row.latency.p95),
    row.timeToFirstToken === undefined ? '-' : duration(row.timeToFirstToken.p50),
  ]);
  const align: Align[] = [...keyHeadings.map((): Align => 'left'), ...GROUP_HEADINGS.map((): Align => 'right')];
  const headings = [...keyHeadings, ...GROUP_HEADINGS];
  const rule = headings.map((heading, column) => '-'.repeat(Math.max(heading.length, ...body.map((row) => row[column]!.length))));
  return renderTable([headings, rule, ...body], align);
}

function isPartlyPriced(row: CallStats): boolean {
  return row.priced > 0 && row.priced < row.calls;
}

type Row = string[];
type Align = 'left' | 'right';

/** Pads every column to its widest cell, two spaces apart; trailing spaces trimmed. */
function renderTable(rows: readonly Row[], align: readonly Align[]): string {
  const widths = align.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) => row.map((cell, column) => (align[column] === 'right' ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd())
    .join('\n');
}

function plural(count: number, noun: string): string {
  return `${integer.format(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** One decimal; a rate that is not zero never shows as 0.0 %. */
function percent(fraction: number): string {
  if (fraction > 0 && fraction < 0.001) return '<0.1%';
  return `${(fraction * 100).toFixed(1)}%`;
}

/** Cents from $1 up; below that three significant digits, since per-call costs are fractions of a cent. */
function usd(amount: number): string {
  if (amount === 0) return '$0.00';
  if (amount >= 1) return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return `$${amount.toLocaleString('en-US', { maximumSignificantDigits: 3 })}`;
}

/** Seconds as `850 ms`, `2.31 s`, `14.2 s` or `3m 05s`: about three significant digits at any scale. */
function duration(seconds: number): string {
  const ms = seconds * 1000;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  if (seconds < 9.995) return `${seconds.toFixed(2)} s`;
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
}

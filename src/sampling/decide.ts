/**
 * Outcome-aware (tail) sampling, decided after the work ended: keep every trace that failed, hit a
 * listed HTTP status (429…), was slow, costly or token-heavy; keep a deterministic share of the rest.
 * Pure: spans in, `{ keep, reason }` out. `OutcomeSamplingSpanProcessor` decides when.
 *
 * The share is drawn from the trace id, not a random number, so every process that sees a trace (a
 * gateway and the service that called it) draws the same, and a trace decided twice (a late span
 * after the decision was forgotten) gets the same answer.
 */
import { isLocalRoot, signalsOf, type SamplingSpan, type SpanSignals } from './signals';

/** What makes a trace worth keeping. Thresholds are per span (per call), never sums over a trace. */
export interface SamplingThresholds {
  /** Share of the traces no outcome rule keeps, 0..1 (clamped), drawn from the trace id. */
  ratio: number;
  /** Keep traces with a span whose status is ERROR or that carries `error.type` (`cancelled` excepted). */
  keepErrors: boolean;
  /** Keep traces with a span whose `http.response.status_code` (or `http.status_code`) is listed. */
  keepStatusCodes: number[];
  /** Keep traces with a span that lasted strictly longer than this (ms). Unset: off. */
  slowerThanMs?: number | undefined;
  /** Keep traces with a span whose `gen_ai.usage.cost` is strictly above this (USD). Unset: off. */
  costlierThanUsd?: number | undefined;
  /** Keep traces with a span whose input + output tokens are strictly above this. Unset: off. */
  tokensAbove?: number | undefined;
}

/**
 * `"gpt-4o"` matches exactly; `"gpt-4o*"` matches any value starting with `gpt-4o`; `"*"` matches any
 * value (but not an absent one). Case-sensitive.
 */
export type SamplingPattern = string;

export interface SamplingRuleMatch {
  /** The LLM span's route (`http.route`, else its URL path), or the route of the trace's local root. */
  route?: SamplingPattern;
  /** The LLM span's `gen_ai.response.model` or `gen_ai.request.model` (either may match). */
  model?: SamplingPattern;
  /** The LLM span's `gen_ai.provider.name` (or `gen_ai.system`). */
  provider?: SamplingPattern;
}

/**
 * Overrides of the defaults for traces it matches, field by field: an absent field keeps the
 * default; `null` turns a default threshold off; `keepStatusCodes` replaces the default list.
 */
export interface SamplingRule {
  /** Every given field must fit the same LLM span (a span with `gen_ai.*` attributes). `{}` fits any trace with one. */
  match: SamplingRuleMatch;
  ratio?: number;
  keepErrors?: boolean;
  keepStatusCodes?: number[];
  slowerThanMs?: number | null;
  costlierThanUsd?: number | null;
  tokensAbove?: number | null;
}

export interface OutcomeSamplingOptions extends SamplingThresholds {
  /** Checked in order; the first that fits the trace applies. */
  rules?: SamplingRule[] | undefined;
}

/** Why a trace was kept (`ratio` also says why it was dropped). */
export type SamplingReason = 'error' | `status_${number}` | 'slow' | 'cost' | 'tokens' | 'ratio';

export interface SamplingDecision {
  keep: boolean;
  reason: SamplingReason;
}

/**
 * Decides a trace from its ended spans (all of this process's spans of one trace id, or as many as
 * were seen). Outcome rules are checked in this order, the first that fires names the reason:
 * `status_<code>` (the most specific: a 429 client span is also an ERROR), `error`, `slow`, `cost`,
 * `tokens`; then the ratio draw.
 */
export function decideTrace(spans: readonly SamplingSpan[], options: OutcomeSamplingOptions): SamplingDecision {
  if (spans.length === 0) return { keep: false, reason: 'ratio' };
  const signals = spans.map(signalsOf);
  const policy = policyFor(spans, signals, options);

  for (const code of policy.keepStatusCodes) {
    if (signals.some((s) => s.httpStatus === code)) return { keep: true, reason: `status_${code}` };
  }
  if (policy.keepErrors && signals.some((s) => s.error)) return { keep: true, reason: 'error' };
  if (above(signals, (s) => s.durationMs, policy.slowerThanMs)) return { keep: true, reason: 'slow' };
  if (above(signals, (s) => s.costUsd, policy.costlierThanUsd)) return { keep: true, reason: 'cost' };
  if (above(signals, (s) => s.tokens, policy.tokensAbove)) return { keep: true, reason: 'tokens' };
  return { keep: traceIdDraw(spans[0]!.spanContext().traceId) < clampRatio(policy.ratio), reason: 'ratio' };
}

/** The thresholds that apply to a trace: the defaults, overridden by the first rule that fits. */
export function policyFor(spans: readonly SamplingSpan[], signals: readonly SpanSignals[], options: OutcomeSamplingOptions): SamplingThresholds {
  const rule = options.rules?.find((r) => ruleFits(r.match, spans, signals));
  if (!rule) return options;
  return {
    ratio: rule.ratio ?? options.ratio,
    keepErrors: rule.keepErrors ?? options.keepErrors,
    keepStatusCodes: rule.keepStatusCodes ?? options.keepStatusCodes,
    slowerThanMs: override(rule.slowerThanMs, options.slowerThanMs),
    costlierThanUsd: override(rule.costlierThanUsd, options.costlierThanUsd),
    tokensAbove: override(rule.tokensAbove, options.tokensAbove),
  };
}

/**
 * The trace id's lower 8 bytes as a number in [0, 1) (as OTel's TraceIdRatioBased sampler is
 * specified; W3C Trace Context level 2 makes those the random bytes). Only the top 53 of the 64 bits
 * are used, so the result is exact and never reaches 1. A trace id that is not hex (never from an
 * OTel SDK) is hashed instead, still deterministically.
 */
export function traceIdDraw(traceId: string): number {
  const low = traceId.slice(-16);
  if (low.length === 16 && /^[0-9a-fA-F]+$/.test(low)) return Number(BigInt(`0x${low}`) >> 11n) / 2 ** 53;
  return fnv1a(traceId) / 2 ** 32;
}

export function matchesPattern(pattern: SamplingPattern, value: string | undefined): boolean {
  if (value === undefined) return false;
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

/**
 * The route of a gateway request is on its own (LLM) span; the route of an app that calls an LLM is on
 * the incoming request, the trace's local root, while the LLM span's own URL path is the provider's.
 * A rule's `route` fits either.
 */
function ruleFits(match: SamplingRuleMatch, spans: readonly SamplingSpan[], signals: readonly SpanSignals[]): boolean {
  const rootRoutes = signals.filter((_, i) => isLocalRoot(spans[i]!)).map((s) => s.route);
  return signals.some(
    (s) =>
      s.llm &&
      (match.model === undefined || matchesPattern(match.model, s.responseModel) || matchesPattern(match.model, s.requestModel)) &&
      (match.provider === undefined || matchesPattern(match.provider, s.provider)) &&
      (match.route === undefined || matchesPattern(match.route, s.route) || rootRoutes.some((r) => matchesPattern(match.route!, r))),
  );
}

function override(ruleValue: number | null | undefined, defaultValue: number | undefined): number | undefined {
  if (ruleValue === null) return undefined;
  return ruleValue ?? defaultValue;
}

function above(signals: readonly SpanSignals[], read: (s: SpanSignals) => number | undefined, threshold: number | undefined): boolean {
  if (threshold === undefined) return false;
  return signals.some((s) => {
    const v = read(s);
    return v !== undefined && v > threshold;
  });
}

function clampRatio(ratio: number): number {
  if (typeof ratio !== 'number' || Number.isNaN(ratio)) return 0;
  return Math.min(1, Math.max(0, ratio));
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

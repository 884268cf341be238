/**
 * What an ended span says about the outcome of its work: the facts outcome-aware sampling decides on
 * (error, HTTP status, duration, cost, tokens) and the ones its rules match on (route, model,
 * provider). Pure; reads attributes only, so spans of any instrumentation and of the OTel JS 1.x, 2.x
 * and 3.x lines fit.
 */

/** OTel `HrTime`: [seconds, nanoseconds]. */
export type HrTime = readonly [number, number];

/** The parts of an ended OTel span (`ReadableSpan`) that sampling reads. Structural: no SDK import. */
export interface SamplingSpan {
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string | undefined };
  startTime?: HrTime;
  endTime?: HrTime;
  /** `[-1, -1]` (2.x/3.x) while the span has not ended. */
  duration?: HrTime;
  spanContext(): { traceId: string; spanId: string; traceFlags?: number };
  /** 2.x/3.x. */
  parentSpanContext?: { spanId: string; traceId?: string; isRemote?: boolean } | undefined;
  /** 1.x. */
  parentSpanId?: string | undefined;
  events?: ReadonlyArray<{ name: string; attributes?: Record<string, unknown> | undefined }>;
}

export interface SpanSignals {
  /** Carries `gen_ai.*` attributes: the spans sampling rules are matched against. */
  llm: boolean;
  error: boolean;
  httpStatus: number | undefined;
  durationMs: number | undefined;
  costUsd: number | undefined;
  /** Input + output tokens of this span's call. */
  tokens: number | undefined;
  requestModel: string | undefined;
  responseModel: string | undefined;
  provider: string | undefined;
  /** `http.route`, else the URL path (no query). */
  route: string | undefined;
}

const STATUS_ERROR = 2;
/**
 * A call the client gave up on carries `error.type=cancelled` (our capture's convention, as the OTel
 * HTTP conventions have it, cancellation is not an error status). It says nothing about the
 * provider or the app failing, so it does not count as an error, even when an HTTP instrumentation
 * set the span's status to ERROR on the aborted socket.
 */
const CANCELLED = 'cancelled';

/** A local root: no parent, or a parent in another process (2.x/3.x `isRemote`; 1.x cannot tell). */
export function isLocalRoot(span: Pick<SamplingSpan, 'parentSpanContext' | 'parentSpanId'>): boolean {
  const parent = span.parentSpanContext;
  if (parent) return parent.isRemote === true;
  return !span.parentSpanId;
}

export function signalsOf(span: SamplingSpan): SpanSignals {
  const a = span.attributes ?? {};
  const errorType = asString(a['error.type']);
  const cancelled = errorType === CANCELLED;
  return {
    llm: hasGenAiAttribute(a),
    error: !cancelled && (span.status?.code === STATUS_ERROR || errorType !== undefined),
    httpStatus: asNumber(a['http.response.status_code']) ?? asNumber(a['http.status_code']),
    durationMs: durationMsOf(span),
    costUsd: asNumber(a['gen_ai.usage.cost']),
    tokens: tokensOf(a),
    requestModel: asString(a['gen_ai.request.model']),
    responseModel: asString(a['gen_ai.response.model']),
    provider: asString(a['gen_ai.provider.name']) ?? asString(a['gen_ai.system']),
    route: routeOf(a),
  };
}

/**
 * `http.route` when a framework names the template, else the path of `url.path` / `http.target` / `url.full` /
 * `http.url` without its query. Also a record's `metadata.endpoint` (exporters/span-to-record.ts).
 */
export function routeOf(a: Record<string, unknown>): string | undefined {
  const route = asString(a['http.route']);
  if (route) return route;
  const path = asString(a['url.path']) ?? asString(a['http.target']);
  if (path) return stripQuery(path);
  const full = asString(a['url.full']) ?? asString(a['http.url']);
  if (!full) return undefined;
  try {
    return new URL(full).pathname;
  } catch {
    return undefined;
  }
}

function hasGenAiAttribute(a: Record<string, unknown>): boolean {
  for (const key in a) if (key.startsWith('gen_ai.')) return true;
  return false;
}

/** Input + output; the older `prompt_tokens`/`completion_tokens` names (OpenLLMetry) as a fallback. */
function tokensOf(a: Record<string, unknown>): number | undefined {
  const input = asNumber(a['gen_ai.usage.input_tokens']) ?? asNumber(a['gen_ai.usage.prompt_tokens']);
  const output = asNumber(a['gen_ai.usage.output_tokens']) ?? asNumber(a['gen_ai.usage.completion_tokens']);
  if (input === undefined && output === undefined) return undefined;
  return (input ?? 0) + (output ?? 0);
}

function durationMsOf(span: SamplingSpan): number | undefined {
  const d = span.duration;
  if (d && d[0] >= 0 && d[1] >= 0) return hrMs(d);
  const { startTime, endTime } = span;
  if (!startTime || !endTime || (endTime[0] === 0 && endTime[1] === 0)) return undefined;
  const ms = hrMs(endTime) - hrMs(startTime);
  return ms >= 0 ? ms : undefined;
}

function hrMs(t: HrTime): number {
  return t[0] * 1e3 + t[1] / 1e6;
}

function stripQuery(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Finite numbers, and numeric strings (some instrumentations record counts and codes as strings). */
function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

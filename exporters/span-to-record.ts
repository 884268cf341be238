/**
 * `spanToRecord`: one ended OTel span → one Braintrust log record. Pure (no I/O, no clock, no state):
 * the caller resolves the record's parent (`span-tree.ts`) and fits its size (`record-size.ts`).
 *
 * Every attribute dialect is asked in precedence order (explicit `braintrust.*` first, then the GenAI
 * semantic conventions, then other instrumentations' dialects); each field, metadata key and metric
 * comes from the first dialect that has it.
 */
import type { CallCostEstimate } from '../src/pricing/cost';
import { isoTime } from './iso-time';
import type { BraintrustRecord, BraintrustSpanType, ExportableSpan, HrTime, RecordMetrics, SpanAttributeMap } from './record';
import { braintrustDialect } from './translate/braintrust-attrs';
import type { Dialect, SpanFacts } from './translate/facts';
import { genAiDialect } from './translate/genai';
import { genaiEvents } from './translate/genai-events';
import { openinference } from './translate/openinference';
import { openllmetry } from './translate/openllmetry';
import { vercelAi } from './translate/vercel-ai';
import { asCount, asString, jsonSafe, put } from './translate/values';
import { routeOf } from '../src/sampling/signals';
import { ATTR } from '../src/semconv';

/** Which dialects a span may speak, from its attribute namespaces (and whether it has events). */
const enum Mark {
  Braintrust = 1,
  VercelAi = 2,
  OpenLlmetry = 4,
  OpenInference = 8,
  GenAi = 16,
  Events = 32,
}

/**
 * After the explicit `braintrust.*` attributes, in precedence order. The instrumentation-specific
 * dialects come before the generic `gen_ai.*` one: Vercel AI and OpenLLMetry spans also carry some
 * `gen_ai.*` attributes, but only their own dialect knows, e.g., whether their prompt token count
 * includes cached tokens. Semconv span events only supply content a span's attributes lack.
 *
 * Each dialect is asked only when the span carries its marks (one pass over the attribute keys):
 * most spans speak one dialect, and asking the others costs a scan of every key each.
 */
const DIALECTS: ReadonlyArray<{ read: Dialect; marks: number }> = [
  { read: vercelAi, marks: Mark.VercelAi },
  { read: openllmetry, marks: Mark.OpenLlmetry },
  { read: openinference, marks: Mark.OpenInference },
  { read: genAiDialect, marks: Mark.GenAi },
  { read: genaiEvents, marks: Mark.Events },
];

export interface RecordContext {
  /** The nearest exported ancestor's span id, or none for a root. */
  parentSpanId: string | undefined;
  /** `environment` when the span's resource names none (the preload passes `NODE_ENV`). */
  environment?: string | undefined;
  /** Prices an `llm` record that reports tokens but no cost (spans of other instrumentations). */
  estimateCost?: CallCostEstimate | undefined;
}

const SPAN_KIND_SERVER = 1;
const STATUS_ERROR = 2;

/**
 * Attribute namespaces that dialects or the curated metadata below already read, or that are
 * transport detail (and may hold headers): never copied into metadata as they are.
 */
const CONSUMED_NAMESPACES = new Set([
  'gen_ai', 'llm', 'ai', 'traceloop', 'braintrust', 'openinference', 'input', 'output', 'tool', 'message',
  'http', 'url', 'server', 'client', 'network', 'net', 'user_agent', 'otel', 'otel_genai', 'error', 'exception',
  'session', 'user', 'enduser', 'thread', 'sampling', 'code', 'rpc', 'aws', 'db', 'messaging', 'peer', 'host', 'process',
  // OpenInference's own `metadata` (JSON) and `tag.tags`, which its dialect reads.
  'metadata', 'tag',
  // Our `openai.api.type` and instrumentation-openai's `openai.*` response details: transport detail.
  'openai',
]);

/** `gen_ai` of `gen_ai.request.model`; the whole key when it has no dot. */
function namespaceOf(key: string): string {
  const dot = key.indexOf('.');
  return dot === -1 ? key : key.slice(0, dot);
}

export function spanToRecord(span: ExportableSpan, context: RecordContext): BraintrustRecord {
  const attributes = span.attributes ?? {};
  // One pass over the keys: the dialects to ask, and what the app attached in its own namespaces
  // (metadata's lowest precedence, so its first keys).
  let marks = span.events !== undefined && span.events.length > 0 ? Mark.Events : 0;
  const metadata: Record<string, unknown> = {};
  for (const key in attributes) {
    const kind = kindOf(key);
    marks |= kind;
    if (kind & APP_OWN) {
      const value = jsonSafe(attributes[key]);
      if (value !== undefined) metadata[key] = value;
    }
  }
  const explicit = marks & Mark.Braintrust ? safely(braintrustDialect, attributes, span) : undefined;
  const facts: SpanFacts[] = explicit ? [explicit] : [];
  for (const dialect of DIALECTS) {
    if ((marks & dialect.marks) === 0) continue;
    const found = safely(dialect.read, attributes, span);
    if (found) facts.push(found);
  }
  const { traceId, spanId } = span.spanContext();
  const isRoot = context.parentSpanId === undefined;
  const describedByAncestor = attributes[ATTR.GEN_AI_DESCRIBED_BY_ANCESTOR] === true;
  const type = spanType(span, explicit?.type, describedByAncestor ? 'function' : first(facts, 'type'), isRoot);

  const record: BraintrustRecord = {
    id: spanId,
    span_id: spanId,
    root_span_id: traceId,
    span_parents: isRoot ? [] : [context.parentSpanId!],
    created: isoTime(hrSeconds(span.startTime) * 1000),
    span_attributes: { name: first(facts, 'name') ?? displayName(span, attributes), type },
    metadata: completeMetadata(metadata, span, attributes, facts, context),
    metrics: metricsOf(span, facts, type),
  };
  if (type === 'llm' && record.metrics.estimated_cost === undefined && context.estimateCost) {
    put(record.metrics, 'estimated_cost', estimatedCost(record, context.estimateCost));
  }
  put(record, 'input', first(facts, 'input'));
  put(record, 'output', first(facts, 'output'));
  put(record, 'error', errorOf(span, facts));
  const tags = first(facts, 'tags');
  // The API rejects tags on non-root rows.
  if (tags && isRoot) record.tags = tags;
  return record;
}

/** The price table's figure for a record's tokens, from the model and provider its metadata names. */
function estimatedCost(record: BraintrustRecord, estimate: CallCostEstimate): number | undefined {
  const m = record.metrics;
  const model = asString(record.metadata?.model);
  if (!model || (m.prompt_tokens === undefined && m.completion_tokens === undefined)) return undefined;
  const usage = {
    inputTokens: m.prompt_tokens,
    outputTokens: m.completion_tokens,
    cacheReadInputTokens: m.prompt_cached_tokens,
    cacheCreationInputTokens: m.prompt_cache_creation_tokens,
    reasoningOutputTokens: m.completion_reasoning_tokens,
  };
  return estimate(model, usage, asString(record.metadata?.provider) ?? '');
}

/** A key kind bit beside the marks: the key is in none of CONSUMED_NAMESPACES, so the app's own. */
const APP_OWN = 64;

/**
 * Attribute keys repeat from span to span (instrumentations use fixed names), so each distinct key is
 * classified once and remembered. Bounded, since some keys never repeat (indexed or app-made ones).
 */
const keyKinds = new Map<string, number>();
const MAX_REMEMBERED_KEYS = 4096;
const MAX_REMEMBERED_KEY_LENGTH = 256;

/** The key's dialect marks, and APP_OWN. */
function kindOf(key: string): number {
  let kind = keyKinds.get(key);
  if (kind !== undefined) return kind;
  kind = classify(key);
  if (key.length <= MAX_REMEMBERED_KEY_LENGTH) {
    if (keyKinds.size >= MAX_REMEMBERED_KEYS) keyKinds.clear();
    keyKinds.set(key, kind);
  }
  return kind;
}

function classify(key: string): number {
  const namespace = namespaceOf(key);
  const kind = CONSUMED_NAMESPACES.has(namespace) ? 0 : APP_OWN;
  switch (namespace) {
    case 'gen_ai':
      // OpenLLMetry's indexed prompt/completion attributes share the namespace.
      return kind | Mark.GenAi | (key.startsWith('gen_ai.prompt.') || key.startsWith('gen_ai.completion.') ? Mark.OpenLlmetry : 0);
    case 'braintrust':
      return kind | Mark.Braintrust;
    case 'ai':
      return kind | Mark.VercelAi;
    case 'traceloop':
      return kind | Mark.OpenLlmetry;
    case 'llm':
      // `llm.request.type` is OpenLLMetry's; the rest of `llm.*` is OpenInference's.
      return kind | (key === 'llm.request.type' || key.startsWith('llm.usage.') ? Mark.OpenLlmetry : Mark.OpenInference);
    case 'openinference':
      return kind | Mark.OpenInference;
    default:
      return kind;
  }
}

function safely(read: Dialect, attributes: SpanAttributeMap, span: ExportableSpan): SpanFacts | undefined {
  try {
    return read(attributes, span);
  } catch {
    return undefined; // Dialects are written not to throw; a bad one costs only its own facts.
  }
}

function first<K extends keyof SpanFacts>(facts: SpanFacts[], key: K): SpanFacts[K] | undefined {
  for (const f of facts) if (f[key] !== undefined) return f[key];
  return undefined;
}

/**
 * An explicit `braintrust.span_attributes.type` wins. A server span is the `task` even when it carries
 * GenAI attributes (a gateway's request): the upstream call below it is the `llm`. Then `llm`/`tool`
 * from the dialects; otherwise a root is the `task`, the rest `function`.
 */
function spanType(span: ExportableSpan, explicit: BraintrustSpanType | undefined, declared: BraintrustSpanType | undefined, isRoot: boolean): BraintrustSpanType {
  if (explicit) return explicit;
  if (span.kind === SPAN_KIND_SERVER) return 'task';
  if (declared) return declared;
  return isRoot ? 'task' : 'function';
}

function metricsOf(span: ExportableSpan, facts: SpanFacts[], type: BraintrustSpanType): RecordMetrics {
  const metrics: RecordMetrics = {};
  // Lower precedence first, so the first dialect's values win.
  for (let i = facts.length - 1; i >= 0; i--) Object.assign(metrics, facts[i]!.metrics);
  if (type !== 'llm') {
    // Braintrust sums token metrics over every span of a trace: only the LLM call itself may carry
    // them, or a wrapper (gateway request, agent step) would count the same tokens again.
    for (const key of TOKEN_METRICS) delete metrics[key];
  }
  metrics.start = hrSeconds(span.startTime);
  metrics.end = hrSeconds(span.endTime);
  for (const key of Object.keys(metrics)) if (!Number.isFinite(metrics[key])) delete metrics[key];
  return metrics;
}

const TOKEN_METRICS = [
  'prompt_tokens', 'completion_tokens', 'tokens', 'prompt_cached_tokens', 'prompt_cache_creation_tokens',
  'completion_reasoning_tokens', 'estimated_cost',
];

/** Adds the curated keys and the dialects' metadata to `metadata` (which holds the app's own attributes). */
function completeMetadata(metadata: Record<string, unknown>, span: ExportableSpan, a: SpanAttributeMap, facts: SpanFacts[], context: RecordContext): Record<string, unknown> {
  const resource = span.resource?.attributes ?? {};
  put(metadata, 'service', asString(resource['service.name']));
  // Why outcome-aware sampling kept this trace (src/sampling).
  put(metadata, 'sampling_reason', asString(a['sampling.reason']));
  put(metadata, 'environment', asString(resource['deployment.environment.name']) ?? asString(resource['deployment.environment']) ?? context.environment);
  put(metadata, 'endpoint', routeOf(a));
  put(metadata, 'http_status', asCount(a['http.response.status_code']) ?? asCount(a['http.status_code']));
  put(metadata, 'server_address', asString(a['server.address']));
  put(metadata, 'user_id', asString(a['user.id']) ?? asString(a['enduser.id']));
  put(metadata, 'session_id', asString(a['session.id']));
  put(metadata, 'error_type', asString(a['error.type']));
  if (a[ATTR.GEN_AI_CAPTURE_PARTIAL] === true) metadata.capture_partial = true;
  for (let i = facts.length - 1; i >= 0; i--) {
    const m = facts[i]!.metadata;
    if (!m) continue;
    for (const key of Object.keys(m)) {
      const value = jsonSafe(m[key]);
      if (value !== undefined) metadata[key] = value;
    }
  }
  return metadata;
}

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/**
 * instrumentation-http names a server span by its method alone when no framework names the route
 * (`POST`): in Braintrust's trace list the request reads better with its path, `POST /v1/chat/completions`.
 */
function displayName(span: ExportableSpan, a: SpanAttributeMap): string {
  if (span.kind !== SPAN_KIND_SERVER || !HTTP_METHODS.has(span.name)) return span.name;
  const endpoint = routeOf(a);
  return endpoint ? `${span.name} ${endpoint}` : span.name;
}

/** `code: message` from the exception event, the span status and the provider's error code. */
function errorOf(span: ExportableSpan, facts: SpanFacts[]): string | undefined {
  const exception = span.events?.find((e) => e.name === 'exception');
  const failed = span.status?.code === STATUS_ERROR;
  if (!failed && !exception) return undefined;
  const exceptionType = asString(exception?.attributes?.['exception.type']);
  const message = asString(exception?.attributes?.['exception.message']) ?? asString(span.status?.message);
  const code = first(facts, 'errorType') ?? exceptionType ?? asString(span.attributes?.['error.type']);
  if (code && message) return message.startsWith(code) ? message : `${code}: ${message}`;
  return code ?? message ?? 'error';
}

export function hrSeconds(time: HrTime | undefined): number {
  if (!Array.isArray(time)) return 0;
  return time[0] + time[1] / 1e9;
}

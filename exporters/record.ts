/**
 * The shapes at the exporter's boundaries: the ended span we read (structural, so spans from the OTel
 * JS 2.x and 3.x lines both fit) and the Braintrust log record we write (the row of Braintrust's
 * `POST /v1/project_logs/{id}/insert`, also one line of the local JSONL file).
 */

/** OTel `HrTime`: [seconds, nanoseconds]. */
export type HrTime = [number, number];

/** Attribute values as spans hold them; 3.x spans may also hold objects, so read `unknown`. */
export type SpanAttributeMap = Record<string, unknown>;

/** The parts of an ended OTel span (`ReadableSpan` of sdk-trace 2.x/3.x, or 1.x) that we read. */
export interface ExportableSpan {
  name: string;
  kind: number;
  spanContext(): { traceId: string; spanId: string; traceFlags?: number };
  /** 2.x/3.x. */
  parentSpanContext?: { spanId: string; traceId?: string; isRemote?: boolean } | undefined;
  /** 1.x. */
  parentSpanId?: string | undefined;
  startTime: HrTime;
  endTime: HrTime;
  status: { code: number; message?: string | undefined };
  attributes: SpanAttributeMap;
  events?: ReadonlyArray<{ name: string; time?: HrTime; attributes?: SpanAttributeMap | undefined }>;
  resource?: { attributes: SpanAttributeMap };
  instrumentationScope?: { name: string; version?: string | undefined };
  /** 1.x name of `instrumentationScope`. */
  instrumentationLibrary?: { name: string; version?: string | undefined };
}

/** Braintrust `span_attributes.type` values we produce (a subset of the server's enum). */
export type BraintrustSpanType = 'llm' | 'task' | 'function' | 'tool';

/** Numeric metrics Braintrust understands (names from its token-and-cost spec). */
export interface RecordMetrics {
  start?: number;
  end?: number;
  /** Includes cached and cache-write tokens. */
  prompt_tokens?: number;
  completion_tokens?: number;
  tokens?: number;
  prompt_cached_tokens?: number;
  prompt_cache_creation_tokens?: number;
  completion_reasoning_tokens?: number;
  /** Seconds. */
  time_to_first_token?: number;
  estimated_cost?: number;
  [name: string]: number | undefined;
}

/** One Braintrust log row. */
export interface BraintrustRecord {
  /** Merge key: the OTel span id, so a retried insert replaces instead of duplicating. */
  id: string;
  span_id: string;
  /** The OTel trace id. */
  root_span_id: string;
  /** The nearest exported ancestor, or `[]` for a root. Never an id that is not exported. */
  span_parents: string[];
  /** ISO-8601 time of the span's start. */
  created: string;
  span_attributes: { name: string; type: BraintrustSpanType };
  input?: unknown;
  output?: unknown;
  error?: string;
  metadata: Record<string, unknown>;
  metrics: RecordMetrics;
  tags?: string[];
}

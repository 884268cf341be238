/**
 * What one instrumentation dialect reads off a span. `spanToRecord` asks every dialect, in order of
 * precedence, and takes each field (and each metadata/metric key) from the first dialect that has it.
 */
import type { BraintrustSpanType, ExportableSpan, RecordMetrics, SpanAttributeMap } from '../record';

export interface SpanFacts {
  /** Braintrust `input`: chat messages in OpenAI chat shape (see `messages.ts`), or any JSON value. */
  input?: unknown;
  /** Braintrust `output`: choices in OpenAI chat shape (see `messages.ts`), or any JSON value. */
  output?: unknown;
  /** Token metrics. `prompt_tokens` includes cached and cache-write tokens. */
  metrics?: RecordMetrics;
  /** `model`, `provider`, request parameters, `finish_reasons`, `response_id`, … */
  metadata?: Record<string, unknown>;
  /** `llm` when the span describes one model inference; `tool` for a tool execution. */
  type?: BraintrustSpanType;
  /** A span name to show instead of the OTel one (explicit `braintrust.span_attributes.name`). */
  name?: string;
  /** Braintrust tags (kept on root records only: the API rejects them elsewhere). */
  tags?: string[];
  /** A provider/SDK error code or class (e.g. `rate_limit_error`). */
  errorType?: string;
}

/** Reads one attribute dialect. Pure; returns undefined when the span carries none of it. Never throws. */
export type Dialect = (attributes: SpanAttributeMap, span: ExportableSpan) => SpanFacts | undefined;

/** Ended spans shaped like sdk-trace 2.x `ReadableSpan`s, for translation and tree tests. */
import type { ExportableSpan, HrTime } from '../../exporters/record';

export interface SpanSpec {
  name?: string;
  kind?: number;
  traceId?: string;
  spanId: string;
  /** Local parent id; `remote: true` marks it as another process's span. */
  parent?: string;
  remote?: boolean;
  start?: number;
  end?: number;
  attributes?: Record<string, unknown>;
  status?: { code: number; message?: string };
  events?: ExportableSpan['events'];
  resource?: Record<string, unknown>;
}

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

export function hr(seconds: number): HrTime {
  const s = Math.floor(seconds);
  return [s, Math.round((seconds - s) * 1e9)];
}

export function makeSpan(spec: SpanSpec): ExportableSpan {
  const traceId = spec.traceId ?? TRACE_ID;
  const span: ExportableSpan = {
    name: spec.name ?? spec.spanId,
    kind: spec.kind ?? 0,
    spanContext: () => ({ traceId, spanId: spec.spanId, traceFlags: 1 }),
    startTime: hr(spec.start ?? 1_700_000_000),
    endTime: hr(spec.end ?? 1_700_000_001),
    status: spec.status ?? { code: 0 },
    attributes: spec.attributes ?? {},
    events: spec.events ?? [],
    resource: { attributes: spec.resource ?? { 'service.name': 'test-service' } },
    instrumentationScope: { name: 'test' },
  };
  if (spec.parent !== undefined) span.parentSpanContext = { traceId, spanId: spec.parent, isRemote: spec.remote ?? false };
  return span;
}

/** A CLIENT span with just these attributes (and events): the dialect tests' shorthand. */
export function spanWithAttributes(attributes: Record<string, unknown>, options: { name?: string; events?: ExportableSpan['events'] } = {}): ExportableSpan {
  return makeSpan({ spanId: 'b7ad6b7169203331', kind: 2, name: options.name ?? 'test span', start: 1_700_000_000, end: 1_700_000_001.5, attributes, ...(options.events ? { events: options.events } : {}) });
}

export type SpanEvents = NonNullable<ExportableSpan['events']>;

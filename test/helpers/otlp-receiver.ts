/** Typed face of the OTLP/HTTP JSON receiver in otlp-receiver.js (shared with the demo). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const receiver = require('./otlp-receiver.js') as { startOtlpReceiver(): Promise<OtlpReceiver> };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  scope: string;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  resource: Record<string, unknown>;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  /** Raw request bodies, for secret scans. */
  rawBodies: string[];
  close(): Promise<void>;
}

export const startOtlpReceiver = receiver.startOtlpReceiver;

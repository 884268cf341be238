/**
 * Puts redaction in front of span processors we do not own (the exporters `OTEL_TRACES_EXPORTER` adds):
 * each ended span reaches them as its redacted view. Braintrust records are redacted inside
 * `BraintrustSpanExporter` instead, off the app's path.
 */
import type { SpanRedactor } from './span-redaction';

/** The parts of an OTel `SpanProcessor` used here (structural: works with the 2.x and 3.x SDKs). */
export interface WrappedSpanProcessor {
  onStart(span: unknown, parentContext: unknown): void;
  onEnd(span: unknown): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export class RedactingSpanProcessor implements WrappedSpanProcessor {
  constructor(
    private readonly inner: WrappedSpanProcessor,
    private readonly redactor: SpanRedactor,
  ) {}

  onStart(span: unknown, parentContext: unknown): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: unknown): void {
    const s = span as { attributes?: Record<string, unknown> };
    // `span()` never throws; a span without attributes has no content to redact.
    this.inner.onEnd(s.attributes ? this.redactor.span(s as { attributes: Record<string, unknown> }) : span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/**
 * `GenAiSpanProcessor`: the instrumentation's window on span lifecycles. Add it to any tracer
 * provider (OTel JS 2.x or 3.x; it is structural, no SDK import) next to your exporter's processor:
 *
 *   - `onStart` notes spans that sit below another GenAI span (so usage is not reported twice) and
 *     registers instrumentation-undici spans (so fetch captures can find theirs);
 *   - `onEnding` (sdk-trace ≥ 2.12 and 3.x) annotates a span whose capture has not finished yet,
 *     while the span is still writable — e.g. a fetch span, which ends before undici's last callback —
 *     and redacts credentials from HTTP client span URLs (instrumentation-undici records `?key=` as is).
 *
 * It exports nothing and holds no spans beyond their lifetime.
 */
import { diag, trace, type Context, type Span } from '@opentelemetry/api';
import { sharedTracker, type CallTracker } from './call-tracker';

export class GenAiSpanProcessor {
  private readonly tracker: CallTracker;

  constructor(tracker: CallTracker = sharedTracker()) {
    this.tracker = tracker;
    tracker.processorAttached = true;
  }

  // Span processors run inside `startSpan()`/`end()` of whoever made the span (the app, an
  // instrumentation): nothing may escape from here. (try/catch in each: no closure per span event.)
  onStart(span: Span, parentContext: Context): void {
    try {
      this.tracker.onSpanStart(span, trace.getSpan(parentContext));
    } catch (err) {
      reportError(err);
    }
  }

  onEnding(span: Span): void {
    try {
      this.tracker.onSpanEnding(span);
    } catch (err) {
      reportError(err);
    }
  }

  onEnd(span: unknown): void {
    try {
      this.tracker.onSpanEnd(span as Span);
    } catch (err) {
      reportError(err);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function reportError(err: unknown): void {
  diag.debug(`otel-genai: span processor error: ${(err as Error).message}`);
}

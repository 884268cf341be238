/**
 * `setLlmContext`: the one call a gateway's handler may make to say who is asking. Applies to the
 * current request's server span and to every LLM span of the same trace (the upstream calls made
 * while handling it), and wins over headers, body fields and baggage. Safe anywhere: outside a traced
 * request (or with tracing off) it does nothing.
 */
import { context, diag, trace } from '@opentelemetry/api';
import type { LlmContext } from '../src/attribution';
import { sharedTracker } from './call-tracker';

export type { LlmContext };

export function setLlmContext(ctx: LlmContext): void {
  try {
    const span = trace.getSpan(context.active());
    if (!span || !span.isRecording()) return;
    sharedTracker().setLlmContext(span, ctx);
  } catch (err) {
    diag.debug(`otel-genai: setLlmContext failed: ${(err as Error).message}`);
  }
}

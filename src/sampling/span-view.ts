/** How a kept span says why it was kept. */
import { spanView } from '../span-view';

/** The attribute a kept span carries; the Braintrust record shows it as `metadata.sampling_reason`. */
export const SAMPLING_REASON_ATTRIBUTE = 'sampling.reason';

/** A view of `span` (see `src/span-view.ts`) whose attributes are the span's plus `sampling.reason`. */
export function withSamplingReason<S extends { attributes: Record<string, unknown> }>(span: S, reason: string): S {
  return spanView(span, { attributes: { ...span.attributes, [SAMPLING_REASON_ATTRIBUTE]: reason } });
}

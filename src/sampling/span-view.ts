/**
 * An ended span is read-only (the SDK ignores `setAttribute` after `end()`), and the same span object
 * may be held by other processors: the sampling reason is added on a view of it instead.
 */

/** The attribute a kept span carries; the Braintrust record shows it as `metadata.sampling_reason`. */
export const SAMPLING_REASON_ATTRIBUTE = 'sampling.reason';

/**
 * A view of `span` whose own `attributes` are the span's plus `sampling.reason`. Everything else —
 * fields, getters (`duration`, `ended`, …) and methods (`spanContext()`, …) — is read through the
 * prototype chain from the span itself, so `this` inside them finds the span's internal fields
 * (OTel's `SpanImpl` keeps them in ordinary properties, not `#private` ones) and `instanceof` holds.
 */
export function withSamplingReason<S extends { attributes: Record<string, unknown> }>(span: S, reason: string): S {
  const view = Object.create(span) as S;
  Object.defineProperty(view, 'attributes', {
    value: { ...span.attributes, [SAMPLING_REASON_ATTRIBUTE]: reason },
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return view;
}

/**
 * An ended span is read-only (the SDK ignores writes after `end()`), and the same span object is held by
 * every processor: a processor that must hand on a changed span (sampling adds its reason, redaction
 * replaces content) hands on a view of it instead.
 *
 * The view's own `attributes`/`events` are the replacements. Everything else — fields, getters
 * (`duration`, `ended`, …) and methods (`spanContext()`, …) — is read through the prototype chain from
 * the span itself, so `this` inside them finds the span's internal fields (OTel's `SpanImpl` keeps them
 * in ordinary properties, not `#private` ones) and `instanceof` holds.
 */
export function spanView<S extends object>(span: S, own: { attributes?: unknown; events?: unknown }): S {
  const view = Object.create(span) as S;
  for (const key of ['attributes', 'events'] as const) {
    if (key in own) Object.defineProperty(view, key, { value: own[key], enumerable: true, writable: true, configurable: true });
  }
  return view;
}

/**
 * Redaction applied to whole spans and records, fail-closed: every place content can live — attributes
 * in the content namespaces, span events, a record's `input`, `output` and `metadata` — passes through
 * the redactor; if it throws, that content is dropped and the span or record says so. Nothing is ever
 * sent unredacted.
 *
 * Ended spans are read-only and shared by every processor, so a redacted span is a view of it
 * (`src/span-view.ts`): own `attributes` and `events`, everything else read from the span itself.
 */
import { createRedactor, looksLikeJsonContainer, tryRedact, type Redactor } from './redactor';
import { HASHED_USER_ID, userIdHasher } from '../attribution';
import { spanView } from '../span-view';
import type { RedactionSettings } from '../../otel.config';

/** Attribute namespaces that carry content (messages, tool arguments, app-attached inputs/outputs). */
const CONTENT_PREFIXES = ['gen_ai.', 'llm.', 'ai.', 'braintrust.', 'traceloop.entity.', 'input.', 'output.'];

/** Set on a span view or a record whose content was dropped because redaction failed. */
export const REDACTION_FAILED_ATTRIBUTE = 'otel_genai.redaction.failed';

/** `metadata` keys never passed through the detectors: ids chosen to group by (pseudonymise them instead). */
const IDENTIFIER_KEYS = new Set(['user_id', 'session_id']);

/** What a record keeps when its content is dropped: what the call was, not what it said. */
const DESCRIPTIVE_KEYS = ['model', 'provider', 'user_id', 'session_id', 'environment', 'service', 'endpoint', 'http_status'];

interface RedactableSpan {
  attributes: Record<string, unknown>;
  events?: ReadonlyArray<{ name: string; attributes?: Record<string, unknown>; time?: unknown; droppedAttributesCount?: number }>;
}

export interface SpanRedactor {
  /** The span itself when nothing in it changes, else a redacted view. Never throws. */
  span<S extends RedactableSpan>(span: S): S;
  /**
   * A record made from a span that went through `span()`: its `metadata` redacted (allow/deny lists,
   * detectors, foreign user ids pseudonymised), in place; if that fails, its content is dropped. Never throws.
   */
  record<R extends { input?: unknown; output?: unknown; metadata?: Record<string, unknown> }>(record: R): R;
}

/** Undefined when redaction is off. A bad setting (unknown detector, non-function `redact`) throws here, at start-up. */
export function createSpanRedactor(settings: RedactionSettings, userIdHashKey?: string): SpanRedactor | undefined {
  if (!settings.enabled) return undefined;
  const hashUserId = userIdHasher(userIdHashKey);
  const redactor = createRedactor({
    detectors: settings.detectors,
    placeholders: settings.placeholders,
    ...(settings.redact ? { redact: settings.redact } : {}),
  });
  const allow = settings.metadataAllow ? new Set(settings.metadataAllow) : undefined;
  const deny = new Set(settings.metadataDeny);

  return {
    span<S extends RedactableSpan>(span: S): S {
      const attributes = tryRedact(() => redactAttributes(redactor, span.attributes, true));
      const events = tryRedact(() => redactEvents(redactor, span.events));
      if (attributes.ok && events.ok && attributes.value === span.attributes && events.value === span.events) return span;
      const ownAttributes = attributes.ok ? attributes.value : withoutContent(span.attributes);
      if (!attributes.ok || !events.ok) ownAttributes[REDACTION_FAILED_ATTRIBUTE] = true;
      if (span.events === undefined) return spanView(span, { attributes: ownAttributes });
      return spanView(span, { attributes: ownAttributes, events: events.ok ? events.value : span.events.map((e) => ({ ...e, attributes: {} })) });
    },
    record(record) {
      if (record.metadata) {
        for (const key of Object.keys(record.metadata)) {
          if ((allow && !allow.has(key)) || deny.has(key)) delete record.metadata[key];
        }
        // Spans of other instrumentations name users as they are: pseudonymise those too (ours already are).
        const userId = record.metadata.user_id;
        if (userIdHashKey && typeof userId === 'string' && !HASHED_USER_ID.test(userId)) record.metadata.user_id = hashUserId(userId);
      }
      const redacted = tryRedact(() => {
        // `input` and `output` are rendered from the span's content attributes and events, which
        // `span()` has redacted already; metadata also holds the app's own attributes, which it has not.
        const out: { metadata?: Record<string, unknown> } = {};
        if (record.metadata) {
          const metadata: Record<string, unknown> = {};
          for (const key in record.metadata) {
            const value = record.metadata[key];
            // Strings (most values) straight to the detectors; structures walked; numbers checked for card numbers.
            if (IDENTIFIER_KEYS.has(key) || typeof value === 'boolean' || value === null) metadata[key] = value;
            else if (typeof value === 'string') metadata[key] = redactor.redactString(value, `metadata.${key}`);
            else metadata[key] = redactor.redactValue(value, `metadata.${key}`);
          }
          out.metadata = metadata;
        }
        return out;
      });
      if (redacted.ok) {
        if (record.metadata) record.metadata = redacted.value.metadata!;
        return record;
      }
      // Fail closed: the content goes; what the record is (ids, metrics, model, user) stays.
      delete record.input;
      delete record.output;
      const kept: Record<string, unknown> = { [REDACTION_FAILED_ATTRIBUTE]: redacted.error };
      for (const key of DESCRIPTIVE_KEYS) if (record.metadata?.[key] !== undefined) kept[key] = record.metadata[key];
      record.metadata = kept;
      return record;
    },
  };
}

/** The same object when nothing changed (the common case costs no copy). */
function redactAttributes(redactor: Redactor, attributes: Record<string, unknown>, contentOnly: boolean): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in attributes) {
    if (contentOnly && !isContentKey(key)) continue;
    const value = attributes[key];
    const redacted = redactAttribute(redactor, value, key);
    if (redacted !== value) (out ??= { ...attributes })[key] = redacted;
  }
  return out ?? attributes;
}

function redactAttribute(redactor: Redactor, value: unknown, key: string): unknown {
  if (typeof value === 'string') return looksLikeJsonContainer(value) ? redactor.redactJsonText(value, key) : redactor.redactString(value, key);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item, i) => {
      const r = typeof item === 'string' ? redactor.redactString(item, `${key}[${i}]`) : item;
      changed ||= r !== item;
      return r;
    });
    return changed ? out : value;
  }
  // OTel JS 3.x allows object attributes: redact them as JSON values.
  if (typeof value === 'object' && value !== null) return redactor.redactValue(value, key);
  return value;
}

/** Every string in every event attribute: events (exceptions, semconv message events) quote content. */
function redactEvents<E extends { attributes?: Record<string, unknown> }>(redactor: Redactor, events: ReadonlyArray<E> | undefined): ReadonlyArray<E> | undefined {
  if (!events) return events;
  let out: E[] | undefined;
  events.forEach((event, i) => {
    if (!event.attributes) return;
    const attributes = redactAttributes(redactor, event.attributes, false);
    if (attributes !== event.attributes) (out ??= [...events])[i] = { ...event, attributes };
  });
  return out ?? events;
}

/** Fail-closed attributes: what describes the call (numbers, model, provider, ids) stays; text in the content namespaces goes. */
function withoutContent(attributes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (!isContentKey(key) || typeof value === 'number' || typeof value === 'boolean' || DESCRIPTIVE_ATTRIBUTES.has(key)) out[key] = value;
  }
  return out;
}

const DESCRIPTIVE_ATTRIBUTES = new Set([
  'gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.system', 'gen_ai.request.model', 'gen_ai.response.model',
  'gen_ai.response.id', 'gen_ai.response.finish_reasons', 'gen_ai.output.type',
]);

/** CONTENT_PREFIXES by first character: most keys (`http.*`, `server.*`, `url.*`) are ruled out by one lookup. */
const PREFIXES_BY_FIRST_CHAR = new Map<number, string[]>();
for (const prefix of CONTENT_PREFIXES) {
  const first = prefix.charCodeAt(0);
  PREFIXES_BY_FIRST_CHAR.set(first, [...(PREFIXES_BY_FIRST_CHAR.get(first) ?? []), prefix]);
}

function isContentKey(key: string): boolean {
  const prefixes = PREFIXES_BY_FIRST_CHAR.get(key.charCodeAt(0));
  if (prefixes === undefined) return false;
  for (const prefix of prefixes) if (key.startsWith(prefix)) return true;
  return false;
}


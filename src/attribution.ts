/**
 * Who asked: the user, session, plan (trial or paid) and custom metadata of an LLM request, from
 * several sources in order of precedence (the app's `setLlmContext`, configured request headers, the
 * request body, W3C baggage), and how they become span attributes. Pure.
 */
import { createHmac } from 'node:crypto';
import type { AttributeValue } from './annotate';
import { ATTR } from './semconv';

export interface LlmContext {
  userId?: string;
  sessionId?: string;
  /** A trial (free) user rather than a paying one. */
  isTrial?: boolean;
  /** Anything else to show with the request in Braintrust (`metadata.<key>`). */
  metadata?: Record<string, string | number | boolean>;
}

/** Request headers that carry attribution, by lower-case name. None by default: headers are the client's to set. */
export interface AttributionHeaders {
  userId?: string;
  sessionId?: string;
  /** `true`/`1`/`trial` → trial, `false`/`0`/`paid` → paid. */
  trial?: string;
}

/** Baggage keys read from an upstream service (and propagated on by the SDK's baggage propagator). */
const BAGGAGE_USER_ID = 'user.id';
const BAGGAGE_SESSION_ID = 'session.id';
const BAGGAGE_TRIAL = 'user.is_trial';

/** Each field from the first source that has it: pass sources in order of precedence. */
export function mergeContexts(...sources: Array<LlmContext | undefined>): LlmContext {
  let userId: string | undefined;
  let sessionId: string | undefined;
  let isTrial: boolean | undefined;
  let metadata: LlmContext['metadata'];
  for (const s of sources) {
    if (!s) continue;
    userId ??= s.userId;
    sessionId ??= s.sessionId;
    isTrial ??= s.isTrial;
    if (s.metadata) metadata = { ...s.metadata, ...metadata };
  }
  // Only defined fields, set once: this runs for every LLM span of a served request.
  const out: LlmContext = {};
  if (userId !== undefined) out.userId = userId;
  if (sessionId !== undefined) out.sessionId = sessionId;
  if (isTrial !== undefined) out.isTrial = isTrial;
  if (metadata !== undefined) out.metadata = metadata;
  return out;
}

type HeaderBag = Record<string, string | string[] | undefined>;

export function contextFromHeaders(headers: HeaderBag, names: AttributionHeaders): LlmContext {
  const ctx: LlmContext = {};
  const read = (name: string | undefined) => (name ? firstValue(headers[name.toLowerCase()]) : undefined);
  const userId = read(names.userId);
  if (userId) ctx.userId = userId;
  const sessionId = read(names.sessionId);
  if (sessionId) ctx.sessionId = sessionId;
  const trial = parseTrial(read(names.trial));
  if (trial !== undefined) ctx.isTrial = trial;
  return ctx;
}

/** The W3C `baggage` header (`key=value;props, …`, values percent-encoded). */
export function contextFromBaggage(header: string | string[] | undefined): LlmContext {
  const ctx: LlmContext = {};
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return ctx;
  for (const member of text.split(',')) {
    const eq = member.indexOf('=');
    if (eq === -1) continue;
    const key = member.slice(0, eq).trim();
    const value = decode(member.slice(eq + 1).split(';', 1)[0]!.trim());
    if (!value) continue;
    if (key === BAGGAGE_USER_ID) ctx.userId = value;
    else if (key === BAGGAGE_SESSION_ID) ctx.sessionId = value;
    else if (key === BAGGAGE_TRIAL) {
      const trial = parseTrial(value);
      if (trial !== undefined) ctx.isTrial = trial;
    }
  }
  return ctx;
}

/**
 * Span attributes for a context: `user.id` (pseudonymised when a hash key is set), `session.id`, and
 * `braintrust.metadata.*` for the plan and custom metadata (Braintrust's exporter and its OTLP
 * endpoint both map those into the record's metadata).
 */
export function contextAttributes(ctx: LlmContext, hashUserId: (id: string) => string): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (ctx.userId !== undefined) out[ATTR.USER_ID] = hashUserId(ctx.userId);
  if (ctx.sessionId !== undefined) out[ATTR.SESSION_ID] = ctx.sessionId;
  if (ctx.isTrial !== undefined) out['braintrust.metadata.is_trial'] = ctx.isTrial;
  for (const [key, value] of Object.entries(ctx.metadata ?? {})) {
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) out[`braintrust.metadata.${key}`] = value;
  }
  return out;
}

/**
 * `OTEL_GENAI_USER_ID_HASH_KEY`: user ids leave the process as a keyed hash (HMAC-SHA-256, first 32
 * hex digits): stable per user, so per-user views still work, and not reversible without the key.
 */
/** What `userIdHasher` makes: recognisable, so an id is never hashed twice. */
export const HASHED_USER_ID = /^u_[0-9a-f]{32}$/;

export function userIdHasher(key: string | undefined): (id: string) => string {
  if (!key) return (id) => id;
  return (id) => `u_${createHmac('sha256', key).update(id).digest('hex').slice(0, 32)}`;
}

function parseTrial(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'trial' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'paid' || v === 'no') return false;
  return undefined;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

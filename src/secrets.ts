/**
 * What counts as a secret on the wire, in one place: query parameters that carry credentials. Headers
 * need no list: nothing in this package records headers.
 */

/** Query parameters whose values are credentials (Gemini `?key=`, Azure `api-key`, AWS/GCS presigned URLs). */
export const SECRET_QUERY_PARAMS: readonly string[] = [
  'key',
  'api-key',
  'api_key',
  'apikey',
  'access_token',
  'token',
  'sig',
  'signature',
  'Signature',
  'AWSAccessKeyId',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'X-Goog-Signature',
  'X-Goog-Credential',
];

const SECRET_LOWER = new Set(SECRET_QUERY_PARAMS.map((p) => p.toLowerCase()));
export const REDACTED = 'REDACTED';

/**
 * `query` (with or without its leading `?`) with secret parameter values replaced by `REDACTED`.
 * Returns the input unchanged (same string) when it holds no secret, so callers can compare cheaply.
 */
export function redactQuery(query: string): string {
  if (query.indexOf('=') === -1) return query;
  const lead = query.startsWith('?') ? '?' : '';
  const parts = (lead ? query.slice(1) : query).split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    let name = part.slice(0, eq);
    try {
      name = decodeURIComponent(name);
    } catch {
      // keep the raw name
    }
    if (SECRET_LOWER.has(name.toLowerCase())) {
      parts[i] = `${part.slice(0, eq)}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? lead + parts.join('&') : query;
}

/** A URL with secret query values redacted (and any userinfo); unchanged string when there is none. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  let out = url;
  if (q !== -1) {
    const hash = url.indexOf('#', q);
    const query = hash === -1 ? url.slice(q) : url.slice(q, hash);
    const redacted = redactQuery(query);
    if (redacted !== query) out = url.slice(0, q) + redacted + (hash === -1 ? '' : url.slice(hash));
  }
  // user:password@host
  const scheme = out.indexOf('://');
  if (scheme !== -1) {
    const at = out.indexOf('@', scheme + 3);
    const slash = out.indexOf('/', scheme + 3);
    if (at !== -1 && (slash === -1 || at < slash)) out = `${out.slice(0, scheme + 3)}${REDACTED}:${REDACTED}@${out.slice(at + 1)}`;
  }
  return out;
}

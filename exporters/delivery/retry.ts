/** When and how long to retry a failed request. Pure. */

/** Network errors and these statuses are worth retrying; other 4xx will fail the same way again. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Delay before retry number `attempt` (0-based): the server's `Retry-After` when it gave one (seconds
 * or an HTTP date), else exponential backoff with full jitter (AWS's "full jitter": spreads clients
 * that failed together), capped.
 */
export function retryDelayMs(attempt: number, retryAfter: string | undefined, options: { baseMs: number; maxMs: number }, random: () => number = Math.random, now: number = Date.now()): number {
  const asked = parseRetryAfter(retryAfter, now);
  if (asked !== undefined) return Math.min(asked, options.maxMs);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}

/** `Retry-After: 7` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT` → milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Small pieces every capture point shares: copying observed chunks into an exchange (never throwing
 * into the app's call), and reading error names and header values.
 */
import { diag } from '@opentelemetry/api';
import type { LlmExchange } from '../src/exchange';

/** Copies a request chunk (string with its encoding, or bytes) into the exchange. */
export function copyRequestChunk(exchange: LlmExchange, chunk: unknown, encoding: unknown): void {
  try {
    if (typeof chunk === 'string') exchange.onRequestData(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    else if (chunk instanceof Uint8Array) exchange.onRequestData(chunk);
  } catch (err) {
    diag.debug(`otel-genai: capture error: ${(err as Error).message}`);
  }
}

/** Copies a response chunk into the exchange. A string means the app called setEncoding(): re-encode (UTF-8 round-trips). */
export function copyResponseChunk(exchange: LlmExchange, chunk: unknown): void {
  try {
    exchange.onResponseData(chunk instanceof Uint8Array ? chunk : Buffer.from(String(chunk), 'utf8'));
  } catch (err) {
    diag.debug(`otel-genai: capture error: ${(err as Error).message}`);
  }
}

/** A low-cardinality name for an error: its code (`ECONNRESET`), else its class name. */
export function errorName(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; name?: unknown };
    if (typeof e.code === 'string') return e.code;
    if (typeof e.name === 'string') return e.name;
  }
  return 'error';
}

/** A header value as one string (arrays joined as HTTP does), or undefined. */
export function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.join(', ');
  return undefined;
}

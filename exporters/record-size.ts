/**
 * Records have a size cap (default 1 MiB of JSON). A record over it keeps its ids, metrics and metadata
 * and has its content shortened, visibly, so nothing is dropped silently and no request is refused
 * for one oversized row.
 */
import type { BraintrustRecord } from './record';

export const TRUNCATION_MARKER = '…[truncated]';
/** Strings this short are structure (roles, types, ids): never shortened. */
const SHORT_STRING_CHARS = 64;

/** The record's JSON text, at most `maxBytes` UTF-8 bytes (unless even its skeleton is larger). */
export function serializeRecord(record: BraintrustRecord, maxBytes: number): string {
  const full = JSON.stringify(record);
  // UTF-16 length ≤ byte length, so a short text needs no byte count.
  if (full.length * 3 <= maxBytes || Buffer.byteLength(full) <= maxBytes) return full;

  // Shorten long strings in input, output and error (then metadata), ever harder, until it fits.
  for (let limit = Math.floor(maxBytes / 4); limit >= 16; limit = Math.floor(limit / 2)) {
    const text = JSON.stringify(shortened(record, limit));
    if (Buffer.byteLength(text) <= maxBytes) return text;
  }
  const bare: BraintrustRecord = { ...record, metadata: { ...shortenStrings(record.metadata, 256), truncated: true } };
  if (record.input !== undefined) bare.input = `[truncated: the record exceeded ${maxBytes} bytes]`;
  if (record.output !== undefined) bare.output = `[truncated: the record exceeded ${maxBytes} bytes]`;
  if (record.error !== undefined) bare.error = record.error.slice(0, 1024);
  return JSON.stringify(bare);
}

function shortened(record: BraintrustRecord, limit: number): BraintrustRecord {
  const out: BraintrustRecord = { ...record, metadata: { ...record.metadata, truncated: true } };
  if (record.input !== undefined) out.input = shortenStrings(record.input, limit);
  if (record.output !== undefined) out.output = shortenStrings(record.output, limit);
  if (record.error !== undefined) out.error = shortenStrings(record.error, limit) as string;
  if (limit < 4096) out.metadata = shortenStrings(out.metadata, limit) as Record<string, unknown>;
  return out;
}

function shortenStrings<T>(value: T, limit: number): T {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'string' && v.length > Math.max(limit, SHORT_STRING_CHARS) ? v.slice(0, limit) + TRUNCATION_MARKER : v,
    ),
  ) as T;
}

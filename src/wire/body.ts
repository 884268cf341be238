/**
 * Capped body capture and Content-Encoding decoding.
 *
 * A capture keeps the first `cap` bytes (the head) and, once over the cap, the last `TAIL_BYTES`
 * (where OpenAI/Anthropic put `usage` in large JSON bodies such as embeddings). Memory per body is
 * therefore at most `cap + TAIL_BYTES`, whatever the body size.
 */
import * as zlib from 'node:zlib';

export const TAIL_BYTES = 16 * 1024;

/**
 * Bytes appended chunk by chunk into one growing buffer (the first chunk's size or 1 KiB, then
 * doubling, never past `maxCapacity` unless one append needs it), so that a body seen as many small
 * chunks is a few allocations and one object, not one copy per chunk: an in-flight stream's capture
 * stays small for the garbage collector.
 */
export class GrowingBytes {
  private buffer: Buffer | undefined;
  length = 0;

  constructor(private readonly maxCapacity = Infinity) {}

  append(chunk: Uint8Array): void {
    const needed = this.length + chunk.byteLength;
    if (!this.buffer || needed > this.buffer.byteLength) {
      let capacity = this.buffer ? this.buffer.byteLength * 2 : Math.max(needed, 1024);
      while (capacity < needed) capacity *= 2;
      capacity = Math.max(needed, Math.min(capacity, this.maxCapacity));
      const grown = Buffer.allocUnsafe(capacity);
      if (this.buffer) this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = needed;
  }

  /** Bytes allocated (what this holds in memory). */
  get capacity(): number {
    return this.buffer?.byteLength ?? 0;
  }

  /** The bytes so far (a view: later appends may move them, so take it once the bytes are complete). */
  bytes(): Buffer {
    return this.buffer ? this.buffer.subarray(0, this.length) : Buffer.alloc(0);
  }
}

export class CappedBytes {
  /** Bytes seen, including those not kept. */
  total = 0;
  private readonly head: GrowingBytes;
  private tail: Buffer[] = [];
  private tailBytes = 0;

  constructor(private readonly cap: number) {
    this.head = new GrowingBytes(cap);
  }

  get truncated(): boolean {
    return this.total > this.head.length;
  }

  push(chunk: Uint8Array): void {
    const length = chunk.byteLength;
    this.total += length;
    // Copied: the caller's buffer may be reused or mutated after we return.
    const room = this.cap - this.head.length;
    if (room > 0) {
      this.head.append(length <= room ? chunk : chunk.subarray(0, room));
      if (length <= room) return;
      chunk = chunk.subarray(room);
    }
    this.tail.push(Buffer.from(chunk));
    this.tailBytes += chunk.byteLength;
    while (this.tailBytes - this.tail[0]!.byteLength >= TAIL_BYTES) this.tailBytes -= this.tail.shift()!.byteLength;
  }

  headBuffer(): Buffer {
    return this.head.bytes();
  }

  tailBuffer(): Buffer {
    const all = Buffer.concat(this.tail, this.tailBytes);
    return all.byteLength > TAIL_BYTES ? all.subarray(all.byteLength - TAIL_BYTES) : all;
  }
}

export type ContentEncoding = 'identity' | 'gzip' | 'deflate' | 'br' | 'zstd' | 'unknown';

export function parseContentEncoding(header: string | undefined): ContentEncoding {
  if (!header) return 'identity';
  const value = header.trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  if (value === 'br') return 'br';
  if (value === 'zstd') return 'zstd';
  return 'unknown'; // including stacked codings ("gzip, br"): we do not guess.
}

export interface DecodedBody {
  bytes: Buffer;
  /** The decoded body is incomplete (input truncated, or output over the limit, or corrupt). */
  partial: boolean;
  error?: string;
}

/**
 * Decodes `bytes` (possibly a truncated prefix) under a bound on the output size. Truncated input
 * yields what could be decoded (sync flush), never an exception.
 */
export function decodeBody(bytes: Buffer, encoding: ContentEncoding, maxOutput: number): DecodedBody {
  if (encoding === 'identity') return { bytes, partial: false };
  const whole = decodeWhole(bytes, encoding, maxOutput);
  if (!whole.error) return whole;
  // Cut or corrupt input: decode what can be decoded (sync flush accepts a missing end).
  const prefix = decodeWhole(bytes, encoding, maxOutput, true);
  return prefix.error ? { ...prefix, error: whole.error } : { bytes: prefix.bytes, partial: true, error: whole.error };
}

function decodeWhole(bytes: Buffer, encoding: ContentEncoding, maxOutput: number, lenient = false): DecodedBody {
  const opts = lenient ? { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: maxOutput } : { maxOutputLength: maxOutput };
  try {
    switch (encoding) {
      case 'gzip':
        return { bytes: zlib.gunzipSync(bytes, opts), partial: false };
      case 'deflate':
        // "deflate" is zlib-wrapped per RFC 9110, but some servers send raw deflate.
        return { bytes: bytes[0] !== undefined && (bytes[0] & 0x0f) === 8 ? zlib.inflateSync(bytes, opts) : zlib.inflateRawSync(bytes, opts), partial: false };
      case 'br':
        return {
          bytes: zlib.brotliDecompressSync(bytes, lenient ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH, maxOutputLength: maxOutput } : { maxOutputLength: maxOutput }),
          partial: false,
        };
      case 'zstd': {
        const z = zlib as unknown as { zstdDecompressSync?: (b: Buffer, o: object) => Buffer };
        if (!z.zstdDecompressSync) return { bytes: Buffer.alloc(0), partial: true, error: 'zstd is not supported by this Node.js' };
        return { bytes: z.zstdDecompressSync(bytes, { maxOutputLength: maxOutput }), partial: false };
      }
      default:
        return { bytes: Buffer.alloc(0), partial: true, error: 'unsupported content-encoding' };
    }
  } catch (err) {
    return { bytes: Buffer.alloc(0), partial: true, error: `decode failed: ${(err as Error).message}` };
  }
}

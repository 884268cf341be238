import * as zlib from 'node:zlib';
import type { StreamEvent } from '../families/family';

/**
 * Incremental decoder for the `application/vnd.amazon.eventstream` binary framing used by Bedrock
 * `invoke-with-response-stream` and `converse-stream`.
 *
 * Each message: prelude (total length u32 BE, headers length u32 BE, prelude CRC32 u32), headers,
 * payload, message CRC32 (u32). Feed bytes in any chunking; events are emitted as frames complete.
 *
 * Defensive by design: lengths are validated before anything is buffered past the prelude, and a
 * framing error (impossible lengths, bad prelude CRC) stops decoding for good, because the byte
 * stream cannot be re-synchronised once a frame boundary is lost. Nothing here throws.
 */

const PRELUDE_BYTES = 12;
/** Prelude + message CRC, with empty headers and payload. */
const MIN_FRAME_BYTES = 16;
/** The AWS event-stream specification caps a message at 16 MiB. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * `zlib.crc32` exists from Node 20.15 / 22.2 on; older runtimes skip the CRC check rather than
 * pay for a JavaScript CRC table or a dependency.
 */
const crc32: ((data: Uint8Array) => number) | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (data) => zlib.crc32(data) : undefined;

/** Value sizes of the fixed-width header types (AWS event-stream header value types 0-9). */
const FIXED_VALUE_BYTES: Record<number, number> = { 0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16 };
const TYPE_BYTE_ARRAY = 6;
const TYPE_STRING = 7;

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export class AwsEventStreamDecoder {
  private errorCount = 0;
  /** Bytes of the unfinished frame, kept as received (no copy until the frame is complete). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes needed before decoding can progress: the prelude, then the whole frame. */
  private needed = PRELUDE_BYTES;
  private stopped = false;

  constructor(private readonly onEvent: (event: StreamEvent) => void) {}

  /** Framing errors seen: corrupt preludes, malformed headers, a truncated final frame. */
  get errors(): number {
    return this.errorCount;
  }

  push(chunk: Uint8Array): void {
    if (this.stopped || chunk.byteLength === 0) return;
    const bytes = toBuffer(chunk);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes < this.needed) return;
    const buffer = this.pending.length === 1 ? bytes : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.needed = PRELUDE_BYTES;
    this.decode(buffer);
  }

  /** End of input: an unfinished frame means the stream was cut short. */
  end(): void {
    if (this.pendingBytes > 0 && !this.stopped) this.errorCount++;
    this.pending = [];
    this.pendingBytes = 0;
    this.needed = PRELUDE_BYTES;
  }

  /** Decodes every complete frame in `buffer` and keeps the unfinished tail (a view, not a copy). */
  private decode(buffer: Buffer): void {
    let offset = 0;
    while (buffer.length - offset >= PRELUDE_BYTES) {
      const total = buffer.readUInt32BE(offset);
      const headersLength = buffer.readUInt32BE(offset + 4);
      if (!this.validPrelude(buffer, offset, total, headersLength)) {
        this.fail();
        return;
      }
      if (buffer.length - offset < total) {
        this.needed = total;
        break;
      }
      this.frame(buffer, offset, total, headersLength);
      offset += total;
    }
    if (offset < buffer.length) {
      const rest = buffer.subarray(offset);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
    }
  }

  private validPrelude(buffer: Buffer, offset: number, total: number, headersLength: number): boolean {
    if (total < MIN_FRAME_BYTES || total > MAX_FRAME_BYTES) return false;
    if (headersLength > total - MIN_FRAME_BYTES) return false;
    if (crc32 && crc32(buffer.subarray(offset, offset + 8)) !== buffer.readUInt32BE(offset + 8)) return false;
    return true;
  }

  /** Stops decoding for good: after a lost frame boundary every following byte is noise. */
  private fail(): void {
    this.errorCount++;
    this.stopped = true;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private frame(buffer: Buffer, start: number, total: number, headersLength: number): void {
    const headersStart = start + PRELUDE_BYTES;
    const payloadStart = headersStart + headersLength;
    const headers = readHeaders(buffer, headersStart, payloadStart);
    if (!headers) {
      // The frame length is trustworthy (its prelude CRC matched), so only this frame is lost.
      this.errorCount++;
      return;
    }
    const payload = buffer.toString('utf8', payloadStart, start + total - 4);
    const event: StreamEvent = { data: parsePayload(payload) };
    const name = headers.eventType ?? headers.exceptionType;
    if (name !== undefined) event.event = name;
    if (headers.messageType === 'exception' || headers.messageType === 'error') event.exception = true;
    this.onEvent(event);
  }
}

interface FrameHeaders {
  eventType?: string;
  exceptionType?: string;
  messageType?: string;
}

/** Reads the three headers we use and skips every other one; undefined when a header overruns. */
function readHeaders(buffer: Buffer, start: number, end: number): FrameHeaders | undefined {
  const headers: FrameHeaders = {};
  let p = start;
  while (p < end) {
    const nameLength = buffer[p]!;
    const nameStart = p + 1;
    const typeAt = nameStart + nameLength;
    if (typeAt >= end) return undefined;
    const type = buffer[typeAt]!;
    const valueAt = typeAt + 1;
    let next: number;
    let stringValue: string | undefined;
    const fixed = FIXED_VALUE_BYTES[type];
    if (fixed !== undefined) {
      next = valueAt + fixed;
    } else if (type === TYPE_BYTE_ARRAY || type === TYPE_STRING) {
      if (valueAt + 2 > end) return undefined;
      const length = buffer.readUInt16BE(valueAt);
      next = valueAt + 2 + length;
      if (type === TYPE_STRING && next <= end) stringValue = buffer.toString('utf8', valueAt + 2, next);
    } else {
      return undefined; // unknown value type: its size is unknowable
    }
    if (next > end) return undefined;
    if (stringValue !== undefined && nameLength > 0 && buffer[nameStart] === 0x3a /* ':' */) {
      const name = buffer.toString('latin1', nameStart, typeAt);
      if (name === ':event-type') headers.eventType = stringValue;
      else if (name === ':exception-type') headers.exceptionType = stringValue;
      else if (name === ':message-type') headers.messageType = stringValue;
    }
    p = next;
  }
  return headers;
}

function parsePayload(payload: string): unknown {
  if (payload.length === 0) return payload;
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

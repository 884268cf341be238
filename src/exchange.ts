/**
 * One observed LLM API exchange, transport-independent: capture points (outgoing node:http, node:http2
 * and fetch today; incoming gateway requests next) feed it bytes and events; `finish()` parses what was seen into an
 * `LlmCall`. Memory is bounded: request/response bodies are capped (`CappedBytes`), and streamed
 * responses are decoded in batches into a reducer instead of being kept.
 */
import { performance } from 'node:perf_hooks';
import type { ApiFamily, ParseContext, StreamEvent, StreamReducer } from './families/family';
import { familyFor } from './families';
import type { LlmCall, LlmRequest, LlmResponse } from './llm-call';
import type { RouteMatch } from './routes';
import { AwsEventStreamDecoder } from './wire/aws-event-stream';
import { CappedBytes, decodeBody, GrowingBytes, parseContentEncoding, type ContentEncoding } from './wire/body';
import { NdjsonDecoder } from './wire/ndjson';
import { SseDecoder } from './wire/sse';
import { sniffJson } from './wire/sniff';

export interface ExchangeOptions {
  captureContent: boolean;
  /** Per-body cap in bytes; also bounds the accumulated stream text. */
  maxCaptureBytes: number;
}

/** How the transport saw the exchange end. */
export interface ExchangeOutcome {
  /** The response body was received to its end. */
  complete: boolean;
  /** A transport-level failure (reset, abort, timeout): its error name, e.g. `ECONNRESET`, `AbortError`. */
  transportError?: string;
}

type StreamFormat = 'sse' | 'aws-event-stream' | 'ndjson';

/** Parse results, whether each is partial (cut, over the cap, or not valid), and what the parse noted. */
interface ParsedRequest {
  request: LlmRequest;
  partial: boolean;
  notes: readonly string[];
}
interface ParsedResponse {
  response: LlmResponse;
  partial: boolean;
  notes: readonly string[];
}

/** The notes of a parse that added no diagnostics (most): one shared empty list. */
const NO_NOTES: readonly string[] = Object.freeze([]);

/** `error.type` of an exchange the app cancelled (not an error status: OTel HTTP conventions agree). */
export const CANCELLED = 'cancelled';

/** Semconv's `error.type` fallback value, used by parsers for errors without a code. */
const OTHER_ERROR = '_OTHER';

/** Streamed bytes are decoded in batches of this size: off the per-chunk path, bounded memory. */
const STREAM_BATCH_BYTES = 32 * 1024;

/** Decompressed bodies may be larger than the cap on compressed bytes, within reason. */
const DECODED_CAP_FACTOR = 8;

interface StreamDecoder {
  push(chunk: Uint8Array): void;
  end(): void;
}

export class LlmExchange {
  readonly family: ApiFamily;
  private readonly ctx: ParseContext;
  private readonly startedAt = performance.now();
  private readonly requestBody: CappedBytes;
  private requestEncoding: ContentEncoding = 'identity';
  private status: number | undefined;
  private responseEncoding: ContentEncoding = 'identity';
  private headerUsage: { input?: number; output?: number } = {};
  /** AWS names the error class in a header (`ThrottlingException:http://...`), not in the body. */
  private errorTypeHeader: string | undefined;
  private firstChunkAt: number | undefined;
  /** Non-stream (or compressed stream) responses: capped bytes, parsed at the end. */
  private responseBody: CappedBytes | undefined;
  private streamFormat: StreamFormat | undefined;
  /** Identity-encoded streams: pending bytes, decoded a batch at a time into `reducer`. */
  private pendingStream = new GrowingBytes();
  private decoder: StreamDecoder | undefined;
  private reducer: StreamReducer | undefined;
  private diagnostics: string[] = [];
  /** Set when the transport saw the exchange cut short before the span's own end path could tell. */
  private interruption: string | undefined;
  private result: LlmCall | undefined;
  /** The request, parsed once (early, by `request()`, or at `finish()`), or shared by a twin. */
  private parsedRequest: ParsedRequest | undefined;
  /** The response as parsed at `finish()`, for a twin to share. */
  private parsedResponse: ParsedResponse | undefined;
  /** Keep the raw response bytes (up to the capture cap) so that a twin can compare them with its own. */
  private keepRawResponse = false;
  /** Identity-stream bytes already decoded, kept while `keepRawResponse` (dropped once over the cap). */
  private decodedStream: Buffer[] = [];
  private decodedStreamBytes = 0;
  /** The whole raw response (as its chunks), kept after `finish()` when `keepRawResponse` and nothing was dropped. */
  private rawResponse: Buffer[] | undefined;

  constructor(
    readonly route: RouteMatch,
    private readonly options: ExchangeOptions,
    readonly server: { address?: string; port?: number } = {},
  ) {
    this.family = familyFor(route.family);
    this.requestBody = new CappedBytes(options.maxCaptureBytes);
    this.ctx = { captureContent: options.captureContent, maxContentChars: options.maxCaptureBytes };
    if (route.pathModel !== undefined) this.ctx.pathModel = route.pathModel;
    if (route.pathStream !== undefined) this.ctx.pathStream = route.pathStream;
  }

  get finished(): boolean {
    return this.result !== undefined;
  }

  onRequestHeaders(contentEncoding: string | undefined): void {
    this.requestEncoding = parseContentEncoding(contentEncoding);
  }

  onRequestData(chunk: Uint8Array): void {
    if (this.result) return;
    this.requestBody.push(chunk);
  }

  /** `header(name)` reads a response header by lower-case name. */
  onResponseHead(status: number, header: (name: string) => string | undefined): void {
    if (this.result) return;
    this.status = status;
    this.responseEncoding = parseContentEncoding(header('content-encoding'));
    this.headerUsage = {
      input: toCount(header('x-amzn-bedrock-input-token-count')),
      output: toCount(header('x-amzn-bedrock-output-token-count')),
    };
    this.errorTypeHeader = header('x-amzn-errortype')?.split(':', 1)[0] || undefined;
    const format = streamFormatOf(header('content-type'));
    if (format && status < 400) {
      this.streamFormat = format;
      this.reducer = this.family.createStreamReducer(this.ctx);
      if (this.responseEncoding === 'identity') {
        this.decoder = this.createDecoder(format, this.reducer);
        return;
      }
    }
    this.responseBody = new CappedBytes(this.options.maxCaptureBytes);
  }

  onResponseData(chunk: Uint8Array): void {
    if (this.result) return;
    if (this.firstChunkAt === undefined) this.firstChunkAt = performance.now();
    if (this.decoder) {
      this.pendingStream.append(chunk);
      if (this.pendingStream.length >= STREAM_BATCH_BYTES) this.drainStream();
    } else {
      (this.responseBody ??= new CappedBytes(this.options.maxCaptureBytes)).push(chunk);
    }
  }

  /**
   * The app (or the transport) gave up on the exchange, e.g. a fetch body cancelled by the app: the
   * HTTP span may still end as a success (OTel HTTP conventions do not count cancellation as an error).
   */
  markInterrupted(reason: string): void {
    this.interruption ??= reason;
  }

  /**
   * Parses everything seen. Idempotent: later calls return the first result. Never throws.
   *
   * `twin`: the other side of a gateway hop in the same trace (the request this process serves, or
   * its upstream call). A gateway usually passes its client's body upstream and the upstream's answer
   * back unchanged; when the bytes (and how they are parsed) are the same, the parse is shared
   * instead of repeated, and so is the serialised content (see `annotate.ts`).
   */
  finish(outcome: ExchangeOutcome, twin?: LlmExchange): LlmCall {
    if (this.result) return this.result;
    // The interruption caused whatever transport error followed it (e.g. ECONNRESET after a cancel).
    if (this.interruption !== undefined) outcome = { complete: false, transportError: this.interruption };
    let request: LlmRequest;
    let response: LlmResponse;
    let partial = !outcome.complete;
    try {
      const req = this.parseRequest(twin);
      request = req.request;
      partial ||= req.partial;
      let res = (twin && outcome.complete && this.responseSharedWith(twin)) || this.noting(this.diagnostics.length, this.parseResponse(outcome));
      // A parse may be shared with a twin: changed by copy, never in place.
      if (outcome.transportError && !res.response.error) res = { ...res, response: { ...res.response, error: { type: outcome.transportError } } };
      this.parsedResponse = res;
      response = res.response;
      partial ||= res.partial;
    } catch (err) {
      // Parsers are written not to throw; this is the last line of defence for the host app.
      this.diagnostics.push(`parser error: ${(err as Error).message}`);
      request ??= { operation: 'chat' };
      response = outcome.transportError ? { error: { type: outcome.transportError } } : {};
      partial = true;
    }
    if (response.contentTruncated) partial = true;
    const call: LlmCall = { family: this.family.name, provider: this.route.provider, request, response, partial };
    if (this.server.address !== undefined) call.serverAddress = this.server.address;
    if (this.server.port !== undefined) call.serverPort = this.server.port;
    if (this.status !== undefined) call.httpStatus = this.status;
    const stream = request.stream ?? this.route.pathStream ?? this.streamFormat !== undefined;
    if (stream && this.firstChunkAt !== undefined) call.timeToFirstChunk = (this.firstChunkAt - this.startedAt) / 1000;
    if (this.diagnostics.length > 0) call.diagnostics = this.diagnostics;
    if (this.keepRawResponse) this.rawResponse = this.rawResponseParts();
    this.release();
    this.result = call;
    return call;
  }

  /**
   * The request as parsed so far, once its body is complete (a gateway reads who is asking before the
   * response exists). Parsed once: `finish()` reuses it. Never throws.
   */
  request(): LlmRequest | undefined {
    if (this.result) return this.result.request;
    try {
      return this.parseRequest().request;
    } catch {
      return undefined;
    }
  }

  /** Keep the raw response for a twin to compare (a gateway hop); bounded by the capture cap. */
  retainRawResponse(): void {
    this.keepRawResponse = true;
  }

  private parseRequest(twin?: LlmExchange): ParsedRequest {
    if (this.parsedRequest) return this.parsedRequest;
    this.parsedRequest = (twin && this.requestSharedWith(twin)) || this.noting(this.diagnostics.length, this.parseRequestBody());
    return this.parsedRequest;
  }

  /** The twin's parsed request, if its body is byte for byte ours and parsed the same way. */
  private requestSharedWith(twin: LlmExchange): ParsedRequest | undefined {
    const mine = this.requestBody;
    const theirs = twin.requestBody;
    if (!this.parsesLike(twin) || this.requestEncoding !== twin.requestEncoding) return undefined;
    if (mine.truncated || theirs.truncated || mine.total !== theirs.total || mine.total === 0) return undefined;
    if (!mine.headBuffer().equals(theirs.headBuffer())) return undefined;
    const shared = twin.parseRequest();
    if (shared.notes.length > 0) this.diagnostics.push(...shared.notes);
    // The same object: parse results are read-only once made (see `finish`).
    return shared;
  }

  /** The finished twin's parsed response, if the raw bytes and response head are the same as ours. */
  private responseSharedWith(twin: LlmExchange): ParsedResponse | undefined {
    const theirs = twin.parsedResponse;
    if (!theirs || !twin.rawResponse || !this.parsesLike(twin)) return undefined;
    if (this.status !== twin.status || this.responseEncoding !== twin.responseEncoding || this.streamFormat !== twin.streamFormat) return undefined;
    if (this.errorTypeHeader !== twin.errorTypeHeader || this.headerUsage.input !== twin.headerUsage.input || this.headerUsage.output !== twin.headerUsage.output) return undefined;
    const mine = this.rawResponseParts();
    if (!mine || !sameBytes(mine, twin.rawResponse)) return undefined;
    if (theirs.notes.length > 0) this.diagnostics.push(...theirs.notes);
    return theirs;
  }

  /**
   * A parse result with the diagnostics its parse added (those after index `before`) as its `notes`:
   * a twin sharing the result shares them too. Called as `noting(this.diagnostics.length, parse())`:
   * arguments are evaluated left to right, so `before` is read before the parse runs.
   */
  private noting<T extends { notes: readonly string[] }>(before: number, parsed: T): T {
    if (this.diagnostics.length > before) parsed.notes = this.diagnostics.slice(before);
    return parsed;
  }

  /** Same parser, same parse context: the same bytes give the same result. */
  private parsesLike(twin: LlmExchange): boolean {
    const a = this.ctx;
    const b = twin.ctx;
    return (
      this.family === twin.family &&
      a.captureContent === b.captureContent &&
      a.maxContentChars === b.maxContentChars &&
      a.pathModel === b.pathModel &&
      a.pathStream === b.pathStream
    );
  }

  /** Every response byte seen, as the chunks that hold them (not copied), if none was dropped (capture cap). */
  private rawResponseParts(): Buffer[] | undefined {
    if (this.responseBody) return this.responseBody.truncated || this.responseBody.total === 0 ? undefined : [this.responseBody.headBuffer()];
    if (!this.keepRawResponse || this.decodedStreamBytes < 0) return undefined;
    const parts = this.pendingStream.length > 0 ? [...this.decodedStream, this.pendingStream.bytes()] : this.decodedStream;
    return parts.length === 0 ? undefined : parts;
  }

  private parseRequestBody(): ParsedRequest {
    const decoded = this.decode(this.requestBody, this.requestEncoding);
    const body = this.parseJson(decoded.bytes, decoded.partial || this.requestBody.truncated, this.requestBody, 'request');
    const request = this.family.parseRequest(body.value ?? {}, this.ctx);
    if (this.route.pathStream) request.stream = true;
    return { request, partial: body.partial, notes: NO_NOTES };
  }

  private parseResponse(outcome: ExchangeOutcome): ParsedResponse {
    if (this.status === undefined) return { response: {}, partial: true, notes: NO_NOTES };
    if (this.reducer) {
      let partial = false;
      if (this.decoder) this.drainStream();
      else if (this.responseBody && this.streamFormat) {
        // A compressed stream: decode what was kept, then run it through the stream decoder.
        const decoded = this.decode(this.responseBody, this.responseEncoding);
        partial = decoded.partial || this.responseBody.truncated;
        const decoder = this.createDecoder(this.streamFormat, this.reducer);
        decoder.push(decoded.bytes);
        this.decoder = decoder;
      }
      this.decoder?.end();
      const response = this.reducer.finish();
      this.addHeaderUsage(response);
      return { response, partial: partial || !outcome.complete, notes: NO_NOTES };
    }
    const captured = this.responseBody ?? new CappedBytes(0);
    const decoded = this.decode(captured, this.responseEncoding);
    const body = this.parseJson(decoded.bytes, decoded.partial || captured.truncated, captured, 'response');
    if (this.status >= 400) {
      const parsed = body.value !== undefined ? this.family.parseError(body.value) : undefined;
      // A body without a machine-readable code: an error-type header, else the status code, names it.
      const error = parsed && parsed.type !== OTHER_ERROR ? parsed : { ...parsed, type: this.errorTypeHeader ?? String(this.status) };
      return { response: { error }, partial: body.partial, notes: NO_NOTES };
    }
    const response = body.value !== undefined ? this.family.parseResponse(body.value, this.ctx) : {};
    this.addHeaderUsage(response);
    return { response, partial: body.partial, notes: NO_NOTES };
  }

  /** Bedrock reports usage in headers for vendors whose bodies do not carry it. */
  private addHeaderUsage(response: LlmResponse): void {
    const { input, output } = this.headerUsage;
    if (input === undefined && output === undefined) return;
    const usage = (response.usage ??= {});
    if (usage.inputTokens === undefined && input !== undefined) usage.inputTokens = input;
    if (usage.outputTokens === undefined && output !== undefined) usage.outputTokens = output;
  }

  private decode(body: CappedBytes, encoding: ContentEncoding): { bytes: Buffer; partial: boolean } {
    const raw = body.headBuffer();
    if (encoding === 'identity') return { bytes: raw, partial: false };
    const decoded = decodeBody(raw, encoding, this.options.maxCaptureBytes * DECODED_CAP_FACTOR);
    if (decoded.error) this.diagnostics.push(`${encoding} body: ${decoded.error}`);
    return decoded;
  }

  /**
   * JSON.parse, falling back to sniffing a cut body. A body that parses is whole even if its
   * transport was not (e.g. gzip without its trailer). `value` undefined when nothing was readable.
   */
  private parseJson(bytes: Buffer, cut: boolean, captured: CappedBytes, what: string): { value: unknown; partial: boolean } {
    if (bytes.byteLength === 0) return { value: undefined, partial: cut };
    const text = bytes.toString('utf8');
    try {
      return { value: JSON.parse(text), partial: false };
    } catch {
      this.diagnostics.push(
        captured.truncated
          ? `${what} body over the capture cap (${captured.total} bytes): parsed partially`
          : `${what} body is not valid JSON (${bytes.byteLength} bytes${cut ? ', cut' : ''})`,
      );
    }
    const tail = captured.truncated && this.encodingOf(what) === 'identity' ? captured.tailBuffer().toString('utf8') : '';
    const sniffed = sniffJson(text, tail);
    return { value: Object.keys(sniffed).length > 0 ? sniffed : undefined, partial: true };
  }

  private encodingOf(what: string): ContentEncoding {
    return what === 'request' ? this.requestEncoding : this.responseEncoding;
  }

  private createDecoder(format: StreamFormat, reducer: StreamReducer): StreamDecoder {
    const deliver = (event: StreamEvent) => reducer.push(event);
    switch (format) {
      case 'sse': {
        const sse = new SseDecoder((e) => {
          if (reducer.pushRaw?.(e.data, e.event)) return;
          const event: StreamEvent = { data: parseEventData(e.data) };
          if (e.event !== undefined) event.event = e.event;
          deliver(event);
        });
        return sse;
      }
      case 'aws-event-stream':
        return new AwsEventStreamDecoder(deliver);
      case 'ndjson':
        return new NdjsonDecoder((value) => deliver({ data: value }));
    }
  }

  private drainStream(): void {
    if (!this.decoder || this.pendingStream.length === 0) return;
    // The batch keeps its buffer (decoders and a twin's comparison may hold on to it): start a new one.
    const batch = this.pendingStream.bytes();
    this.pendingStream = new GrowingBytes();
    if (this.keepRawResponse && this.decodedStreamBytes >= 0) {
      if (this.decodedStreamBytes + batch.byteLength <= this.options.maxCaptureBytes) {
        this.decodedStream.push(batch);
        this.decodedStreamBytes += batch.byteLength;
      } else {
        // Over the cap: no longer comparable with a twin (-1 marks it); memory stays bounded.
        this.decodedStream = [];
        this.decodedStreamBytes = -1;
      }
    }
    this.decoder.push(batch);
  }

  private release(): void {
    this.pendingStream = new GrowingBytes();
    this.decodedStream = [];
    this.responseBody = undefined;
    this.decoder = undefined;
    this.reducer = undefined;
  }
}

/** OpenAI's end-of-stream sentinel: every stream ends with it. */
const DONE = '[DONE]';

function parseEventData(data: string): unknown {
  const c = data.charCodeAt(0);
  // Only attempt JSON for payloads that can be JSON objects/arrays; plain text stays a string. `[DONE]`
  // looks like an array but is not JSON: a failed JSON.parse throws, and a throw (with its stack
  // trace) costs tens of microseconds, once per stream.
  if ((c !== 123 /* { */ && c !== 91) /* [ */ || data === DONE) return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function streamFormatOf(contentType: string | undefined): StreamFormat | undefined {
  // The usual spellings: one compare, no string made.
  if (!contentType || contentType.startsWith('application/json')) return undefined;
  if (contentType === 'text/event-stream' || contentType.startsWith('text/event-stream;')) return 'sse';
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'text/event-stream') return 'sse';
  if (type === 'application/vnd.amazon.eventstream') return 'aws-event-stream';
  if (type === 'application/x-ndjson' || type === 'application/stream+json' || type === 'application/jsonl') return 'ndjson';
  return undefined;
}

/** Whether two chunk lists hold the same bytes, however each is split (compared in place, nothing concatenated). */
function sameBytes(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  let ai = 0;
  let bi = 0;
  let ao = 0;
  let bo = 0;
  for (;;) {
    // Step past exhausted (and empty) chunks.
    while (ai < a.length && ao === a[ai]!.byteLength) {
      ai++;
      ao = 0;
    }
    while (bi < b.length && bo === b[bi]!.byteLength) {
      bi++;
      bo = 0;
    }
    if (ai === a.length || bi === b.length) return ai === a.length && bi === b.length;
    const n = Math.min(a[ai]!.byteLength - ao, b[bi]!.byteLength - bo);
    if (a[ai]!.compare(b[bi]!, bo, bo + n, ao, ao + n) !== 0) return false;
    ao += n;
    bo += n;
  }
}

function toCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}


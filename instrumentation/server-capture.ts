/**
 * Incoming `node:http` capture: a gateway's own LLM API requests (anything on top of `http.Server`:
 * plain node:http, Express, Fastify).
 *
 * At `http.server.request.start` (before the app, and before instrumentation-http's server span) a
 * POST whose path is an LLM API gets an `LlmExchange`. The request body is observed by wrapping that
 * request's `emit` (never adding a `'data'` listener: a handler that never reads the body still works,
 * and frameworks that parse it themselves see the same stream). What the gateway sends back is
 * observed by wrapping that response's `writeHead`/`write`/`end`: exactly the bytes the client
 * receives, as it receives them (so time to first chunk is the client's).
 *
 * The span is instrumentation-http's server span: linked by its `requestHook` (the preload passes
 * `genAiRequestHook`), else found through the active context at the gateway's first write. The
 * exchange is finalised on the response's `'finish'` (complete) or `'close'` before it (the client
 * went away: cancelled, with what had been sent), before instrumentation-http ends the span.
 */
import * as dc from 'node:diagnostics_channel';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { context, diag, trace, type Span } from '@opentelemetry/api';
import { contextFromBaggage, contextFromHeaders } from '../src/attribution';
import { CANCELLED, LlmExchange } from '../src/exchange';
import { matchServerRoute } from '../src/routes';
import type { CallTracker } from './call-tracker';
import { copyRequestChunk, copyResponseChunk, headerValue } from './chunks';

const REQUEST_START = 'http.server.request.start';
const CAPTURE = Symbol('otel-genai.server-capture');

interface ServerEntry {
  exchange: LlmExchange;
  request: IncomingMessage;
  /** The request body was received whole (who is asking can be read from it). */
  bodyComplete: boolean;
  span?: Span;
  /** Headers passed to `writeHead` directly (not visible through `getHeader`). */
  headHeaders?: OutgoingHttpHeaders;
  headSeen: boolean;
  finished: boolean;
}

type CapturedRequest = IncomingMessage & { [CAPTURE]?: ServerEntry };
type Method = (...args: unknown[]) => unknown;

export class HttpServerCapture {
  private enabled = false;
  private readonly onRequestStart = (message: unknown) => {
    // A throw in a diagnostics-channel subscriber would surface in the app.
    try {
      const { request, response } = message as { request: CapturedRequest; response: ServerResponse };
      this.start(request, response);
    } catch (err) {
      diag.debug(`otel-genai: server capture skipped: ${(err as Error).message}`);
    }
  };

  constructor(private readonly tracker: CallTracker) {}

  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    dc.subscribe(REQUEST_START, this.onRequestStart);
  }

  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    dc.unsubscribe(REQUEST_START, this.onRequestStart);
  }

  /** instrumentation-http's `requestHook` for server spans: links the span to the request's exchange. */
  bindServerSpan(span: Span, request: unknown): void {
    const entry = (request as CapturedRequest)[CAPTURE];
    if (entry && !entry.span) this.bind(entry, span);
  }

  private start(request: CapturedRequest, response: ServerResponse): void {
    if (!this.tracker.settings.captureIncoming) return;
    const route = matchServerRoute(request.method, request.url);
    if (!route) return;
    const { captureContent, maxCaptureBytes } = this.tracker.settings;
    const exchange = new LlmExchange(route, { captureContent, maxCaptureBytes });
    exchange.onRequestHeaders(headerValue(request.headers['content-encoding']));
    const entry: ServerEntry = { exchange, request, bodyComplete: false, headSeen: false, finished: false };
    request[CAPTURE] = entry;
    tapRequest(request, entry);
    this.tapResponse(response, entry);
  }

  private bind(entry: ServerEntry, span: Span): void {
    entry.span = span;
    this.tracker.trackServer(span, entry.exchange);
    const { headers } = entry.request;
    this.tracker.requestContexts.addServedRequest(span.spanContext().traceId, span, {
      headers: contextFromHeaders(headers, this.tracker.settings.attributionHeaders),
      baggage: contextFromBaggage(headers.baggage),
      exchange: entry.exchange,
      bodyComplete: () => entry.bodyComplete,
    });
  }

  private tapResponse(response: ServerResponse, entry: ServerEntry): void {
    const capture = this;
    const original = { writeHead: response.writeHead, write: response.write, end: response.end, emit: response.emit } as Record<string, Method>;
    response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      const headers = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null);
      if (headers && !Array.isArray(headers)) entry.headHeaders = headers as OutgoingHttpHeaders;
      return original.writeHead!.apply(this, args);
    } as ServerResponse['writeHead'];
    response.write = function (this: ServerResponse, chunk: unknown, encoding?: unknown) {
      capture.observeWrite(this, entry, chunk, encoding);
      return original.write!.apply(this, arguments as unknown as unknown[]);
    } as ServerResponse['write'];
    response.end = function (this: ServerResponse, chunk?: unknown, encoding?: unknown) {
      capture.observeWrite(this, entry, typeof chunk === 'function' ? undefined : chunk, encoding);
      return original.end!.apply(this, arguments as unknown as unknown[]);
    } as ServerResponse['end'];
    response.emit = function (this: ServerResponse, event: string | symbol) {
      if (event === 'finish') capture.finish(this, entry, true);
      else if (event === 'close') capture.finish(this, entry, this.writableFinished);
      return original.emit!.apply(this, arguments as unknown as unknown[]);
    } as ServerResponse['emit'];
  }

  private observeWrite(response: ServerResponse, entry: ServerEntry, chunk: unknown, encoding: unknown): void {
    try {
      if (!entry.span) {
        // No requestHook: the handler's context holds the server span (or a span below it).
        const active = trace.getSpan(context.active());
        const server = active && this.tracker.serverSpanOf(active);
        if (server) this.bind(entry, server);
      }
      if (!entry.headSeen) {
        entry.headSeen = true;
        const head = lowerCaseKeys(entry.headHeaders);
        entry.exchange.onResponseHead(response.statusCode, (name) => headerValue(head?.[name] ?? response.getHeader(name)));
      }
      if (chunk === undefined || chunk === null) return;
      if (typeof chunk === 'string') copyWrittenString(entry.exchange, chunk, encoding);
      else copyResponseChunk(entry.exchange, chunk);
    } catch (err) {
      diag.debug(`otel-genai: server response capture error: ${(err as Error).message}`);
    }
  }

  /** Before instrumentation-http's own `'finish'`/`'close'` listener ends the span. */
  private finish(response: ServerResponse, entry: ServerEntry, complete: boolean): void {
    if (entry.finished) return;
    entry.finished = true;
    try {
      if (!entry.headSeen) this.observeWrite(response, entry, undefined, undefined);
      if (!complete) entry.exchange.markInterrupted(CANCELLED);
      if (entry.span) this.tracker.finalize(entry.span, complete ? { complete: true } : { complete: false, transportError: CANCELLED });
    } catch (err) {
      diag.debug(`otel-genai: server capture finish error: ${(err as Error).message}`);
    }
  }
}

/** Request body chunks, copied from `'data'` events whoever consumes them. */
function tapRequest(request: IncomingMessage, entry: ServerEntry): void {
  const emit = request.emit;
  request.emit = function (this: IncomingMessage, event: string | symbol, chunk?: unknown) {
    if (event === 'data') copyRequestChunk(entry.exchange, chunk, undefined);
    else if (event === 'end') entry.bodyComplete = true;
    return emit.apply(this, arguments as unknown as Parameters<IncomingMessage['emit']>);
  } as IncomingMessage['emit'];
}

/** A string the gateway writes (with its encoding) becomes response bytes, as Node would send them. */
function copyWrittenString(exchange: LlmExchange, chunk: string, encoding: unknown): void {
  copyResponseChunk(exchange, Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
}

/** `writeHead` headers (any case) by lower-case name, read once for the several names the exchange asks for. */
function lowerCaseKeys(headers: OutgoingHttpHeaders | undefined): Record<string, unknown> | undefined {
  if (!headers) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(headers)) out[key.toLowerCase()] = headers[key];
  return out;
}

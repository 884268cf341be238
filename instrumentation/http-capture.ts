/**
 * Outgoing `node:http`/`node:https` capture.
 *
 * Request bodies: `ClientRequest.prototype.write`/`end` are wrapped once. At a request's first
 * write/end we decide (and remember on the request) whether it is an LLM call: a method compare for
 * everything else. Node 20 publishes `http.client.request.start` only when the request is flushed,
 * after the body was written, so the diagnostics channel cannot be used for the body.
 *
 * Responses: `http.client.response.finish` fires before the app's `'response'` listener; for LLM
 * calls we wrap that response's `emit` on the instance. The originals always run with the same
 * arguments and their results are returned, so flow mode, backpressure and chunk timing are
 * untouched. Wrapping `emit` (not adding a `'data'` listener) sees every consumption mode and never
 * starts the flow.
 *
 * The span is instrumentation-http's client span, found through the `traceparent` header it injects
 * (in `GenAiSpanProcessor`'s registry, or as the active span when the body is written in the context
 * that created the request).
 */
import * as dc from 'node:diagnostics_channel';
import * as http from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { context, diag, trace, type Span } from '@opentelemetry/api';
import { CANCELLED, LlmExchange } from '../src/exchange';
import { matchRoute } from '../src/routes';
import type { CallTracker } from './call-tracker';
import { copyRequestChunk, copyResponseChunk, errorName, headerValue } from './chunks';

const RESPONSE_FINISH = 'http.client.response.finish';
/** Per-request decision, stored on the request: `null` = not an LLM call. */
const CAPTURE = Symbol('otel-genai.capture');

interface InFlight {
  span: Span;
  exchange: LlmExchange;
}

type CapturedRequest = ClientRequest & { [CAPTURE]?: InFlight | null };
type Write = (this: ClientRequest, ...args: unknown[]) => unknown;

export class HttpClientCapture {
  private enabled = false;
  private originals: { write: Write; end: Write } | undefined;
  private readonly onResponse = (message: unknown) => {
    const { request, response } = message as { request: CapturedRequest; response: IncomingMessage };
    const entry = request[CAPTURE];
    if (entry) this.responseStarted(entry, response);
  };

  constructor(private readonly tracker: CallTracker) {}

  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    const proto = http.ClientRequest.prototype as unknown as { write: Write; end: Write };
    const originals = { write: proto.write, end: proto.end };
    this.originals = originals;
    const capture = this;
    proto.write = function write(this: CapturedRequest, chunk: unknown, encoding?: unknown) {
      const entry = this[CAPTURE] === undefined ? capture.decide(this) : this[CAPTURE];
      if (entry) copyRequestChunk(entry.exchange, chunk, encoding);
      return originals.write.apply(this, arguments as unknown as unknown[]);
    };
    proto.end = function end(this: CapturedRequest, chunk?: unknown, encoding?: unknown) {
      const entry = this[CAPTURE] === undefined ? capture.decide(this) : this[CAPTURE];
      if (entry && typeof chunk !== 'function') copyRequestChunk(entry.exchange, chunk, encoding);
      return originals.end.apply(this, arguments as unknown as unknown[]);
    };
    dc.subscribe(RESPONSE_FINISH, this.onResponse);
  }

  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    if (this.originals) Object.assign(http.ClientRequest.prototype, this.originals);
    this.originals = undefined;
    dc.unsubscribe(RESPONSE_FINISH, this.onResponse);
  }

  /** Is this request an LLM call with a span to annotate? Decided once, at its first write/end. */
  private decide(request: CapturedRequest): InFlight | null {
    // The miss path for most traffic: a method compare, and nothing stored on the request (adding a
    // property to every ClientRequest would cost more than repeating the compare on its next write).
    if (request.method !== 'POST') return null;
    let entry: InFlight | null = null;
    try {
      entry = this.start(request);
    } catch (err) {
      diag.debug(`otel-genai: http capture skipped: ${(err as Error).message}`);
    }
    // POSTs are decided once: matchRoute's string checks do not run again for the same request.
    request[CAPTURE] = entry;
    return entry;
  }

  private start(request: ClientRequest): InFlight | null {
    const port = portOf(request);
    const route = matchRoute({ method: 'POST', host: request.host, path: request.path, port }, this.tracker.settings.routes);
    if (!route) return null;
    const span = this.clientSpanOf(request);
    if (!span) {
      diag.debug(`otel-genai: no HTTP client span for ${route.family} call to ${request.host}; are instrumentation-http and GenAiSpanProcessor installed?`);
      return null;
    }
    const { captureContent, maxCaptureBytes } = this.tracker.settings;
    const exchange = new LlmExchange(route, { captureContent, maxCaptureBytes }, { address: request.host, port });
    this.tracker.track(span, exchange);
    exchange.onRequestHeaders(headerValue(request.getHeader('content-encoding')));
    observeRequestEnd(request, span, this.tracker);
    return { span, exchange };
  }

  /** instrumentation-http's span for this request, identified by the traceparent it injected. */
  private clientSpanOf(request: ClientRequest): Span | undefined {
    const spanId = headerValue(request.getHeader('traceparent'))?.split('-')[2];
    if (!spanId) return undefined;
    const known = this.tracker.clientSpan(spanId);
    if (known) return known;
    const active = trace.getSpan(context.active());
    return active && active.spanContext().spanId === spanId && active.isRecording() ? active : undefined;
  }

  private responseStarted(entry: InFlight, response: IncomingMessage): void {
    try {
      const { span, exchange } = entry;
      exchange.onResponseHead(response.statusCode ?? 0, (name) => headerValue(response.headers[name]));
      tapResponse(response, span, exchange, this.tracker);
    } catch (err) {
      diag.debug(`otel-genai: http response capture skipped: ${(err as Error).message}`);
    }
  }
}

/** Request-side endings: an error, or a close before any response. */
function observeRequestEnd(request: ClientRequest, span: Span, tracker: CallTracker): void {
  const emit = request.emit;
  // `arguments` + apply, not rest/spread: this runs for every event of the request.
  request.emit = function (this: ClientRequest, event: string | symbol, arg?: unknown) {
    if (event === 'error') tracker.finalize(span, { complete: false, transportError: errorName(arg) });
    // Once a response exists its own events end the capture; a close before it means no response.
    else if (event === 'close' && !(this as { res?: unknown }).res) tracker.finalize(span, { complete: false, transportError: 'connection_closed' });
    return emit.apply(this, arguments as unknown as Parameters<ClientRequest['emit']>);
  } as ClientRequest['emit'];
}

function tapResponse(response: IncomingMessage, span: Span, exchange: LlmExchange, tracker: CallTracker): void {
  // The app destroying the response without an error is a cancellation; Node then reports the
  // incomplete response as 'aborted', exactly as for a connection the server cut.
  const destroy = response.destroy;
  response.destroy = function (this: IncomingMessage, error?: Error) {
    if (error === undefined && !this.complete) exchange.markInterrupted(CANCELLED);
    return destroy.apply(this, arguments as unknown as [Error?]);
  } as IncomingMessage['destroy'];
  const emit = response.emit;
  response.emit = function (this: IncomingMessage, event: string | symbol, arg?: unknown) {
    switch (event) {
      case 'data':
        copyResponseChunk(exchange, arg);
        break;
      case 'end':
        tracker.finalize(span, { complete: true });
        break;
      case 'error':
        tracker.finalize(span, { complete: false, transportError: errorName(arg) });
        break;
      case 'aborted':
        // The connection died mid-response (Node emits this before the ECONNRESET error).
        tracker.finalize(span, { complete: false, transportError: 'ECONNRESET' });
        break;
      case 'close':
        // A close without end or error: the app destroyed the response, i.e. cancelled the call.
        tracker.finalize(span, this.complete ? { complete: true } : { complete: false, transportError: CANCELLED });
        break;
    }
    return emit.apply(this, arguments as unknown as Parameters<IncomingMessage['emit']>);
  } as IncomingMessage['emit'];
}

function portOf(request: ClientRequest): number {
  const host = headerValue(request.getHeader('host'));
  if (host) {
    const m = /:(\d+)$/.exec(host);
    if (m) return Number(m[1]);
  }
  return request.protocol === 'https:' ? 443 : 80;
}

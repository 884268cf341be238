/**
 * Outgoing `node:http2` capture, with a CLIENT span of our own.
 *
 * No OpenTelemetry HTTP instrumentation traces node:http2 (the current AWS SDK's default transport,
 * `NodeHttp2Handler`), so for LLM calls over HTTP/2 there is no HTTP span to annotate: we start the
 * client span ourselves (stable HTTP client semconv attributes), in the context active when the app
 * calls `session.request()`, and end it when the exchange ends.
 *
 * `http2.connect` is wrapped on the module object (ESM named exports re-synced); each session it
 * returns gets its `request` wrapped on the instance. Non-LLM requests cost a method compare (and
 * `matchRoute`'s string checks for POSTs) and go straight to the original. For an LLM call, the
 * stream's own `write`/`end` (request body), `emit` (response head, data, end, errors, close) and
 * `close`/`destroy` (app cancellation) are wrapped on the instance: the originals always run with
 * the same arguments and their results are returned, and no listener is added, so the app sees the
 * same bytes, events and timing.
 */
import type * as Http2 from 'node:http2';
import { context, diag, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { CANCELLED, LlmExchange, type ExchangeOutcome } from '../src/exchange';
import { matchRoute } from '../src/routes';
import { redactUrl } from '../src/secrets';
import type { CallTracker } from './call-tracker';
import { copyRequestChunk, copyResponseChunk, errorName, headerValue } from './chunks';

// `require`, not `import`: we patch the shared module object, which ESM-style interop would copy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const http2 = require('node:http2') as typeof Http2;

type Connect = (...args: unknown[]) => Http2.ClientHttp2Session;
type Request = (this: Http2.ClientHttp2Session, ...args: unknown[]) => Http2.ClientHttp2Stream;
type Headers = Record<string, unknown>;

/** The connect() authority of a session: used when a request has no `:authority`. */
interface Origin {
  scheme: string;
  /** host[:port], as on the wire. */
  authority: string;
}

/** RST_STREAM error codes (RFC 9113 §7), for a stream closed without an 'error' event. */
const RST_NAMES = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
];

export class Http2ClientCapture {
  private enabled = false;
  private original: Connect | undefined;
  private wrapper: Connect | undefined;

  constructor(
    private readonly tracker: CallTracker,
    private readonly getTracer: () => Tracer,
  ) {}

  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    // A wrapper left in place by an earlier disable() (someone wrapped on top of it) comes back to life.
    if (this.wrapper && http2.connect === (this.wrapper as unknown)) return;
    const original = http2.connect as unknown as Connect;
    const capture = this;
    const wrapper: Connect = function connect(this: unknown, authority: unknown) {
      const session = original.apply(this, arguments as unknown as unknown[]);
      if (capture.enabled) capture.wrapSession(session, authority);
      return session;
    };
    this.original = original;
    this.wrapper = wrapper;
    (http2 as { connect: unknown }).connect = wrapper;
    syncEsm();
  }

  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    // Restore only if nobody wrapped on top of us; otherwise our wrapper stays, inert.
    if (this.original && http2.connect === (this.wrapper as unknown)) {
      (http2 as { connect: unknown }).connect = this.original;
      this.original = undefined;
      this.wrapper = undefined;
      syncEsm();
    }
  }

  private wrapSession(session: Http2.ClientHttp2Session, authority: unknown): void {
    try {
      if (!session || typeof session.request !== 'function') return;
      const origin = originOf(authority);
      const request = session.request as unknown as Request;
      const capture = this;
      session.request = function (this: Http2.ClientHttp2Session, headers?: unknown) {
        if (!capture.enabled || !headers || typeof headers !== 'object' || Array.isArray(headers)) return request.apply(this, arguments as unknown as unknown[]);
        const method = (headers as Headers)[':method'];
        // The miss path for non-LLM traffic: a method compare (HTTP/2 defaults to GET).
        if (method !== 'POST' && !(typeof method === 'string' && method.toUpperCase() === 'POST')) return request.apply(this, arguments as unknown as unknown[]);
        return capture.request(this, request, headers as Headers, arguments as unknown as unknown[], origin);
      } as unknown as Http2.ClientHttp2Session['request'];
    } catch (err) {
      diag.debug(`otel-genai: http2 session capture skipped: ${(err as Error).message}`);
    }
  }

  /** A POST: an LLM call gets a span and an exchange; anything else goes through untouched. */
  private request(session: Http2.ClientHttp2Session, request: Request, headers: Headers, args: unknown[], origin: Origin | undefined): Http2.ClientHttp2Stream {
    let call: Call | undefined;
    try {
      call = this.start(headers, origin);
      if (call?.headers) {
        args = Array.prototype.slice.call(args);
        args[0] = call.headers;
      }
    } catch (err) {
      diag.debug(`otel-genai: http2 capture skipped: ${(err as Error).message}`);
      call = undefined;
    }
    if (!call) return request.apply(session, args);
    let stream: Http2.ClientHttp2Stream;
    try {
      stream = request.apply(session, args);
    } catch (err) {
      // e.g. ERR_HTTP2_INVALID_SESSION: the app gets the same exception; the span ends with it.
      call.fail(errorName(err));
      throw err;
    }
    call.observe(stream);
    return stream;
  }

  private start(headers: Headers, origin: Origin | undefined): Call | undefined {
    const path = stringHeader(headers[':path']) ?? '/';
    const authority = stringHeader(headers[':authority']) ?? origin?.authority;
    if (authority === undefined) return undefined;
    const scheme = stringHeader(headers[':scheme']) ?? origin?.scheme ?? 'https';
    const { host, port } = splitAuthority(authority, scheme);
    const route = matchRoute({ method: 'POST', host, port, path }, this.tracker.settings.routes);
    if (!route) return undefined;

    const parent = context.active();
    const span = this.getTracer().startSpan(
      'POST',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': 'POST',
          'server.address': host,
          'server.port': port,
          'url.full': redactUrl(`${scheme}://${authority}${path}`),
          'network.protocol.name': 'http',
          'network.protocol.version': '2',
        },
      },
      parent,
    );
    const outgoing = withTraceContext(headers, trace.setSpan(parent, span));
    if (!span.isRecording()) {
      // Sampled out: propagate the decision, capture nothing.
      span.end();
      return outgoing ? new Call(undefined, span, undefined, outgoing) : undefined;
    }
    const { captureContent, maxCaptureBytes } = this.tracker.settings;
    const exchange = new LlmExchange(route, { captureContent, maxCaptureBytes }, { address: host, port });
    exchange.onRequestHeaders(stringHeader(headers['content-encoding']));
    this.tracker.track(span, exchange);
    return new Call(this.tracker, span, exchange, outgoing);
  }
}

/** One captured HTTP/2 LLM call: its span, exchange, and the stream observers. */
class Call {
  private ended = false;
  private responseEnded = false;
  private status: number | undefined;

  constructor(
    private readonly tracker: CallTracker | undefined,
    private readonly span: Span,
    private readonly exchange: LlmExchange | undefined,
    /** Headers with the trace context, when we injected it (a copy: the app's object is untouched). */
    readonly headers: Headers | undefined,
  ) {
    // Without an exchange (span sampled out and already ended) there is nothing to finish.
    this.ended = exchange === undefined;
  }

  observe(stream: Http2.ClientHttp2Stream): void {
    const exchange = this.exchange;
    if (!exchange || !stream) return;
    const call = this;
    try {
      const write = stream.write;
      stream.write = function (this: Http2.ClientHttp2Stream, chunk: unknown, encoding?: unknown) {
        copyRequestChunk(exchange, chunk, encoding);
        return write.apply(this, arguments as unknown as Parameters<Http2.ClientHttp2Stream['write']>);
      } as Http2.ClientHttp2Stream['write'];
      const end = stream.end;
      stream.end = function (this: Http2.ClientHttp2Stream, chunk?: unknown, encoding?: unknown) {
        if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') copyRequestChunk(exchange, chunk, encoding);
        return end.apply(this, arguments as unknown as Parameters<Http2.ClientHttp2Stream['end']>);
      } as Http2.ClientHttp2Stream['end'];

      // The app giving up on the stream (close, or destroy without an error) before the response ended.
      // Node calls both itself too (after a stream closes, or when its socket or session goes): those
      // happen on a closed stream or a dead session, and are not cancellations.
      const close = stream.close;
      stream.close = function (this: Http2.ClientHttp2Stream) {
        if (!call.responseEnded && appCall(this)) exchange.markInterrupted(CANCELLED);
        return close.apply(this, arguments as unknown as Parameters<Http2.ClientHttp2Stream['close']>);
      } as Http2.ClientHttp2Stream['close'];
      const destroy = stream.destroy;
      stream.destroy = function (this: Http2.ClientHttp2Stream, error?: Error) {
        if (error == null && !call.responseEnded && appCall(this)) exchange.markInterrupted(CANCELLED);
        return destroy.apply(this, arguments as unknown as [Error?]);
      } as Http2.ClientHttp2Stream['destroy'];

      const emit = stream.emit;
      // `arguments` + apply, not rest/spread: this runs for every event of the stream.
      stream.emit = function (this: Http2.ClientHttp2Stream, event: string | symbol, arg?: unknown) {
        switch (event) {
          case 'response':
            call.onResponse(arg);
            break;
          case 'data':
            copyResponseChunk(exchange, arg);
            break;
          case 'end':
            call.responseEnded = true;
            // Node also ends the readable side of a stream destroyed mid-response (its session gone,
            // or the app's destroy()): only an 'end' on a live stream is the whole body.
            call.finish(this.destroyed ? { complete: false, transportError: streamError(this) } : { complete: true });
            break;
          case 'error':
            call.finish({ complete: false, transportError: errorName(arg) }, true);
            break;
          case 'close':
            if (!call.ended) call.finish({ complete: false, transportError: streamError(this) });
            break;
        }
        return emit.apply(this, arguments as unknown as Parameters<Http2.ClientHttp2Stream['emit']>);
      } as Http2.ClientHttp2Stream['emit'];
    } catch (err) {
      diag.debug(`otel-genai: http2 stream capture skipped: ${(err as Error).message}`);
    }
  }

  /** `session.request()` threw: end the span with that error. */
  fail(errorType: string): void {
    this.finish({ complete: false, transportError: errorType }, true);
  }

  private onResponse(headers: unknown): void {
    try {
      if (this.ended || !this.exchange || !headers || typeof headers !== 'object') return;
      const h = headers as Headers;
      const status = Number(h[':status']) || 0;
      this.status = status;
      this.exchange.onResponseHead(status, (name) => headerValue(h[name]));
      this.span.setAttribute('http.response.status_code', status);
      // HTTP client spans: 4xx and 5xx are errors. A provider code, if any, replaces this at finalize.
      if (status >= 400) this.span.setAttribute('error.type', String(status));
    } catch (err) {
      diag.debug(`otel-genai: http2 response capture skipped: ${(err as Error).message}`);
    }
  }

  /** Finalises the exchange (annotating the span), then ends the span, once. */
  private finish(outcome: ExchangeOutcome, failed = false): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.tracker?.finalize(this.span, outcome);
      if (failed || (this.status !== undefined && this.status >= 400)) {
        this.span.setStatus({ code: SpanStatusCode.ERROR, ...(failed && outcome.transportError ? { message: outcome.transportError } : {}) });
      }
    } catch (err) {
      diag.debug(`otel-genai: http2 span finish failed: ${(err as Error).message}`);
    }
    try {
      this.span.end();
    } catch (err) {
      diag.debug(`otel-genai: http2 span end failed: ${(err as Error).message}`);
    }
  }
}

/**
 * A copy of `headers` with the trace context of `ctx`, or undefined when the app set its own
 * `traceparent` (we then leave its headers as they are) or no propagator injects anything.
 */
function withTraceContext(headers: Headers, ctx: ReturnType<typeof context.active>): Headers | undefined {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === 'traceparent') return undefined;
  const copy: Headers = { ...headers };
  const before = Object.keys(copy).length;
  propagation.inject(ctx, copy);
  return Object.keys(copy).length > before ? copy : undefined;
}

function originOf(authority: unknown): Origin | undefined {
  try {
    const url = authority instanceof URL ? authority : new URL(String(authority));
    return { scheme: url.protocol.replace(/:$/, ''), authority: url.host };
  } catch {
    return undefined;
  }
}

function splitAuthority(authority: string, scheme: string): { host: string; port: number } {
  const at = authority.lastIndexOf('@');
  const hostPort = at === -1 ? authority : authority.slice(at + 1);
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostPort);
  const host = (m?.[1] ?? hostPort).replace(/^\[|\]$/g, '');
  const port = m?.[2] !== undefined ? Number(m[2]) : scheme === 'http' ? 80 : 443;
  return { host, port };
}

/** A close()/destroy() on a live stream of a live session: the app's doing, not Node's clean-up. */
function appCall(stream: Http2.ClientHttp2Stream): boolean {
  try {
    if (stream.closed || stream.destroyed) return false;
    const session = stream.session;
    return session !== undefined && !session.destroyed && !session.closed && session.socket?.destroyed !== true;
  } catch {
    return false;
  }
}

/**
 * Why a stream ended early without an 'error' event: its RST_STREAM code (`NGHTTP2_REFUSED_STREAM`),
 * or `connection_closed` for none, NO_ERROR, or the CANCEL Node uses when the session went away.
 */
function streamError(stream: Http2.ClientHttp2Stream): string {
  const code = stream.rstCode;
  if (!code || (code === 8 && (!stream.session || stream.session.destroyed))) return 'connection_closed';
  return `NGHTTP2_${RST_NAMES[code] ?? code}`;
}

function syncEsm(): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('node:module') as { syncBuiltinESMExports(): void }).syncBuiltinESMExports();
  } catch (err) {
    diag.debug(`otel-genai: syncBuiltinESMExports failed: ${(err as Error).message}`);
  }
}

function stringHeader(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}


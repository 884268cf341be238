/**
 * Outgoing global `fetch` (undici) capture.
 *
 * On Node 20/22 no diagnostics channel carries fetch body bytes, and reading `request.body` would
 * steal it. So we wrap `dispatch(opts, handler)` of undici's global dispatcher (the object Node's
 * fetch uses) and observe the handler undici calls back: its request-body, response-head and
 * response-data callbacks are wrapped on that handler object (undici's own, made per request), each
 * forwarding unchanged to the original. Request bytes come through `onBodySent`, which undici (5–7)
 * calls with every body chunk it writes to the socket, whatever the body's type; the body itself and
 * the dispatch options are passed on untouched. Nothing is buffered beyond the exchange's cap, and
 * nothing is read that the app did not read.
 *
 * The span is instrumentation-undici's, started when undici creates its request: usually inside our
 * `dispatch` call, where the tracker takes the next undici span that starts (`expectFetchSpan`). A
 * dispatcher that queues requests creates them later; then we find the span through the
 * `traceparent` header instrumentation-undici injects, in the span registry the `GenAiSpanProcessor`
 * keeps, trying at request creation, response headers and request error, so the order in which the
 * two channel subscribers run does not matter. Per-request dispatchers (`fetch(url, { dispatcher })`, proxy
 * agents) and a replaced global dispatcher (`setGlobalDispatcher`) bypass this capture.
 */
import * as dc from 'node:diagnostics_channel';
import { diag, type Span } from '@opentelemetry/api';
import { CANCELLED, LlmExchange } from '../src/exchange';
import { matchRoute } from '../src/routes';
import type { CallTracker } from './call-tracker';
import { copyRequestChunk } from './chunks';

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
const PATCHED = Symbol.for('otel-genai-braintrust.dispatch-patched');

type Dispatch = (this: unknown, opts: DispatchOptions, handler: object) => unknown;

interface DispatchOptions {
  origin?: string | URL;
  path?: string;
  method?: string;
  body?: unknown;
  headers?: unknown;
}

interface Dispatcher {
  dispatch: Dispatch;
  [PATCHED]?: Dispatch;
}

/** What undici's diagnostics channels pass as `request`. */
interface UndiciRequest {
  body?: unknown;
  headers?: unknown;
}

export class FetchCapture {
  /** Exchange by the request body we handed undici (the same object appears in channel messages). */
  private readonly byBody = new WeakMap<object, LlmExchange>();
  private dispatcher: Dispatcher | undefined;
  private enabled = false;
  private readonly bindOnChannel = (message: unknown) => {
    // A throw in a diagnostics-channel subscriber is re-thrown asynchronously: it would crash the app.
    try {
      this.bind((message as { request: UndiciRequest }).request);
    } catch (err) {
      diag.debug(`otel-genai: fetch span binding failed: ${(err as Error).message}`);
    }
  };

  constructor(private readonly tracker: CallTracker) {}

  enable(): void {
    if (this.enabled) return;
    const dispatcher = globalDispatcher();
    if (!dispatcher) {
      diag.debug('otel-genai: no global fetch dispatcher; fetch calls will not be captured');
      return;
    }
    this.enabled = true;
    this.dispatcher = dispatcher;
    if (!dispatcher[PATCHED]) {
      const original = dispatcher.dispatch;
      dispatcher[PATCHED] = original;
      const capture = this;
      dispatcher.dispatch = function patchedDispatch(this: unknown, opts: DispatchOptions, handler: object) {
        return capture.dispatch(original, this, opts, handler);
      };
    }
    for (const channel of ['undici:request:create', 'undici:request:headers', 'undici:request:error']) dc.subscribe(channel, this.bindOnChannel);
  }

  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    const dispatcher = this.dispatcher;
    const original = dispatcher?.[PATCHED];
    if (dispatcher && original) {
      dispatcher.dispatch = original;
      delete dispatcher[PATCHED];
    }
    for (const channel of ['undici:request:create', 'undici:request:headers', 'undici:request:error']) dc.unsubscribe(channel, this.bindOnChannel);
  }

  private dispatch(original: Dispatch, self: unknown, opts: DispatchOptions, handler: object): unknown {
    let exchange: LlmExchange | undefined;
    try {
      exchange = this.startExchange(opts);
      if (exchange) observeHandler(handler as Handler, exchange);
    } catch (err) {
      diag.debug(`otel-genai: fetch capture skipped: ${(err as Error).message}`);
    }
    if (!exchange) {
      // Not an LLM call. Dispatched from inside an LLM call's dispatch (rare): no span started here may
      // be taken for that call's; otherwise (every other request) nothing to set aside.
      const waiting = this.tracker.expectFetchSpan(undefined);
      if (waiting === undefined) return original.call(self, opts, handler);
      try {
        return original.call(self, opts, handler);
      } finally {
        this.tracker.expectFetchSpan(waiting);
      }
    }
    // undici usually creates its request, and instrumentation-undici its span, inside this call: the
    // tracker binds that span as it starts. A dispatcher that queues the request creates it later;
    // then the channels bind it, through the body object their messages carry.
    this.tracker.expectFetchSpan(exchange);
    try {
      return original.call(self, opts, handler);
    } finally {
      try {
        if (this.tracker.expectFetchSpan(undefined) === exchange && typeof opts.body === 'object' && opts.body !== null) this.byBody.set(opts.body, exchange);
      } catch (err) {
        diag.debug(`otel-genai: fetch span binding skipped: ${(err as Error).message}`);
      }
    }
  }

  private startExchange(opts: DispatchOptions): LlmExchange | undefined {
    if (opts.method !== 'POST' || opts.origin === undefined || typeof opts.path !== 'string') return undefined;
    const { host, port } = hostAndPort(opts.origin);
    const route = matchRoute({ method: 'POST', host, port, path: opts.path }, this.tracker.settings.routes);
    if (!route) return undefined;
    if (!this.tracker.processorAttached) {
      diag.debug('otel-genai: fetch calls need GenAiSpanProcessor in the tracer provider to find their spans');
    }
    const { captureContent, maxCaptureBytes } = this.tracker.settings;
    const exchange = new LlmExchange(route, { captureContent, maxCaptureBytes }, { address: host, port });
    exchange.onRequestHeaders(headerFrom(opts.headers, 'content-encoding'));
    return exchange;
  }

  /** Links an exchange to instrumentation-undici's span, via the traceparent header it injected. */
  private bind(request: UndiciRequest): void {
    const body = request?.body;
    if (typeof body !== 'object' || body === null) return;
    const exchange = this.byBody.get(body);
    if (!exchange) return;
    // Several traceparents can be present: SDKs that trace themselves (e.g. @anthropic-ai/sdk) add
    // their own before instrumentation-undici adds the HTTP span's.
    let span: Span | undefined;
    for (const traceparent of headerValues(request.headers, 'traceparent')) {
      span = this.tracker.clientSpan(traceparent.split('-')[2] ?? '');
      if (span) break;
    }
    if (!span) return; // not yet: the next channel event retries
    this.byBody.delete(body);
    this.tracker.track(span, exchange);
  }
}

/** Parsed origins: an app calls the same few providers, and `new URL()` per request is not free. */
const origins = new Map<string, { host: string; port: number }>();
const MAX_ORIGINS = 256;

function hostAndPort(origin: string | URL): { host: string; port: number } {
  if (typeof origin === 'string') {
    const known = origins.get(origin);
    if (known) return known;
    if (origins.size >= MAX_ORIGINS) origins.clear();
    const parsed = hostAndPort(new URL(origin));
    origins.set(origin, parsed);
    return parsed;
  }
  return { host: origin.hostname, port: origin.port ? Number(origin.port) : origin.protocol === 'https:' ? 443 : 80 };
}

/** The global dispatcher Node's fetch uses, created on demand (a `data:` fetch instantiates it synchronously). */
function globalDispatcher(): Dispatcher | undefined {
  const holder = globalThis as unknown as Record<symbol, Dispatcher | undefined>;
  if (!holder[GLOBAL_DISPATCHER] && typeof globalThis.fetch === 'function') {
    globalThis.fetch('data:,').then(
      (r) => r.arrayBuffer(),
      () => undefined,
    );
  }
  const dispatcher = holder[GLOBAL_DISPATCHER];
  return dispatcher && typeof dispatcher.dispatch === 'function' ? dispatcher : undefined;
}

type Handler = Record<string, unknown>;
type Callback = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Wraps, on undici's handler object itself, the callbacks that carry what we observe; each observer
 * runs before the original, never throws, and the original gets the same arguments and `this`. Covers
 * undici's legacy handler API (onConnect/onHeaders/onData, undici 5–7: what fetch uses on Node 20–24)
 * and the newer one (onRequestStart/onResponseStart/onResponseData; undici 7 does not pass
 * `onBodySent` on to such a handler, so its request body is not seen). Own properties on a
 * per-request object, not a Proxy: undici reads `handler.onData` once per chunk, and a Proxy trap on
 * every read costs more than the observation itself.
 */
function observeHandler(handler: Handler, exchange: LlmExchange): void {
  // fetch cancels (app abort, body cancelled) through the abort function or controller undici hands
  // the handler; wrapping it tells us before undici ends the span (as a non-error, per HTTP semconv).
  wrapCallback(handler, 'onConnect', (abort) => (typeof abort === 'function' ? markingCancel(abort as Callback, exchange) : undefined), 'replaces first');
  wrapCallback(handler, 'onRequestStart', (controller) => {
    const c = controller as { abort?: unknown } | undefined;
    if (c && typeof c.abort === 'function') c.abort = markingCancel(c.abort as Callback, exchange);
  });
  wrapCallback(handler, 'onBodySent', (chunk) => copyRequestChunk(exchange, chunk, undefined), 'added if missing');
  wrapCallback(handler, 'onHeaders', (status, rawHeaders) => exchange.onResponseHead(Number(status), rawHeaderLookup(rawHeaders)));
  wrapCallback(handler, 'onResponseStart', (_controller, status, headers) => exchange.onResponseHead(Number(status), objectHeaderLookup(headers)));
  wrapCallback(handler, 'onData', (chunk) => exchange.onResponseData(chunk as Uint8Array));
  wrapCallback(handler, 'onResponseData', (_controller, chunk) => exchange.onResponseData(chunk as Uint8Array));
}

/** Sees a callback's first three arguments. */
type Observer = (a: unknown, b: unknown, c: unknown) => unknown;

/**
 * Replaces `handler[name]` (if it is a method) with one that calls `observe` first. `added if
 * missing`: also when the handler has no such method. `replaces first`: what `observe` returns, if
 * defined, is passed to the original instead of the first argument (a wrapped abort function).
 */
function wrapCallback(handler: Handler, name: string, observe: Observer, mode?: 'added if missing' | 'replaces first'): void {
  const original = handler[name];
  if (typeof original !== 'function' && !(mode === 'added if missing' && original === undefined)) return;
  const replacesFirst = mode === 'replaces first';
  handler[name] = function (this: unknown) {
    let first: unknown;
    try {
      // `arguments` read by index and forwarded by `apply` only: V8 makes no object of it per call.
      const returned = observe(arguments[0], arguments[1], arguments[2]);
      if (replacesFirst) first = returned;
    } catch (err) {
      diag.debug(`otel-genai: fetch capture failed in ${name}: ${(err as Error).message}`);
    }
    if (typeof original !== 'function') return undefined;
    if (first === undefined) return (original as Callback).apply(this, arguments as unknown as unknown[]);
    const args = Array.prototype.slice.call(arguments) as unknown[];
    args[0] = first;
    return (original as Callback).apply(this, args);
  };
}

function markingCancel(abort: Callback, exchange: LlmExchange): Callback {
  return function (this: unknown, ...reason: unknown[]) {
    exchange.markInterrupted(CANCELLED);
    return abort.apply(this, reason);
  };
}

/**
 * undici's raw response headers: a flat array [name, value, name, value, ...] of Buffers or strings.
 * Read in one pass on the first lookup (the exchange asks for several names), into a lower-case map.
 */
function rawHeaderLookup(raw: unknown): (name: string) => string | undefined {
  let byName: Map<string, string> | undefined;
  return (name) => {
    if (!byName) {
      byName = new Map();
      const list = Array.isArray(raw) ? raw : [];
      for (let i = 0; i + 1 < list.length; i += 2) {
        const key = String(list[i]).toLowerCase();
        const value = String(list[i + 1]);
        const earlier = byName.get(key);
        byName.set(key, earlier === undefined ? value : `${earlier}, ${value}`);
      }
    }
    return byName.get(name);
  };
}

function objectHeaderLookup(headers: unknown): (name: string) => string | undefined {
  return (name) => {
    if (typeof headers !== 'object' || headers === null) return undefined;
    const value = (headers as Record<string, unknown>)[name];
    return Array.isArray(value) ? value.join(', ') : value === undefined ? undefined : String(value);
  };
}

/** A header from undici request headers: a flat array, an object, or (undici 5) a raw string. */
function headerFrom(headers: unknown, name: string): string | undefined {
  return headerValues(headers, name)[0];
}

/** Every value of a header in undici request headers. */
function headerValues(headers: unknown, name: string): string[] {
  const values: string[] = [];
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const key = typeof headers[i] === 'string' ? (headers[i] as string) : String(headers[i]);
      if (key.length === name.length && key.toLowerCase() === name) values.push(String(headers[i + 1]));
    }
  } else if (typeof headers === 'string') {
    // undici 6 keeps request headers as one `name: value\r\n` string: find the name at line starts.
    // Lower-casing the whole string is only needed when some header name is not already lower case.
    const lower = isLowerCaseNames(headers) ? headers : headers.toLowerCase();
    const needle = `${name}:`;
    for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + needle.length)) {
      if (at > 0 && headers.charCodeAt(at - 1) !== 10 /* \n */) continue;
      const end = headers.indexOf('\r\n', at);
      values.push(headers.slice(at + needle.length, end === -1 ? undefined : end).trim());
    }
  } else if (typeof headers === 'object' && headers !== null) {
    for (const key in headers) {
      if (key.length !== name.length || key.toLowerCase() !== name || !Object.hasOwn(headers, key)) continue;
      const value = (headers as Record<string, unknown>)[key];
      if (Array.isArray(value)) values.push(...value.map(String));
      else values.push(String(value));
    }
  }
  return values;
}

/** Whether every header name in an undici `name: value\r\n` string is lower case (as undici and OTel write them). */
function isLowerCaseNames(headers: string): boolean {
  for (let line = 0; line < headers.length; ) {
    const colon = headers.indexOf(':', line);
    if (colon === -1) return true;
    for (let i = line; i < colon; i++) {
      const c = headers.charCodeAt(i);
      if (c >= 65 && c <= 90) return false;
    }
    const next = headers.indexOf('\r\n', colon);
    if (next === -1) return true;
    line = next + 2;
  }
  return true;
}

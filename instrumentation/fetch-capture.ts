/**
 * Outgoing global `fetch` (undici) capture.
 *
 * On Node 20/22 no diagnostics channel carries fetch body bytes, and reading `request.body` would
 * steal it. So we wrap `dispatch(opts, handler)` of undici's global dispatcher (the object Node's
 * fetch uses): request bodies pass through a copying async generator, and the handler is replaced by a
 * Proxy that forwards every call to the original (with `this` bound to it: undici handlers are
 * stateful) and observes response head, data and end. Nothing is buffered beyond the exchange's cap,
 * and nothing is read that the app did not read.
 *
 * The span is instrumentation-undici's. It is not made active, so we find it through the
 * `traceparent` header it injects, in the span registry the `GenAiSpanProcessor` keeps; binding is
 * tried at request creation, response headers and request error, so the order in which the two
 * subscribers run does not matter. Per-request dispatchers (`fetch(url, { dispatcher })`, proxy
 * agents) and a replaced global dispatcher (`setGlobalDispatcher`) bypass this capture.
 */
import * as dc from 'node:diagnostics_channel';
import { diag, type Span } from '@opentelemetry/api';
import { CANCELLED, LlmExchange } from '../src/exchange';
import { matchRoute } from '../src/routes';
import type { CallTracker } from './call-tracker';

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
    } catch (err) {
      diag.debug(`otel-genai: fetch capture skipped: ${(err as Error).message}`);
    }
    if (!exchange) return original.call(self, opts, handler);
    let body = opts.body;
    if (isAsyncIterable(body)) {
      body = copyingIterable(body, exchange);
      this.byBody.set(body as object, exchange);
    } else if (typeof body === 'string') {
      exchange.onRequestData(Buffer.from(body, 'utf8'));
    } else if (body instanceof Uint8Array) {
      exchange.onRequestData(body);
    }
    return original.call(self, { ...opts, body }, observingHandler(handler, exchange));
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

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** Yields exactly what the source yields, copying each chunk into the exchange on the way. */
async function* copyingIterable(source: AsyncIterable<unknown>, exchange: LlmExchange): AsyncGenerator<unknown> {
  for await (const chunk of source) {
    try {
      if (chunk instanceof Uint8Array) exchange.onRequestData(chunk);
      else if (typeof chunk === 'string') exchange.onRequestData(Buffer.from(chunk, 'utf8'));
    } catch (err) {
      diag.debug(`otel-genai: fetch body copy failed: ${(err as Error).message}`);
    }
    yield chunk;
  }
}

/**
 * A Proxy that forwards every handler call unchanged and observes the response. Covers undici's
 * legacy handler API (onHeaders/onData/onComplete/onError, undici 6 = Node 20/22) and the newer one
 * (onResponseStart/onResponseData/onResponseEnd/onResponseError, undici 7 = Node 24).
 */
function observingHandler(handler: object, exchange: LlmExchange): object {
  const observers: Record<string, (args: unknown[]) => void> = {
    // fetch cancels (app abort, body cancelled) through the abort function or controller undici hands
    // the handler; wrapping it tells us before undici ends the span (as a non-error, per HTTP semconv).
    onConnect: (args) => {
      const abort = args[0];
      if (typeof abort === 'function') {
        args[0] = function (this: unknown, ...reason: unknown[]) {
          exchange.markInterrupted(CANCELLED);
          return (abort as (...a: unknown[]) => unknown).apply(this, reason);
        };
      }
    },
    onRequestStart: ([controller]) => {
      const c = controller as { abort?: (...a: unknown[]) => unknown } | undefined;
      const abort = c?.abort;
      if (c && typeof abort === 'function') {
        c.abort = function (this: unknown, ...reason: unknown[]) {
          exchange.markInterrupted(CANCELLED);
          return abort.apply(this, reason);
        };
      }
    },
    onHeaders: ([status, rawHeaders]) => exchange.onResponseHead(Number(status), rawHeaderLookup(rawHeaders)),
    onResponseStart: ([, status, headers]) => exchange.onResponseHead(Number(status), objectHeaderLookup(headers)),
    onData: ([chunk]) => exchange.onResponseData(chunk as Uint8Array),
    onResponseData: ([, chunk]) => exchange.onResponseData(chunk as Uint8Array),
  };
  // One forwarding function per method, made on first access: undici reads `onData` once per chunk.
  const forwarders = new Map<PropertyKey, { method: Function; forward: Function }>();
  return new Proxy(handler, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const known = forwarders.get(prop);
      if (known && known.method === value) return known.forward;
      const observer = typeof prop === 'string' ? observers[prop] : undefined;
      const forward = function (this: unknown, ...args: unknown[]) {
        if (observer) {
          try {
            observer(args);
          } catch (err) {
            diag.debug(`otel-genai: fetch response capture failed: ${(err as Error).message}`);
          }
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
      forwarders.set(prop, { method: value, forward });
      return forward;
    },
  });
}

/** undici 6 raw headers: a flat array [name, value, name, value, ...] of Buffers or strings. */
function rawHeaderLookup(raw: unknown): (name: string) => string | undefined {
  return (name) => headerFrom(Array.isArray(raw) ? raw : [], name);
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
    const lower = headers.toLowerCase();
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

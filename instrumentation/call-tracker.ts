/**
 * Links spans to the LLM exchanges observed under them, and finalises each exchange exactly once:
 * parse what was seen, then annotate the span before it ends.
 *
 * Finalisation is triggered by whichever comes first: the capture seeing the exchange end (response
 * `end`, errors, `close`), or the span itself ending (`GenAiSpanProcessor.onEnding`), so a span never
 * ends without the attributes of what was seen, whatever path ended it.
 */
import { diag, SpanStatusCode, type Span } from '@opentelemetry/api';
import { spanNameFor, writeCallAttributes, type AnnotateOptions, type SpanAttributes } from '../src/annotate';
import { contextAttributes, userIdHasher, type LlmContext } from '../src/attribution';
import { resolveConfig, type GenAiConfig } from '../src/config';
import { CANCELLED, type ExchangeOutcome, type LlmExchange } from '../src/exchange';
import { costEstimatorFor } from '../src/pricing/cost';
import { redactQuery, redactUrl } from '../src/secrets';
import { ATTR } from '../src/semconv';
import { RequestContexts } from './request-contexts';

/** Instrumentation scopes whose spans already describe an LLM call with GenAI attributes. */
const GENAI_SCOPES = ['com.anthropic.sdk', '@opentelemetry/instrumentation-openai', '@traceloop/', '@arizeai/', 'ai'];

/** The parts of an SDK span we read. Both OTel JS 2.x and 3.x spans have them. */
interface SdkSpanView {
  kind?: number;
  attributes?: Record<string, unknown>;
  instrumentationScope?: { name?: string };
  status?: { code: SpanStatusCode; message?: string };
  events?: Array<{ name: string; attributes?: Record<string, unknown> }>;
}

/** Scopes of the HTTP client spans we annotate. */
const CLIENT_SCOPES = new Set(['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-undici']);
const SPAN_KIND_SERVER = 1;
const SPAN_KIND_CLIENT = 2;
const HTTP_SCOPE = '@opentelemetry/instrumentation-http';
const UNDICI_SCOPE = '@opentelemetry/instrumentation-undici';

export class CallTracker {
  private readonly calls = new WeakMap<Span, LlmExchange>();
  /**
   * Spans below a span that already describes the LLM call (e.g. the Anthropic SDK's own span), with
   * that span: it reports the usage; we give it the messages it does not record.
   */
  private readonly insideGenAiCall = new WeakMap<Span, Span>();
  /**
   * Live HTTP client spans by span id. Captures find their span through the `traceparent` header the
   * HTTP instrumentations inject: neither makes its span active where the app writes the body.
   */
  private readonly clientSpans = new Map<string, Span>();
  /** Live instrumentation-http SERVER spans by trace id: a gateway request's span, found from its handler's context. */
  private readonly serverSpans = new Map<string, Span>();
  /** Spans whose exchange is a request this process serves (kept named as HTTP spans). */
  private readonly servedRequests = new WeakSet<Span>();
  /** The provider an upstream LLM call in a served request's trace went to, by trace id. */
  private readonly upstreamProviders = new Map<string, string>();
  /** The last upstream LLM call finalised in a served request's trace, by trace id: the served request's twin. */
  private readonly upstreamExchanges = new Map<string, LlmExchange>();
  /** Who is asking, per trace (setLlmContext, headers, the served request's body, baggage). */
  readonly requestContexts = new RequestContexts();
  private hashUserId!: (id: string) => string;
  /** How calls are annotated, from the config; the second for spans below an SDK span that reports the usage. */
  private annotate!: AnnotateOptions;
  private annotateInsideGenAiCall!: AnnotateOptions;
  private config!: GenAiConfig;
  /** Whether a span processor feeds us span starts (needed for fetch and for de-duplication). */
  processorAttached = false;
  /** A fetch exchange whose instrumentation-undici span is about to start (inside undici's dispatch). */
  private expectedFetch: LlmExchange | undefined;

  constructor(config: GenAiConfig) {
    this.configure(config);
  }

  configure(config: GenAiConfig): void {
    this.config = config;
    this.hashUserId = userIdHasher(config.userIdHashKey);
    const options: AnnotateOptions = {
      captureContent: config.captureContent,
      maxContentChars: config.maxCaptureBytes,
      semconvLatestExperimental: config.semconvLatestExperimental,
      hashUserId: this.hashUserId,
      estimateCost: costEstimatorFor(config.prices, reportUnpriced),
    };
    this.annotate = options;
    this.annotateInsideGenAiCall = { ...options, omitUsage: true };
  }

  /** `setLlmContext` for the trace of `span`: recorded for its LLM spans, and set on its served request's span now. */
  setLlmContext(span: Span, ctx: LlmContext): void {
    const traceId = span.spanContext().traceId;
    const server = this.requestContexts.setApi(traceId, ctx);
    const resolved = this.requestContexts.resolve(traceId, undefined);
    if (server && resolved) server.setAttributes(contextAttributes(resolved, this.hashUserId));
  }

  get settings(): GenAiConfig {
    return this.config;
  }

  track(span: Span, exchange: LlmExchange): void {
    this.calls.set(span, exchange);
    // An upstream call of a served request: the served side may compare its response with this one's.
    if (this.serverSpans.has(span.spanContext().traceId)) exchange.retainRawResponse();
  }

  /** A request this process serves (a gateway's own LLM endpoint), on its server span. */
  trackServer(span: Span, exchange: LlmExchange): void {
    this.calls.set(span, exchange);
    this.servedRequests.add(span);
    exchange.retainRawResponse();
  }

  /** The live server span of the trace `span` belongs to, if a processor told us about it. */
  serverSpanOf(span: Span): Span | undefined {
    return this.serverSpans.get(span.spanContext().traceId);
  }

  /** Parses and annotates the span's exchange, once. Never throws. */
  finalize(span: Span, outcome: ExchangeOutcome): void {
    const exchange = this.calls.get(span);
    if (!exchange || exchange.finished) return;
    const served = this.servedRequests.has(span);
    const traceId = span.spanContext().traceId;
    try {
      const twin = served ? this.upstreamExchanges.get(traceId) : this.requestContexts.servedExchange(traceId);
      const call = exchange.finish(outcome, twin);
      if (served) call.provider ||= this.upstreamProviders.get(traceId) ?? '';
      else if (this.serverSpans.has(traceId)) {
        // The served request's provider is whoever its upstream LLM call went to.
        this.upstreamProviders.set(traceId, call.provider);
        this.upstreamExchanges.set(traceId, exchange);
      }
      const describer = this.insideGenAiCall.get(span);
      // An SDK span above already reports the usage; it gets the content it lacks (giveContent).
      const given: SpanAttributes | undefined = describer ? {} : undefined;
      writeCallAttributes(call, describer ? this.annotateInsideGenAiCall : this.annotate, (name, value) => {
        span.setAttribute(name, value);
        if (given) given[name] = value;
      });
      const named = { userId: call.request.userId, sessionId: call.request.sessionId };
      if (!served) this.requestContexts.noteUpstream(traceId, named);
      const who = this.requestContexts.resolve(traceId, named);
      // After the call's own: who is asking, as attribution resolved it, wins over what the body said.
      if (who) span.setAttributes(contextAttributes(who, this.hashUserId));
      if (describer && given) giveContent(describer, given);
      // A served request keeps its HTTP name (`POST /v1/chat/completions`): its upstream call is the `{operation} {model}`.
      if (!served) span.updateName(spanNameFor(call));
      const error = call.response.error;
      if (error && error.type !== CANCELLED && (call.httpStatus === undefined || call.httpStatus < 400 || outcome.transportError)) {
        // Errors the HTTP layer cannot see: an error event inside a 200 stream, or a cut connection.
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message ?? error.type });
      }
      if (call.diagnostics) diag.debug(`otel-genai: partial ${call.family} capture: ${call.diagnostics.join('; ')}`);
    } catch (err) {
      diag.debug(`otel-genai: could not annotate span: ${(err as Error).message}`);
    } finally {
      this.calls.delete(span);
    }
  }

  /**
   * Sets the fetch exchange whose span instrumentation-undici starts next (`undefined` clears it);
   * returns the one that was waiting, if its span did not start.
   */
  expectFetchSpan(exchange: LlmExchange | undefined): LlmExchange | undefined {
    const waiting = this.expectedFetch;
    this.expectedFetch = exchange;
    return waiting;
  }

  /** From `GenAiSpanProcessor.onStart`. */
  onSpanStart(span: Span, parent: Span | undefined): void {
    if (parent) {
      const describer = this.insideGenAiCall.get(parent) ?? (describesGenAiCall(parent) ? parent : undefined);
      if (describer) this.insideGenAiCall.set(span, describer);
    }
    const view = span as SdkSpanView;
    const scope = view.instrumentationScope?.name;
    if (view.kind === SPAN_KIND_CLIENT && scope !== undefined && CLIENT_SCOPES.has(scope)) {
      this.clientSpans.set(span.spanContext().spanId, span);
      if (this.expectedFetch && scope === UNDICI_SCOPE) {
        this.track(span, this.expectedFetch);
        this.expectedFetch = undefined;
      }
    } else if (view.kind === SPAN_KIND_SERVER && scope === HTTP_SCOPE) this.serverSpans.set(span.spanContext().traceId, span);
  }

  /** From `GenAiSpanProcessor.onEnding`: the span is still writable here. */
  onSpanEnding(span: Span): void {
    const view = span as SdkSpanView;
    if (view.kind === SPAN_KIND_CLIENT && view.attributes) redactUrlAttributes(span, view.attributes);
    if (this.calls.has(span)) {
      const status = (span as SdkSpanView).status;
      const failed = status?.code === SpanStatusCode.ERROR;
      const outcome: ExchangeOutcome = { complete: !failed };
      if (failed) outcome.transportError = errorNameOf(span as SdkSpanView);
      this.finalize(span, outcome);
    }
  }

  onSpanEnd(span: Span): void {
    const kind = (span as SdkSpanView).kind;
    if (kind === SPAN_KIND_CLIENT) this.clientSpans.delete(span.spanContext().spanId);
    else if (kind === SPAN_KIND_SERVER) {
      const traceId = span.spanContext().traceId;
      if (this.serverSpans.get(traceId) === span) this.serverSpans.delete(traceId);
      this.upstreamProviders.delete(traceId);
      this.upstreamExchanges.delete(traceId);
      this.requestContexts.end(traceId, span);
    }
  }

  /** The live HTTP client span with this id, if a processor told us about it. */
  clientSpan(spanId: string): Span | undefined {
    return this.clientSpans.get(spanId);
  }
}

function reportUnpriced(model: string): void {
  diag.debug(`otel-genai: no price known for model "${model}": its calls get no gen_ai.usage.cost (add it under prices in otel.config)`);
}

/** URL attributes (stable and pre-1.21 names) that may carry credentials in their query string. */
const URL_ATTRIBUTES = ['url.full', 'url.query', 'http.url', 'http.target'];

function redactUrlAttributes(span: Span, attributes: Record<string, unknown>): void {
  for (const key of URL_ATTRIBUTES) {
    const value = attributes[key];
    if (typeof value !== 'string' || value.indexOf('=') === -1) continue;
    const redacted = key === 'url.query' ? redactQuery(value) : redactUrl(value);
    if (redacted !== value) span.setAttribute(key, redacted);
  }
}

/** Message attributes an SDK span describing the call may lack (the Anthropic SDK records none). */
const CONTENT_ATTRIBUTES = [ATTR.GEN_AI_INPUT_MESSAGES, ATTR.GEN_AI_OUTPUT_MESSAGES, ATTR.GEN_AI_SYSTEM_INSTRUCTIONS, ATTR.GEN_AI_TOOL_DEFINITIONS];

/**
 * The span that describes this LLM call (an SDK's own, still open: it ends after its HTTP call) gets
 * the messages we read off the wire, where it has none of its own: it is the call's `llm` record in
 * Braintrust, and should show what was asked and answered.
 */
function giveContent(describer: Span, attributes: SpanAttributes): void {
  const view = describer as SdkSpanView;
  if (!describer.isRecording() || !view.attributes) return;
  if (CONTENT_ATTRIBUTES.some((key) => view.attributes![key] !== undefined)) return;
  for (const key of CONTENT_ATTRIBUTES) {
    const value = attributes[key];
    if (typeof value === 'string') describer.setAttribute(key, value);
  }
}

function describesGenAiCall(span: Span): boolean {
  const view = span as SdkSpanView;
  if (view.attributes?.[ATTR.GEN_AI_OPERATION_NAME] !== undefined) return true;
  const scope = view.instrumentationScope?.name;
  if (scope === undefined) return false;
  let known = genAiScopes.get(scope);
  if (known === undefined) {
    known = GENAI_SCOPES.some((s) => scope === s || (s.endsWith('/') && scope.startsWith(s)));
    // A process has a handful of instrumentation scopes; the bound is for the pathological case.
    if (genAiScopes.size >= 256) genAiScopes.clear();
    genAiScopes.set(scope, known);
  }
  return known;
}

/** Whether each instrumentation scope seen is a GenAI one (asked for the parent of every span that starts). */
const genAiScopes = new Map<string, boolean>();

/** A name for a failed span's cause: the recorded exception type, else the status message. */
function errorNameOf(span: SdkSpanView): string {
  const exception = span.events?.find((e) => e.name === 'exception');
  const type = exception?.attributes?.['exception.type'];
  if (typeof type === 'string' && type !== '') return type;
  const errorType = span.attributes?.[ATTR.ERROR_TYPE];
  if (typeof errorType === 'string' && errorType !== '') return errorType;
  return 'error';
}

let shared: CallTracker | undefined;

/** The process-wide tracker shared by `GenAiInstrumentation` and `GenAiSpanProcessor`. */
export function sharedTracker(): CallTracker {
  return (shared ??= new CallTracker(resolveConfig().config));
}

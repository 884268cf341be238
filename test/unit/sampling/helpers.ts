/**
 * Real spans for the sampling tests: a `BasicTracerProvider` (sdk-trace-base 2.x) whose trace ids the
 * test chooses, HrTime start/end times the test chooses, and a gateway trace shape (server span +
 * upstream client LLM span) as our instrumentation annotates it.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { OutcomeSamplingProcessorOptions } from '../../../src/sampling/outcome-sampling-processor';
import { prng } from '../../helpers/prng';

/** Trace ids whose ratio draw (lower 8 bytes) is known: 0, just under 0.5, exactly 0.5, just under 1. */
export const TRACE_DRAW_0 = 'aaaaaaaaaaaaaaaa0000000000000000';
export const TRACE_DRAW_UNDER_HALF = 'aaaaaaaaaaaaaaaa7ffffffffffff000';
export const TRACE_DRAW_HALF = 'aaaaaaaaaaaaaaaa8000000000000000';
export const TRACE_DRAW_1 = 'aaaaaaaaaaaaaaaaffffffffffffffff';

export function hexId(random: () => number, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += Math.floor(random() * 256).toString(16).padStart(2, '0');
  return out;
}

export interface TestTracer {
  provider: BasicTracerProvider;
  /** The trace id the next root span (no parent) gets. */
  nextTraceId(traceId: string): void;
  start(name: string, options?: SpanOptions): Span;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  parent?: Span;
  /** A parent in another process (`traceparent`): the span is a local root of this trace. */
  remoteParentOf?: string;
  /** Seconds since the epoch; default 1 700 000 000. */
  startSeconds?: number;
}

const random = prng(42);

export function testTracer(spanProcessors: SpanProcessor[]): TestTracer {
  const queued: string[] = [];
  const provider = new BasicTracerProvider({
    spanProcessors,
    idGenerator: {
      generateTraceId: () => queued.shift() ?? hexId(random, 16),
      generateSpanId: () => hexId(random, 8),
    },
  });
  const tracer = provider.getTracer('sampling-test');
  return {
    provider,
    nextTraceId: (traceId) => queued.push(traceId),
    start(name, options = {}) {
      let context: Context = ROOT_CONTEXT;
      if (options.parent) context = trace.setSpan(ROOT_CONTEXT, options.parent);
      else if (options.remoteParentOf) {
        context = trace.setSpanContext(ROOT_CONTEXT, { traceId: options.remoteParentOf, spanId: hexId(random, 8), traceFlags: TraceFlags.SAMPLED, isRemote: true });
      }
      return tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, startTime: [options.startSeconds ?? 1_700_000_000, 0] }, context);
    },
  };
}

/** Ends `span` `ms` after the start `testTracer` gave it. */
export function endAfter(span: Span, ms: number, startSeconds = 1_700_000_000): void {
  const totalNs = Math.round(ms * 1e6);
  span.end([startSeconds + Math.floor(totalNs / 1e9), totalNs % 1e9]);
}

export interface GatewayOutcome {
  upstreamStatus?: number;
  /** The upstream call failed (status ERROR + `error.type`). */
  error?: boolean;
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
  model?: string;
  provider?: string;
  route?: string;
}

/**
 * A gateway request: its server span (local root, under a remote parent) and the upstream client LLM
 * span, both started; the caller ends them.
 */
export function startGatewayTrace(t: TestTracer, traceId: string, outcome: GatewayOutcome = {}): { server: Span; upstream: Span } {
  const model = outcome.model ?? 'gpt-4o-mini';
  const provider = outcome.provider ?? 'openai';
  const server = t.start('POST', {
    kind: SpanKind.SERVER,
    remoteParentOf: traceId,
    attributes: { 'http.request.method': 'POST', 'http.route': outcome.route ?? '/v1/chat/completions', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model },
  });
  const upstream = t.start(`chat ${model}`, {
    kind: SpanKind.CLIENT,
    parent: server,
    attributes: { 'http.request.method': 'POST', 'url.full': 'https://api.openai.com/v1/chat/completions', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model },
  });
  const status = outcome.upstreamStatus ?? 200;
  const attributes: Attributes = { 'gen_ai.provider.name': provider, 'gen_ai.response.model': `${model}-2024-07-18`, 'http.response.status_code': status };
  if (outcome.costUsd !== undefined) attributes['gen_ai.usage.cost'] = outcome.costUsd;
  if (outcome.inputTokens !== undefined) attributes['gen_ai.usage.input_tokens'] = outcome.inputTokens;
  if (outcome.outputTokens !== undefined) attributes['gen_ai.usage.output_tokens'] = outcome.outputTokens;
  upstream.setAttributes(attributes);
  server.setAttributes({ 'gen_ai.provider.name': provider, 'http.response.status_code': status });
  if (outcome.error || status >= 400) {
    upstream.setStatus({ code: SpanStatusCode.ERROR });
    upstream.setAttribute('error.type', status === 429 ? 'rate_limit_exceeded' : String(status));
  }
  return { server, upstream };
}

/** A processor that only records what reaches it (order of `onEnd`s included). */
export class CollectingProcessor implements SpanProcessor {
  readonly started: ReadableSpan[] = [];
  readonly ended: ReadableSpan[] = [];
  flushes = 0;
  shutdowns = 0;
  onStart(span: Span & ReadableSpan): void {
    this.started.push(span);
  }
  onEnd(span: ReadableSpan): void {
    this.ended.push(span);
  }
  forceFlush(): Promise<void> {
    this.flushes++;
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    this.shutdowns++;
    return Promise.resolve();
  }
}

export function inMemory(): { exporter: InMemorySpanExporter; processor: SimpleSpanProcessor } {
  const exporter = new InMemorySpanExporter();
  return { exporter, processor: new SimpleSpanProcessor(exporter) };
}

/** Options with every outcome rule on and nothing kept by chance (each test changes what it needs). */
export function baseOptions(overrides: Partial<OutcomeSamplingProcessorOptions> = {}): OutcomeSamplingProcessorOptions {
  return {
    ratio: 0,
    keepErrors: true,
    keepStatusCodes: [429],
    slowerThanMs: 10_000,
    costlierThanUsd: 0.5,
    tokensAbove: 50_000,
    decisionWaitMs: 30_000,
    maxBufferedSpans: 10_000,
    maxTraces: 10_000,
    decisionMemoryMs: 60_000,
    ...overrides,
  };
}

export function spanIdsOf(spans: ReadonlyArray<{ spanContext(): { spanId: string } }>): string[] {
  return spans.map((s) => s.spanContext().spanId);
}

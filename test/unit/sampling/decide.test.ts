/**
 * `decideTrace` on real sdk-trace-base spans: every outcome rule, the ratio draw on trace ids chosen
 * on each side of the ratio, per-route/model/provider rules, and the span shapes of other OTel lines.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decideTrace, matchesPattern, traceIdDraw, type OutcomeSamplingOptions } from '../../../src/sampling/decide';
import { isLocalRoot, signalsOf, type SamplingSpan } from '../../../src/sampling/signals';
import {
  CollectingProcessor,
  baseOptions,
  TRACE_DRAW_0,
  TRACE_DRAW_1,
  TRACE_DRAW_HALF,
  TRACE_DRAW_UNDER_HALF,
  endAfter,
  hexId,
  startGatewayTrace,
  testTracer,
  type GatewayOutcome,
} from './helpers';
import { prng } from '../../helpers/prng';

/** The processor's test options with every outcome rule on: decide() reads only its own fields of them. */
const defaults: OutcomeSamplingOptions = baseOptions();

/** The two ended spans of a gateway request (upstream first, as they end), taking `ms` each. */
function gatewaySpans(traceId: string, outcome: GatewayOutcome = {}, ms = 100): ReadableSpan[] {
  const collector = new CollectingProcessor();
  const t = testTracer([collector]);
  const { server, upstream } = startGatewayTrace(t, traceId, outcome);
  endAfter(upstream, ms);
  endAfter(server, ms + 5);
  return collector.ended;
}

function decide(spans: readonly SamplingSpan[], options: Partial<OutcomeSamplingOptions> = {}) {
  return decideTrace(spans, { ...defaults, ...options });
}

describe('outcome rules', () => {
  test('an ordinary trace is left to the ratio', () => {
    expect(decide(gatewaySpans(TRACE_DRAW_0))).toEqual({ keep: false, reason: 'ratio' });
  });

  test('error: status ERROR, or error.type alone', () => {
    expect(decide(gatewaySpans(TRACE_DRAW_1, { error: true }))).toEqual({ keep: true, reason: 'error' });

    const collector = new CollectingProcessor();
    const t = testTracer([collector]);
    const span = t.start('db query', { remoteParentOf: TRACE_DRAW_1, attributes: { 'error.type': 'timeout' } });
    endAfter(span, 5);
    expect(collector.ended[0]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(decide(collector.ended)).toEqual({ keep: true, reason: 'error' });
  });

  test('error: keepErrors=false leaves a failed trace to the ratio', () => {
    expect(decide(gatewaySpans(TRACE_DRAW_1, { error: true }), { keepErrors: false })).toEqual({ keep: false, reason: 'ratio' });
  });

  test('a cancelled call is not an error, even with status ERROR', () => {
    const collector = new CollectingProcessor();
    const t = testTracer([collector]);
    const span = t.start('chat gpt-4o', { kind: SpanKind.CLIENT, remoteParentOf: TRACE_DRAW_1, attributes: { 'error.type': 'cancelled' } });
    span.setStatus({ code: SpanStatusCode.ERROR });
    endAfter(span, 5);
    expect(signalsOf(collector.ended[0]!).error).toBe(false);
    expect(decide(collector.ended)).toEqual({ keep: false, reason: 'ratio' });
  });

  test('status: a listed code is kept as status_<code>, ahead of error (a 429 is an error too)', () => {
    expect(decide(gatewaySpans(TRACE_DRAW_1, { upstreamStatus: 429 }))).toEqual({ keep: true, reason: 'status_429' });
    expect(decide(gatewaySpans(TRACE_DRAW_1, { upstreamStatus: 503 }), { keepStatusCodes: [429, 503] })).toEqual({ keep: true, reason: 'status_503' });
    // Not listed: an error all the same.
    expect(decide(gatewaySpans(TRACE_DRAW_1, { upstreamStatus: 503 }))).toEqual({ keep: true, reason: 'error' });
    // Not listed, not an error: left to the ratio.
    expect(decide(gatewaySpans(TRACE_DRAW_1, { upstreamStatus: 503 }), { keepErrors: false })).toEqual({ keep: false, reason: 'ratio' });
  });

  test('status: several listed codes in one trace name the first in the list', () => {
    const spans = [...gatewaySpans(TRACE_DRAW_1, { upstreamStatus: 503 }), ...gatewaySpans(TRACE_DRAW_1, { upstreamStatus: 429 })];
    expect(decide(spans, { keepStatusCodes: [429, 503] }).reason).toBe('status_429');
    expect(decide(spans, { keepStatusCodes: [503, 429] }).reason).toBe('status_503');
  });

  test('status: the old http.status_code attribute (number or string) counts', () => {
    const collector = new CollectingProcessor();
    const t = testTracer([collector]);
    endAfter(t.start('GET', { remoteParentOf: TRACE_DRAW_1, attributes: { 'http.status_code': 429 } }), 5);
    endAfter(t.start('GET', { remoteParentOf: TRACE_DRAW_1, attributes: { 'http.status_code': '429' } }), 5);
    expect(decide([collector.ended[0]!], { keepErrors: false })).toEqual({ keep: true, reason: 'status_429' });
    expect(decide([collector.ended[1]!], { keepErrors: false })).toEqual({ keep: true, reason: 'status_429' });
  });

  test('slow: strictly longer than slowerThanMs, on any span of the trace', () => {
    expect(decide(gatewaySpans(TRACE_DRAW_1, {}, 10_001))).toEqual({ keep: true, reason: 'slow' });
    expect(decide(gatewaySpans(TRACE_DRAW_1, {}, 9_998))).toEqual({ keep: true, reason: 'slow' }); // only the server span (9 998 + 5 ms) is slow
    expect(decide(gatewaySpans(TRACE_DRAW_1, {}, 9_000))).toEqual({ keep: false, reason: 'ratio' });
    expect(decide(gatewaySpans(TRACE_DRAW_1, {}, 10_001), { slowerThanMs: undefined })).toEqual({ keep: false, reason: 'ratio' });
  });

  test('slow: exactly at the threshold is not slower', () => {
    const collector = new CollectingProcessor();
    const t = testTracer([collector]);
    endAfter(t.start('work', { remoteParentOf: TRACE_DRAW_1 }), 10_000);
    expect(signalsOf(collector.ended[0]!).durationMs).toBe(10_000);
    expect(decide(collector.ended)).toEqual({ keep: false, reason: 'ratio' });
  });

  test('cost: strictly above costlierThanUsd', () => {
    expect(decide(gatewaySpans(TRACE_DRAW_1, { costUsd: 0.51 }))).toEqual({ keep: true, reason: 'cost' });
    expect(decide(gatewaySpans(TRACE_DRAW_1, { costUsd: 0.5 }))).toEqual({ keep: false, reason: 'ratio' });
    expect(decide(gatewaySpans(TRACE_DRAW_1, { costUsd: 0.51 }), { costlierThanUsd: undefined })).toEqual({ keep: false, reason: 'ratio' });
  });

  test('tokens: input + output strictly above tokensAbove, per call (not summed over the trace)', () => {
    expect(decide(gatewaySpans(TRACE_DRAW_1, { inputTokens: 40_000, outputTokens: 10_001 }))).toEqual({ keep: true, reason: 'tokens' });
    expect(decide(gatewaySpans(TRACE_DRAW_1, { inputTokens: 40_000, outputTokens: 10_000 }))).toEqual({ keep: false, reason: 'ratio' });
    expect(decide(gatewaySpans(TRACE_DRAW_1, { outputTokens: 50_001 }))).toEqual({ keep: true, reason: 'tokens' });
    // Two calls of 30 000 tokens each: neither is above 50 000.
    const twoCalls = [...gatewaySpans(TRACE_DRAW_1, { inputTokens: 30_000 }), ...gatewaySpans(TRACE_DRAW_1, { inputTokens: 30_000 })];
    expect(decide(twoCalls)).toEqual({ keep: false, reason: 'ratio' });
  });

  test('reasons in order: status, error, slow, cost, tokens', () => {
    const all: GatewayOutcome = { upstreamStatus: 429, costUsd: 9, inputTokens: 100_000 };
    expect(decide(gatewaySpans(TRACE_DRAW_1, all, 20_000)).reason).toBe('status_429');
    expect(decide(gatewaySpans(TRACE_DRAW_1, all, 20_000), { keepStatusCodes: [] }).reason).toBe('error');
    expect(decide(gatewaySpans(TRACE_DRAW_1, all, 20_000), { keepStatusCodes: [], keepErrors: false }).reason).toBe('slow');
    expect(decide(gatewaySpans(TRACE_DRAW_1, all, 20_000), { keepStatusCodes: [], keepErrors: false, slowerThanMs: undefined }).reason).toBe('cost');
    expect(decide(gatewaySpans(TRACE_DRAW_1, all, 20_000), { keepStatusCodes: [], keepErrors: false, slowerThanMs: undefined, costlierThanUsd: undefined }).reason).toBe('tokens');
  });
});

describe('ratio draw', () => {
  test('the lower 8 bytes of the trace id, as a number in [0, 1)', () => {
    expect(traceIdDraw(TRACE_DRAW_0)).toBe(0);
    expect(traceIdDraw(TRACE_DRAW_HALF)).toBe(0.5);
    expect(traceIdDraw(TRACE_DRAW_UNDER_HALF)).toBeLessThan(0.5);
    expect(traceIdDraw(TRACE_DRAW_1)).toBeLessThan(1);
    expect(traceIdDraw(TRACE_DRAW_1)).toBeGreaterThan(0.999999);
    // The upper 8 bytes do not matter: every process draws the same for the trace.
    expect(traceIdDraw('ffffffffffffffff7ffffffffffff000')).toBe(traceIdDraw(TRACE_DRAW_UNDER_HALF));
    expect(traceIdDraw('AAAAAAAAAAAAAAAA8000000000000000')).toBe(0.5);
  });

  test('a non-hex id still draws deterministically in [0, 1)', () => {
    const draw = traceIdDraw('not-a-trace-id');
    expect(draw).toBe(traceIdDraw('not-a-trace-id'));
    expect(draw).toBeGreaterThanOrEqual(0);
    expect(draw).toBeLessThan(1);
  });

  test('ratio 0 drops, ratio 1 keeps, whatever the id', () => {
    for (const id of [TRACE_DRAW_0, TRACE_DRAW_UNDER_HALF, TRACE_DRAW_HALF, TRACE_DRAW_1]) {
      expect(decide(gatewaySpans(id), { ratio: 0 })).toEqual({ keep: false, reason: 'ratio' });
      expect(decide(gatewaySpans(id), { ratio: 1 })).toEqual({ keep: true, reason: 'ratio' });
    }
  });

  test('ratio 0.5 keeps the ids that draw under it', () => {
    expect(decide(gatewaySpans(TRACE_DRAW_0), { ratio: 0.5 })).toEqual({ keep: true, reason: 'ratio' });
    expect(decide(gatewaySpans(TRACE_DRAW_UNDER_HALF), { ratio: 0.5 })).toEqual({ keep: true, reason: 'ratio' });
    expect(decide(gatewaySpans(TRACE_DRAW_HALF), { ratio: 0.5 })).toEqual({ keep: false, reason: 'ratio' });
    expect(decide(gatewaySpans(TRACE_DRAW_1), { ratio: 0.5 })).toEqual({ keep: false, reason: 'ratio' });
  });

  test('out-of-range ratios are clamped', () => {
    expect(decide(gatewaySpans(TRACE_DRAW_1), { ratio: 7 })).toEqual({ keep: true, reason: 'ratio' });
    expect(decide(gatewaySpans(TRACE_DRAW_0), { ratio: -1 })).toEqual({ keep: false, reason: 'ratio' });
    expect(decide(gatewaySpans(TRACE_DRAW_0), { ratio: Number.NaN })).toEqual({ keep: false, reason: 'ratio' });
  });

  test('over many random ids, the kept share is close to the ratio', () => {
    const random = prng(7);
    let kept = 0;
    for (let i = 0; i < 20_000; i++) if (traceIdDraw(hexId(random, 16)) < 0.25) kept++;
    expect(kept / 20_000).toBeGreaterThan(0.24);
    expect(kept / 20_000).toBeLessThan(0.26);
  });
});

describe('rules per route, model, provider', () => {
  test('a model rule (prefix) overrides the defaults field by field', () => {
    const options: Partial<OutcomeSamplingOptions> = { rules: [{ match: { model: 'gpt-4o*' }, ratio: 1 }] };
    expect(decide(gatewaySpans(TRACE_DRAW_1, { model: 'gpt-4o-mini' }), options)).toEqual({ keep: true, reason: 'ratio' });
    expect(decide(gatewaySpans(TRACE_DRAW_1, { model: 'claude-sonnet-4' }), options)).toEqual({ keep: false, reason: 'ratio' });
    // The rule set only the ratio: errors are still kept by the default, and named as errors.
    expect(decide(gatewaySpans(TRACE_DRAW_1, { model: 'gpt-4o', error: true }), options)).toEqual({ keep: true, reason: 'error' });
  });

  test('an exact model pattern matches the request model or the response model', () => {
    // The response model is `gpt-4o-mini-2024-07-18`; the request model `gpt-4o-mini`.
    expect(decide(gatewaySpans(TRACE_DRAW_1), { rules: [{ match: { model: 'gpt-4o-mini' }, ratio: 1 }] }).keep).toBe(true);
    expect(decide(gatewaySpans(TRACE_DRAW_1), { rules: [{ match: { model: 'gpt-4o-mini-2024-07-18' }, ratio: 1 }] }).keep).toBe(true);
    expect(decide(gatewaySpans(TRACE_DRAW_1), { rules: [{ match: { model: 'gpt-4o' }, ratio: 1 }] }).keep).toBe(false);
  });

  test('a provider rule', () => {
    const options: Partial<OutcomeSamplingOptions> = { rules: [{ match: { provider: 'anthropic' }, keepErrors: false }] };
    expect(decide(gatewaySpans(TRACE_DRAW_1, { provider: 'anthropic', error: true }), options)).toEqual({ keep: false, reason: 'ratio' });
    expect(decide(gatewaySpans(TRACE_DRAW_1, { provider: 'openai', error: true }), options)).toEqual({ keep: true, reason: 'error' });
  });

  test("a route rule fits a gateway request's own route", () => {
    const options: Partial<OutcomeSamplingOptions> = { rules: [{ match: { route: '/v1/embeddings' }, ratio: 1 }] };
    expect(decide(gatewaySpans(TRACE_DRAW_1, { route: '/v1/embeddings' }), options).keep).toBe(true);
    expect(decide(gatewaySpans(TRACE_DRAW_1, { route: '/v1/chat/completions' }), options).keep).toBe(false);
  });

  test("a route rule fits the app's incoming request (the local root) above an LLM client span", () => {
    const collector = new CollectingProcessor();
    const t = testTracer([collector]);
    const request = t.start('POST /api/summarize', { kind: SpanKind.SERVER, remoteParentOf: TRACE_DRAW_1, attributes: { 'http.route': '/api/summarize/:id' } });
    const call = t.start('chat gpt-4o', {
      kind: SpanKind.CLIENT,
      parent: request,
      attributes: { 'url.full': 'https://api.openai.com/v1/chat/completions?x=1', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.provider.name': 'openai' },
    });
    endAfter(call, 10);
    endAfter(request, 12);
    expect(decide(collector.ended, { rules: [{ match: { route: '/api/summarize*' }, ratio: 1 }] }).keep).toBe(true);
    // The LLM span's own path counts too.
    expect(decide(collector.ended, { rules: [{ match: { route: '/v1/chat/completions' }, ratio: 1 }] }).keep).toBe(true);
    expect(decide(collector.ended, { rules: [{ match: { route: '/api/other' }, ratio: 1 }] }).keep).toBe(false);
  });

  test('rules need an LLM span: a trace without gen_ai.* attributes keeps the defaults', () => {
    const collector = new CollectingProcessor();
    const t = testTracer([collector]);
    endAfter(t.start('GET', { kind: SpanKind.SERVER, remoteParentOf: TRACE_DRAW_1, attributes: { 'http.route': '/health' } }), 1);
    expect(decide(collector.ended, { rules: [{ match: { route: '/health' }, ratio: 1 }] }).keep).toBe(false);
    expect(decide(collector.ended, { rules: [{ match: {}, ratio: 1 }] }).keep).toBe(false);
  });

  test('every field of a match must fit the same LLM span', () => {
    const spans = [...gatewaySpans(TRACE_DRAW_1, { model: 'gpt-4o', provider: 'openai' }), ...gatewaySpans(TRACE_DRAW_1, { model: 'claude-sonnet-4', provider: 'anthropic' })];
    expect(decide(spans, { rules: [{ match: { model: 'gpt-4o', provider: 'openai' }, ratio: 1 }] }).keep).toBe(true);
    expect(decide(spans, { rules: [{ match: { model: 'gpt-4o', provider: 'anthropic' }, ratio: 1 }] }).keep).toBe(false);
  });

  test('the first rule that fits applies; later ones are not merged in', () => {
    const options: Partial<OutcomeSamplingOptions> = {
      rules: [
        { match: { provider: 'openai' }, costlierThanUsd: 5 },
        { match: { model: 'gpt-4o*' }, ratio: 1 },
      ],
    };
    expect(decide(gatewaySpans(TRACE_DRAW_1, { costUsd: 1 }), options)).toEqual({ keep: false, reason: 'ratio' });
    expect(decide(gatewaySpans(TRACE_DRAW_1, { costUsd: 6 }), options)).toEqual({ keep: true, reason: 'cost' });
  });

  test('null turns a default threshold off; keepStatusCodes replaces the default list', () => {
    const slow = gatewaySpans(TRACE_DRAW_1, {}, 20_000);
    expect(decide(slow, { rules: [{ match: {}, slowerThanMs: null }] })).toEqual({ keep: false, reason: 'ratio' });
    expect(decide(slow, { rules: [{ match: {}, slowerThanMs: 30_000 }] })).toEqual({ keep: false, reason: 'ratio' });
    expect(decide(slow, { rules: [{ match: {}, tokensAbove: null }] })).toEqual({ keep: true, reason: 'slow' });

    const limited = gatewaySpans(TRACE_DRAW_1, { upstreamStatus: 429 });
    expect(decide(limited, { keepErrors: false, rules: [{ match: {}, keepStatusCodes: [503] }] })).toEqual({ keep: false, reason: 'ratio' });
    expect(decide(limited, { keepErrors: false, rules: [{ match: { provider: 'nope' }, keepStatusCodes: [503] }] })).toEqual({ keep: true, reason: 'status_429' });
  });
});

describe('patterns and span shapes', () => {
  test('matchesPattern: exact, prefix*, * and absent values', () => {
    expect(matchesPattern('gpt-4o', 'gpt-4o')).toBe(true);
    expect(matchesPattern('gpt-4o', 'gpt-4o-mini')).toBe(false);
    expect(matchesPattern('gpt-4o*', 'gpt-4o-mini')).toBe(true);
    expect(matchesPattern('gpt-4o*', 'gpt-4')).toBe(false);
    expect(matchesPattern('*', 'anything')).toBe(true);
    expect(matchesPattern('*', undefined)).toBe(false);
    expect(matchesPattern('GPT-4o', 'gpt-4o')).toBe(false);
  });

  test('an OTel 3.x-shaped span (duration, parentSpanContext) and a 1.x one (parentSpanId)', () => {
    const base = {
      name: 'chat gpt-4o',
      kind: SpanKind.CLIENT,
      status: { code: SpanStatusCode.UNSET },
      spanContext: () => ({ traceId: TRACE_DRAW_1, spanId: '1111111111111111' }),
    };
    const v3: SamplingSpan = {
      ...base,
      attributes: { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'http.target': '/v1/chat/completions?stream=true' },
      duration: [12, 0],
      parentSpanContext: { spanId: '2222222222222222', traceId: TRACE_DRAW_1, isRemote: true },
    };
    expect(isLocalRoot(v3)).toBe(true);
    expect(signalsOf(v3)).toMatchObject({ llm: true, durationMs: 12_000, provider: 'openai', route: '/v1/chat/completions' });
    expect(decide([v3])).toEqual({ keep: true, reason: 'slow' });
    expect(decide([v3], { rules: [{ match: { provider: 'openai', route: '/v1/chat/completions' }, slowerThanMs: null }] })).toEqual({ keep: false, reason: 'ratio' });

    const v1: SamplingSpan = {
      ...base,
      attributes: { 'gen_ai.usage.prompt_tokens': 60_000, 'gen_ai.usage.completion_tokens': '1' },
      startTime: [100, 0],
      endTime: [100, 500_000_000],
      parentSpanId: '2222222222222222',
    };
    expect(isLocalRoot(v1)).toBe(false);
    expect(signalsOf(v1)).toMatchObject({ durationMs: 500, tokens: 60_001 });
    expect(decide([v1])).toEqual({ keep: true, reason: 'tokens' });
  });

  test('no spans: nothing to keep', () => {
    expect(decide([], { ratio: 1 })).toEqual({ keep: false, reason: 'ratio' });
  });
});

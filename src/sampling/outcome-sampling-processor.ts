/**
 * `OutcomeSamplingSpanProcessor`: tail sampling in front of other span processors. Ended spans are
 * held per trace until the trace's local root (and every span of it this process started) has ended,
 * then the trace is decided whole (`decideTrace`) and its kept spans go on to every downstream
 * processor, in the order they ended, each with `sampling.reason`. Structural (no SDK import), so it
 * fits tracer providers of the OTel JS 2.x and 3.x lines:
 *
 *   new BasicTracerProvider({ spanProcessors: [
 *     new GenAiSpanProcessor(),                                // annotates; stays outside
 *     new OutcomeSamplingSpanProcessor([braintrustProcessor, otlpBatchProcessor], options),
 *   ] });
 *
 * Why "local": a trace crosses processes; each process decides its own part. The ratio draw is the
 * same everywhere (it comes from the trace id); outcome rules see only this process's spans.
 *
 * Memory: at most `maxBufferedSpans` spans are held (over it, the oldest trace is decided now with
 * what it has); a trace waits at most `decisionWaitMs` after its first ended span; decisions are
 * remembered for `decisionMemoryMs` (at most `maxTraces`) so late spans follow them. One unref'd timer.
 *
 * Span processors run inside the app's `startSpan()`/`end()`: nothing escapes from here, and a
 * downstream processor that throws does not stop the others.
 */
import { diag, type Context } from '@opentelemetry/api';
import { decideTrace, type OutcomeSamplingOptions, type SamplingDecision } from './decide';
import { isLocalRoot, type SamplingSpan } from './signals';
import { withSamplingReason } from './span-view';

/** The span processors this one feeds (e.g. `BraintrustSpanProcessor`, `BatchSpanProcessor`). */
export interface DownstreamSpanProcessor {
  onStart(span: SamplingSpan, parentContext: Context): void;
  onEnding?(span: SamplingSpan): void;
  onEnd(span: SamplingSpan): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** Optional: a dropped trace's spans will not end here; release what was kept from their starts. */
  forgetTrace?(traceId: string): void;
}

export interface OutcomeSamplingProcessorOptions extends OutcomeSamplingOptions {
  /** Longest a trace's spans are held after the first of them ended, waiting for its local root. */
  decisionWaitMs: number;
  /** Ended spans held in all traces; over it the oldest trace is decided at once. */
  maxBufferedSpans: number;
  /** Decisions remembered (least recently used forgotten first); also caps traces whose open spans are counted. */
  maxTraces: number;
  /** How long a decision is remembered after it was made or last followed, for late spans. */
  decisionMemoryMs: number;
}

export interface SamplingStats {
  /** Trace decisions (one per trace, or per local-root part when a trace returns after its decision). */
  kept: number;
  dropped: number;
  keptSpans: number;
  droppedSpans: number;
  /** Kept traces by reason (`error`, `status_429`, `slow`, `cost`, `tokens`, `ratio`). Drops are all `ratio`. */
  byReason: Record<string, number>;
  /** Decided before their local root ended because `maxBufferedSpans` was reached. */
  decidedEarly: number;
  /** Decided because `decisionWaitMs` passed. */
  decidedOnTimeout: number;
}

/** Sizes of the internal state (diagnostics, tests). */
export interface SamplingMemory {
  pendingTraces: number;
  bufferedSpans: number;
  rememberedDecisions: number;
  /** Traces with spans started and not ended. */
  liveTraces: number;
  timerArmed: boolean;
}

type DecisionCause = 'complete' | 'timeout' | 'memory' | 'flush';

interface PendingTrace {
  /** In end order. */
  spans: SamplingSpan[];
  firstAt: number;
  rootEnded: boolean;
  /** This trace was kept before (an earlier local root of it): its new spans are kept too. */
  inherited?: SamplingDecision | undefined;
}

interface LiveTrace {
  /** Spans of the trace started (onStart) and not ended yet. */
  open: number;
  inherited?: SamplingDecision | undefined;
}

interface RememberedDecision extends SamplingDecision {
  expiresAt: number;
}

/** setTimeout's longest delay; longer ones fire at once (with a warning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class OutcomeSamplingSpanProcessor {
  readonly stats: SamplingStats = { kept: 0, dropped: 0, keptSpans: 0, droppedSpans: 0, byReason: {}, decidedEarly: 0, decidedOnTimeout: 0 };

  private readonly downstream: DownstreamSpanProcessor[];
  private readonly options: OutcomeSamplingProcessorOptions;
  /** Insertion order = order of first ended span: the head is the oldest, the first to time out. */
  private readonly pending = new Map<string, PendingTrace>();
  /** Insertion order = order of last use: the head is the least recently used and the first to expire. */
  private readonly decided = new Map<string, RememberedDecision>();
  private readonly live = new Map<string, LiveTrace>();
  private bufferedSpans = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private closed = false;
  private shutdownPromise: Promise<void> | undefined;

  constructor(downstream: DownstreamSpanProcessor[], options: OutcomeSamplingProcessorOptions) {
    this.downstream = [...downstream];
    // Limits that are not numbers hold nothing rather than everything.
    this.options = {
      ...options,
      decisionWaitMs: nonNegative(options.decisionWaitMs),
      maxBufferedSpans: nonNegative(options.maxBufferedSpans),
      maxTraces: nonNegative(options.maxTraces),
      decisionMemoryMs: nonNegative(options.decisionMemoryMs),
    };
  }

  get memory(): SamplingMemory {
    return {
      pendingTraces: this.pending.size,
      bufferedSpans: this.bufferedSpans,
      rememberedDecisions: this.decided.size,
      liveTraces: this.live.size,
      timerArmed: this.timer !== undefined,
    };
  }

  /** Forwarded at once: downstream processors may track starts (`BraintrustSpanProcessor` does). */
  onStart(span: SamplingSpan, parentContext: Context): void {
    if (this.closed) return;
    guard('onStart', () => this.noteStart(span));
    for (const processor of this.downstream) guard('downstream onStart', () => processor.onStart(span, parentContext));
  }

  /** Forwarded at once: the span is still writable there (`GenAiSpanProcessor` annotates in it). */
  onEnding(span: SamplingSpan): void {
    if (this.closed) return;
    for (const processor of this.downstream) {
      if (typeof processor.onEnding === 'function') guard('downstream onEnding', () => processor.onEnding!(span));
    }
  }

  onEnd(span: SamplingSpan): void {
    if (this.closed) return;
    guard('onEnd', () => this.noteEnd(span));
  }

  /** Decides every pending trace with what it has, then flushes downstream. */
  forceFlush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    guard('forceFlush', () => {
      this.decideAll('flush');
      this.schedule();
    });
    return settleAll(this.downstream.map((processor) => () => processor.forceFlush()), 'forceFlush');
  }

  /** Decides and forwards every pending trace, releases everything, then shuts downstream down. */
  shutdown(): Promise<void> {
    if (this.shutdownPromise) return this.shutdownPromise;
    guard('shutdown', () => this.decideAll('flush'));
    this.closed = true;
    this.clearTimer();
    this.pending.clear();
    this.decided.clear();
    this.live.clear();
    this.bufferedSpans = 0;
    this.shutdownPromise = settleAll(this.downstream.map((processor) => () => processor.shutdown()), 'shutdown');
    return this.shutdownPromise;
  }

  private noteStart(span: SamplingSpan): void {
    const traceId = span.spanContext().traceId;
    const remembered = this.decided.get(traceId);
    // A child of a decided part: it follows the decision when it ends, nothing to count.
    if (remembered && !isLocalRoot(span)) return;
    let live = this.live.get(traceId);
    if (!live) {
      // Untracked (a remembered decision stays in force): decided when its local root ends.
      if (this.live.size >= this.options.maxTraces) return;
      live = { open: 0 };
      this.live.set(traceId, live);
    }
    live.open++;
    if (remembered) {
      // A new local root of a decided trace (an agent's next call through this gateway): its outcome
      // is decided afresh — a 429 on the tenth call must not be dropped because the first call was
      // fine — but what was kept stays kept. The ratio draw is the same, so a drop stays a drop
      // unless an outcome rule fires.
      this.decided.delete(traceId);
      if (remembered.keep) live.inherited = { keep: true, reason: remembered.reason };
    }
  }

  private noteEnd(span: SamplingSpan): void {
    const traceId = span.spanContext().traceId;
    const live = this.noteLiveEnd(traceId);
    const remembered = this.decided.get(traceId);
    if (remembered) {
      this.remember(traceId, remembered); // Used again: remembered longer.
      this.forward([span], remembered);
      this.schedule();
      return;
    }

    let trace = this.pending.get(traceId);
    if (!trace) {
      trace = { spans: [], firstAt: Date.now(), rootEnded: false };
      this.pending.set(traceId, trace);
    }
    trace.inherited ??= live.inherited;
    trace.spans.push(span);
    this.bufferedSpans++;
    if (isLocalRoot(span)) trace.rootEnded = true;
    // Waiting for the spans still open too: a fire-and-forget call, or an upstream call whose span
    // ends a moment after the gateway's response, is part of the outcome.
    if (trace.rootEnded && live.stillOpen === 0) this.decide(traceId, 'complete');

    while (this.bufferedSpans > this.options.maxBufferedSpans) {
      const oldest = this.pending.keys().next().value;
      if (oldest === undefined) break;
      this.decide(oldest, 'memory');
    }
    this.schedule();
  }

  /** Counts the end against the trace's open spans; hands over a kept decision a new root inherited. */
  private noteLiveEnd(traceId: string): { stillOpen: number; inherited: SamplingDecision | undefined } {
    const live = this.live.get(traceId);
    if (!live) return { stillOpen: 0, inherited: undefined };
    live.open--;
    const inherited = live.inherited;
    live.inherited = undefined;
    if (live.open <= 0) this.live.delete(traceId);
    return { stillOpen: Math.max(0, live.open), inherited };
  }

  private decide(traceId: string, cause: DecisionCause): void {
    const trace = this.pending.get(traceId);
    if (!trace) return;
    this.pending.delete(traceId);
    this.bufferedSpans -= trace.spans.length;
    // Spans still open follow the decision when they end (see `decided`); no need to count them.
    this.live.delete(traceId);
    if (cause === 'memory') this.stats.decidedEarly++;
    else if (cause === 'timeout') this.stats.decidedOnTimeout++;

    let decision: SamplingDecision;
    try {
      decision = decideTrace(trace.spans, this.options);
    } catch (err) {
      // Only malformed span objects get here; they would not export either.
      diag.debug(`otel-genai: sampling decision error: ${(err as Error).message}`);
      decision = { keep: false, reason: 'ratio' };
    }
    if (!decision.keep && trace.inherited) decision = trace.inherited;

    if (decision.keep) {
      this.stats.kept++;
      this.stats.byReason[decision.reason] = (this.stats.byReason[decision.reason] ?? 0) + 1;
    } else this.stats.dropped++;
    this.remember(traceId, decision);
    this.forward(trace.spans, decision);
    if (!decision.keep) {
      for (const processor of this.downstream) {
        if (typeof processor.forgetTrace === 'function') guard('downstream forgetTrace', () => processor.forgetTrace!(traceId));
      }
    }
  }

  private forward(spans: SamplingSpan[], decision: SamplingDecision): void {
    if (!decision.keep) {
      this.stats.droppedSpans += spans.length;
      return;
    }
    this.stats.keptSpans += spans.length;
    for (const span of spans) {
      let view: SamplingSpan;
      try {
        view = withSamplingReason(span, decision.reason);
      } catch (err) {
        diag.debug(`otel-genai: sampling view error: ${(err as Error).message}`);
        continue;
      }
      for (const processor of this.downstream) guard('downstream onEnd', () => processor.onEnd(view));
    }
  }

  /** Remembers (or refreshes) a decision as the most recently used one; forgets the least recent over `maxTraces`. */
  private remember(traceId: string, decision: SamplingDecision): void {
    this.decided.delete(traceId);
    if (this.options.maxTraces === 0 || this.options.decisionMemoryMs === 0) return;
    this.decided.set(traceId, { keep: decision.keep, reason: decision.reason, expiresAt: Date.now() + this.options.decisionMemoryMs });
    while (this.decided.size > this.options.maxTraces) {
      const leastRecent = this.decided.keys().next().value;
      if (leastRecent === undefined) break;
      this.decided.delete(leastRecent);
    }
  }

  private decideAll(cause: DecisionCause): void {
    for (const traceId of [...this.pending.keys()]) this.decide(traceId, cause);
  }

  /** Both maps are in deadline order, so only their heads are looked at. */
  private sweep(now: number): void {
    for (const [traceId, trace] of this.pending) {
      if (now - trace.firstAt < this.options.decisionWaitMs) break;
      this.decide(traceId, 'timeout');
    }
    for (const [traceId, remembered] of this.decided) {
      if (remembered.expiresAt > now) break;
      this.decided.delete(traceId);
    }
  }

  /** One timer, armed for the earliest deadline (a pending trace's wait, or a decision's memory). */
  private schedule(): void {
    if (this.closed) return;
    let next = Infinity;
    const oldestPending = this.pending.values().next().value;
    if (oldestPending) next = oldestPending.firstAt + this.options.decisionWaitMs;
    const leastRecent = this.decided.values().next().value;
    if (leastRecent) next = Math.min(next, leastRecent.expiresAt);
    if (next === Infinity) {
      this.clearTimer();
      return;
    }
    if (this.timer !== undefined && this.timerAt <= next) return;
    this.clearTimer();
    this.timerAt = next;
    this.timer = setTimeout(() => this.onTimer(), Math.min(MAX_TIMER_MS, Math.max(0, next - Date.now())));
    // Never keeps the process alive: pending traces are decided on shutdown or flush anyway.
    this.timer.unref?.();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    guard('timer', () => {
      this.sweep(Date.now());
      this.schedule();
    });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}

function nonNegative(n: number): number {
  return typeof n === 'number' && n >= 0 ? n : 0;
}

function guard(where: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    diag.debug(`otel-genai: sampling ${where} error: ${(err as Error)?.message}`);
  }
}

/** Runs every call, whatever the others do; never rejects. */
function settleAll(calls: Array<() => Promise<void>>, where: string): Promise<void> {
  const log = (err: unknown) => diag.debug(`otel-genai: sampling downstream ${where} error: ${(err as Error)?.message}`);
  return Promise.all(
    calls.map((call) => {
      try {
        return Promise.resolve(call()).catch(log);
      } catch (err) {
        log(err);
        return undefined;
      }
    }),
  ).then(() => undefined);
}

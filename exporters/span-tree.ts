/**
 * Which spans become records, and under which parent. With the default `"ai"` filter Braintrust gets
 * the LLM spans, the spans that describe AI work (any `gen_ai.*`, `llm.*`, `ai.*`, `traceloop.*`,
 * `braintrust.*` attribute), and the local root of every trace that has one (e.g. the incoming HTTP
 * request), with each record's parent set to its nearest *exported* ancestor, so the tree in
 * Braintrust is complete without the HTTP middleware noise in between, and never points at a row
 * that does not exist.
 *
 * Re-parenting needs each ancestor's parent. Spans end child-first, so an ended span alone cannot
 * tell: `BraintrustSpanProcessor` feeds span starts (`onStart`), which makes every chain known when a
 * child ends; a bare `BraintrustSpanExporter` only sees ended spans, so a span whose chain is not
 * known yet is held until it is (its trace's local root ends) or until `deferMs` passes. Memory is
 * bounded by `maxTraces` and `maxNodesPerTrace`, and idle traces are forgotten after `traceTtlMs`.
 */
import type { ExportableSpan } from './record';

/** `"ai"` (default), `"all"`, or a function: true keeps, false drops, null/undefined falls back to `"ai"`. */
export type SpanFilter = 'ai' | 'all' | ((span: ExportableSpan) => boolean | null | undefined);

export interface ReadySpan {
  span: ExportableSpan;
  /** The nearest exported ancestor, or undefined for a root. */
  parentSpanId: string | undefined;
}

export interface SpanTreeOptions {
  filter: SpanFilter;
  deferMs: number;
  traceTtlMs: number;
  maxTraces: number;
  maxNodesPerTrace: number;
}

const AI_PREFIXES = ['gen_ai.', 'llm.', 'ai.', 'traceloop.', 'braintrust.'];
/** Routing attributes Braintrust's own processor adds to every span: not a sign of AI work. */
const NOT_AI = new Set(['braintrust.parent', 'braintrust.context_json']);

/** Does the span describe AI work? Its name or any attribute key in an AI namespace. */
export function isAiSpan(span: { name: string; attributes?: Record<string, unknown> }): boolean {
  for (const prefix of AI_PREFIXES) if (span.name.startsWith(prefix)) return true;
  const attributes = span.attributes;
  if (!attributes) return false;
  for (const key in attributes) {
    if (NOT_AI.has(key)) continue;
    for (const prefix of AI_PREFIXES) if (key.startsWith(prefix)) return true;
  }
  return false;
}

/** The local parent's id; undefined for a local root (no parent, or a parent in another process). */
export function localParentId(span: ExportableSpan): string | undefined {
  const parent = span.parentSpanContext;
  if (parent) return parent.isRemote ? undefined : parent.spanId;
  return span.parentSpanId || undefined;
}

interface SpanNode {
  parentId: string | undefined;
  /** Known to describe AI work (at start, or at end). */
  ai: boolean;
  ended: boolean;
  exported: boolean;
  /** An exported descendant points here: export this span when it ends, whatever the filter says. */
  wanted: boolean;
  /** Kept for an ended local root that was not exported, in case a late descendant needs it. */
  rootSpan?: ExportableSpan;
}

interface Deferred {
  span: ExportableSpan;
  node: SpanNode;
  deadline: number;
}

interface TraceState {
  nodes: Map<string, SpanNode>;
  deferred: Deferred[];
  /** Spans started (seen by onStart) and not ended yet. */
  open: number;
  /** Span starts are reported for this trace, so `open` tells when it is complete. */
  sawStarts: boolean;
  rootEnded: boolean;
  touchedAt: number;
}

type Resolution = { parentSpanId: string | undefined } | { unknown: string };

export class SpanTree {
  /** Insertion-ordered: the first entry is the least recently created trace. */
  private readonly traces = new Map<string, TraceState>();
  /** Spans released by evicting a trace, handed out with the next result. */
  private spilled: ReadySpan[] = [];

  constructor(
    private readonly options: SpanTreeOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Live traces held (for tests and diagnostics). */
  get size(): number {
    return this.traces.size;
  }

  /** Forgets a trace whose remaining spans will never be reported (dropped by sampling). */
  forget(traceId: string): void {
    this.traces.delete(traceId);
  }

  /** A span started (from a span processor). Makes its parent link known before any child ends. */
  onStart(span: ExportableSpan): void {
    if (this.options.filter === 'all') return;
    const trace = this.trace(span.spanContext().traceId);
    trace.open++;
    trace.sawStarts = true;
    if (trace.nodes.size >= this.options.maxNodesPerTrace) return;
    trace.nodes.set(span.spanContext().spanId, { parentId: localParentId(span), ai: isAiSpan(span), ended: false, exported: false, wanted: false });
  }

  /** A span ended: returns the spans that are ready to become records now (this one and any it unblocked). */
  onEnd(span: ExportableSpan): ReadySpan[] {
    const parentId = localParentId(span);
    if (this.options.filter === 'all') return [{ span, parentSpanId: parentId }];
    const { traceId, spanId } = span.spanContext();
    const trace = this.trace(traceId);
    let node = trace.nodes.get(spanId);
    if (node) trace.open = Math.max(0, trace.open - 1);
    else {
      node = { parentId, ai: false, ended: false, exported: false, wanted: false };
      if (trace.nodes.size < this.options.maxNodesPerTrace || parentId === undefined) trace.nodes.set(spanId, node);
    }
    node.ended = true;
    node.ai ||= isAiSpan(span);
    const ready = this.takeSpilled();
    if (this.keep(span, node)) this.resolveOrDefer(trace, span, node, ready);
    else if (node.parentId === undefined) node.rootSpan = span;
    if (node.parentId === undefined) trace.rootEnded = true;
    // This span's link may complete the chain of spans held back.
    if (trace.deferred.length > 0) this.retryDeferred(trace, ready, trace.rootEnded);
    // Without span starts a late (fire-and-forget) descendant cannot be ruled out: the trace stays
    // until it is idle for traceTtlMs or evicted.
    if (trace.sawStarts && trace.rootEnded && trace.open === 0 && trace.deferred.length === 0 && !this.awaitsWanted(trace)) this.traces.delete(traceId);
    return ready;
  }

  /** Time passed: held spans past their deadline go out with the best parent known; idle traces are dropped. */
  tick(): ReadySpan[] {
    const now = this.now();
    const ready = this.takeSpilled();
    for (const [traceId, trace] of this.traces) {
      if (trace.deferred.some((d) => d.deadline <= now)) this.retryDeferred(trace, ready, false, now);
      if (now - trace.touchedAt > this.options.traceTtlMs) {
        this.retryDeferred(trace, ready, true);
        this.traces.delete(traceId);
      }
    }
    return ready;
  }

  /** Shutdown: everything held goes out now. */
  drain(): ReadySpan[] {
    const ready = this.takeSpilled();
    for (const trace of this.traces.values()) this.retryDeferred(trace, ready, true);
    this.traces.clear();
    return ready;
  }

  private keep(span: ExportableSpan, node: SpanNode): boolean {
    if (node.wanted) return true;
    const filter = this.options.filter;
    if (typeof filter === 'function') {
      let verdict: boolean | null | undefined;
      try {
        verdict = filter(span);
      } catch {
        verdict = undefined; // A throwing user filter falls back to the default rule.
      }
      if (verdict === true || verdict === false) return verdict;
    }
    return node.ai;
  }

  private resolveOrDefer(trace: TraceState, span: ExportableSpan, node: SpanNode, ready: ReadySpan[]): void {
    const resolution = this.resolveParent(trace, node, ready);
    if ('unknown' in resolution) {
      trace.deferred.push({ span, node, deadline: this.now() + this.options.deferMs });
      return;
    }
    node.exported = true;
    ready.push({ span, parentSpanId: resolution.parentSpanId });
  }

  /**
   * Walks up to the nearest ancestor that is, or will be, exported: one already exported, a running
   * span that describes AI work or is wanted, or the local root. Marks it wanted. Ended ancestors that
   * were left out are skipped over.
   */
  private resolveParent(trace: TraceState, node: SpanNode, ready: ReadySpan[]): Resolution {
    let id = node.parentId;
    while (id !== undefined) {
      const ancestor = trace.nodes.get(id);
      if (!ancestor) return { unknown: id };
      if (ancestor.exported) return { parentSpanId: id };
      if (ancestor.parentId === undefined) {
        if (ancestor.ended) {
          // A root that ended before this descendant (fire-and-forget work): export it late.
          if (!ancestor.rootSpan) return { parentSpanId: undefined };
          ancestor.exported = true;
          ready.push({ span: ancestor.rootSpan, parentSpanId: undefined });
          ancestor.rootSpan = undefined;
        } else ancestor.wanted = true;
        return { parentSpanId: id };
      }
      if (!ancestor.ended && (ancestor.ai || ancestor.wanted)) {
        ancestor.wanted = true;
        return { parentSpanId: id };
      }
      id = ancestor.parentId;
    }
    return { parentSpanId: undefined };
  }

  /**
   * Re-resolves held spans. With `force`, a chain that is still broken ends at the root: the span is
   * exported as a root of its own rather than under a parent that may never be exported.
   */
  private retryDeferred(trace: TraceState, ready: ReadySpan[], force: boolean, now?: number): void {
    const still: Deferred[] = [];
    for (const held of trace.deferred) {
      const resolution = this.resolveParent(trace, held.node, ready);
      if (!('unknown' in resolution)) {
        held.node.exported = true;
        ready.push({ span: held.span, parentSpanId: resolution.parentSpanId });
      } else if (force || (now !== undefined && held.deadline <= now)) {
        held.node.exported = true;
        ready.push({ span: held.span, parentSpanId: undefined });
      } else still.push(held);
    }
    trace.deferred = still;
  }

  /** A running span is wanted by an exported descendant: keep the trace until it ends. */
  private awaitsWanted(trace: TraceState): boolean {
    for (const node of trace.nodes.values()) if (node.wanted && !node.ended) return true;
    return false;
  }

  private trace(traceId: string): TraceState {
    let trace = this.traces.get(traceId);
    if (trace) {
      trace.touchedAt = this.now();
      return trace;
    }
    if (this.traces.size >= this.options.maxTraces) this.evictOldest();
    trace = { nodes: new Map(), deferred: [], open: 0, sawStarts: false, rootEnded: false, touchedAt: this.now() };
    this.traces.set(traceId, trace);
    return trace;
  }

  /** The least recently created trace goes; whatever it held is exported with the parents known. */
  private evictOldest(): void {
    const oldest = this.traces.entries().next();
    if (oldest.done) return;
    this.retryDeferred(oldest.value[1], this.spilled, true);
    this.traces.delete(oldest.value[0]);
  }

  private takeSpilled(): ReadySpan[] {
    if (this.spilled.length === 0) return [];
    const out = this.spilled;
    this.spilled = [];
    return out;
  }
}

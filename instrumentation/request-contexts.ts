/**
 * Attribution per trace: what each source says about who is asking (the app's `setLlmContext`,
 * headers, the served request's body, baggage), so that a gateway request's server span and every
 * LLM span below it carry the same user, session, plan and metadata. Keyed by trace id; entries end
 * with their served request's span, and their number is bounded (traces without a served request,
 * e.g. a worker calling `setLlmContext`, are forgotten oldest first).
 */
import type { Span } from '@opentelemetry/api';
import { mergeContexts, type LlmContext } from '../src/attribution';
import type { LlmExchange } from '../src/exchange';

const MAX_TRACES = 10_000;

interface TraceAttribution {
  /** From `setLlmContext`, later calls winning. */
  api?: LlmContext;
  headers?: LlmContext;
  baggage?: LlmContext;
  /** The served request's exchange: its body names the user/session once complete. */
  served?: { exchange: LlmExchange; bodyComplete: () => boolean };
  /** The served request's span, to update when `setLlmContext` is called. */
  serverSpan?: Span;
  /**
   * What the gateway's upstream LLM call named (e.g. `user` set from the authenticated client): the
   * last resort for the served request, whose client may not name itself.
   */
  upstream?: LlmContext;
}

export class RequestContexts {
  private readonly byTrace = new Map<string, TraceAttribution>();

  /** A served request began (server capture): its headers, baggage and body are sources. */
  addServedRequest(traceId: string, serverSpan: Span, sources: { headers: LlmContext; baggage: LlmContext; exchange: LlmExchange; bodyComplete: () => boolean }): void {
    const entry = this.entry(traceId);
    entry.serverSpan = serverSpan;
    entry.headers = sources.headers;
    entry.baggage = sources.baggage;
    entry.served = { exchange: sources.exchange, bodyComplete: sources.bodyComplete };
  }

  /** `setLlmContext`: merged over earlier calls. Returns the served request's span to update now, if any. */
  setApi(traceId: string, ctx: LlmContext): Span | undefined {
    const entry = this.entry(traceId);
    entry.api = mergeContexts(ctx, entry.api);
    return entry.serverSpan;
  }

  /** An upstream LLM call of a served request's trace named a user/session in its own body. */
  noteUpstream(traceId: string, ctx: LlmContext): void {
    const entry = this.byTrace.get(traceId);
    if (entry?.served) entry.upstream = mergeContexts(entry.upstream, ctx);
  }

  /**
   * The attribution for a span of this trace, `own` being what its own request body says (lowest but
   * baggage): api > headers > the served request's body > own body > baggage > what its upstream
   * call named.
   */
  resolve(traceId: string, own: LlmContext | undefined): LlmContext | undefined {
    const entry = this.byTrace.get(traceId);
    if (!entry) return own;
    let served: LlmContext | undefined;
    if (entry.served?.bodyComplete()) {
      const request = entry.served.exchange.request();
      if (request) served = { userId: request.userId, sessionId: request.sessionId };
    }
    return mergeContexts(entry.api, entry.headers, served, own, entry.baggage, entry.upstream);
  }

  /** The exchange of the request this process serves in this trace, if any. */
  servedExchange(traceId: string): LlmExchange | undefined {
    return this.byTrace.get(traceId)?.served?.exchange;
  }

  /** The served request's span ended. */
  end(traceId: string, span: Span): void {
    if (this.byTrace.get(traceId)?.serverSpan === span) this.byTrace.delete(traceId);
  }

  private entry(traceId: string): TraceAttribution {
    let entry = this.byTrace.get(traceId);
    if (!entry) {
      if (this.byTrace.size >= MAX_TRACES) this.byTrace.delete(this.byTrace.keys().next().value!);
      entry = {};
      this.byTrace.set(traceId, entry);
    }
    return entry;
  }
}

/**
 * `BraintrustSpanExporter`: a standard OpenTelemetry `SpanExporter` (structural: it fits the 2.x and
 * 3.x lines) that turns ended spans into Braintrust log records and delivers them: to Braintrust's
 * REST API with an API key, to a local JSONL file without one.
 *
 *   spans ─► SpanTree (filter, re-parent) ─► spanToRecord ─► RecordGroups (JSON, size cap) ─► Delivery ─► Transport
 *
 * `export()` only translates and queues: it calls back at once and never throws; delivery (batching,
 * retries, bounded memory) runs in the background. Use it inside any span processor
 * (`new BatchSpanProcessor(new BraintrustSpanExporter())`), or use `BraintrustSpanProcessor`, which
 * also sees span starts and so re-parents without holding spans back.
 */
import { diag } from '@opentelemetry/api';
import { Delivery } from './delivery/delivery';
import { FileTransport } from './delivery/file-transport';
import { HttpTransport } from './delivery/http-transport';
import { SdkTransport, type SdkLoader } from './delivery/sdk-transport';
import type { Transport } from './delivery/transport';
import { resolveExporterOptions, type BraintrustExporterOptions, type ResolvedExporterOptions } from './options';
import type { ExportableSpan } from './record';
import { RecordGroups } from './record-groups';
import { spanToRecord } from './span-to-record';
import { SpanTree, type ReadySpan } from './span-tree';

/** `ExportResultCode.SUCCESS` of `@opentelemetry/core`. */
const SUCCESS = 0;

export class BraintrustSpanExporter {
  /** Where records go, for start-up lines: `Braintrust project "x" at …` or `local file …`. */
  readonly description: string;
  private readonly resolved: ResolvedExporterOptions;
  private readonly tree: SpanTree;
  private readonly delivery: Delivery;
  private readonly groups: RecordGroups;
  private ticker: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(options: BraintrustExporterOptions = {}) {
    this.resolved = resolveExporterOptions(options);
    const { settings, filter } = this.resolved;
    const transport = createTransport(this.resolved);
    this.description = transport.description;
    this.tree = new SpanTree({ filter, deferMs: settings.deferMs, traceTtlMs: settings.traceTtlMs, maxTraces: settings.maxTraces, maxNodesPerTrace: settings.maxNodesPerTrace });
    this.delivery = new Delivery(transport, settings, this.resolved.log);
    const delivery = this.delivery;
    this.groups = new RecordGroups(
      { maxRecordBytes: settings.maxRecordBytes, maxGroupLength: delivery.batchBytes, maxGroupRecords: transport.acceptsJoinedRecords ? settings.maxBatchRecords : 1 },
      (json, count) => delivery.enqueue(json, count),
    );
  }

  /** SpanExporter. Calls back exactly once, at once; never throws. */
  export(spans: readonly ExportableSpan[], resultCallback: (result: { code: number; error?: Error }) => void): void {
    try {
      if (!this.stopped) {
        // One write for the whole call, so its records are serialised in groups.
        const ready: ReadySpan[] = [];
        for (const span of spans) for (const one of this.tree.onEnd(span)) ready.push(one);
        this.write(ready);
      }
      this.startTicker();
    } catch (err) {
      diag.debug(`otel-genai-braintrust: export failed: ${(err as Error).message}`);
    }
    resultCallback({ code: SUCCESS });
  }

  /** SpanExporter: delivers everything queued, within the flush timeout. Never rejects. */
  async forceFlush(): Promise<void> {
    this.write(this.tree.tick());
    await this.delivery.flush(this.resolved.flushTimeoutMs);
  }

  /** SpanExporter: delivers what it can within the flush timeout, then stops. Never rejects. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    this.write(this.tree.drain());
    await this.delivery.shutdown(this.resolved.flushTimeoutMs);
  }

  /** The settings in effect (options over environment over `otel.config.ts`). */
  get settings(): ResolvedExporterOptions['settings'] {
    return this.resolved.settings;
  }

  /** Delivery counters (sent, retries, dropped by reason). */
  get stats(): Delivery['stats'] {
    return this.delivery.stats;
  }

  /** @internal From `BraintrustSpanProcessor.onStart`: makes re-parenting exact without holding spans back. */
  noteStart(span: ExportableSpan): void {
    if (!this.stopped) this.tree.onStart(span);
  }

  /** @internal From `BraintrustSpanProcessor.forgetTrace`: a trace sampling dropped. */
  forgetTrace(traceId: string): void {
    this.tree.forget(traceId);
  }

  /** @internal From `BraintrustSpanProcessor.onEnd`: which spans are ready to become records. */
  noteEnd(span: ExportableSpan): ReadySpan[] {
    return this.stopped ? [] : this.tree.onEnd(span);
  }

  /** @internal Translates, serialises (size-capped) and queues ready spans. */
  write(ready: readonly ReadySpan[]): void {
    const { environment, estimateCost, redactor } = this.resolved;
    for (const { span, parentSpanId } of ready) {
      try {
        // Redacted before translation (attributes and events) and after (the record's input, output, metadata).
        const record = spanToRecord(redactor ? redactor.span(span) : span, { parentSpanId, environment, estimateCost });
        this.groups.add(redactor ? redactor.record(record) : record);
      } catch (err) {
        diag.debug(`otel-genai-braintrust: could not translate span ${span.name}: ${(err as Error).message}`);
      }
    }
    this.groups.flush();
  }

  /** @internal Counts spans lost before translation (the processor's buffer was full). */
  dropped(count: number): void {
    this.delivery.recordDropped('queue full', count);
  }

  /** Held spans whose deadline passed go out even when no new span arrives. */
  private startTicker(): void {
    if (this.ticker || this.resolved.filter === 'all') return;
    const every = Math.max(1000, Math.min(this.resolved.settings.deferMs, 10_000));
    this.ticker = setInterval(() => {
      try {
        this.write(this.tree.tick());
      } catch (err) {
        diag.debug(`otel-genai-braintrust: tick failed: ${(err as Error).message}`);
      }
    }, every);
    this.ticker.unref();
  }
}

/** @internal Exported for tests, which pass a `loadSdk` that fails. */
export function createTransport(resolved: ResolvedExporterOptions, loadSdk?: SdkLoader): Transport {
  const { destination, settings } = resolved;
  if (destination.kind === 'file') return new FileTransport(destination.path);
  if (destination.via === 'sdk') {
    try {
      const { apiKey, appUrl, project } = destination;
      return new SdkTransport({ apiKey, appUrl, project, requestTimeoutMs: settings.requestTimeoutMs, closeTimeoutMs: resolved.flushTimeoutMs, log: resolved.log }, loadSdk);
    } catch (err) {
      // The package is optional: without it, the same records still reach Braintrust over REST.
      resolved.log('error', `${(err as Error).message}; using the REST API`);
    }
  }
  return new HttpTransport({ apiKey: destination.apiKey, apiUrl: destination.apiUrl, project: destination.project, requestTimeoutMs: settings.requestTimeoutMs });
}

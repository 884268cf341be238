/**
 * `BraintrustSpanProcessor`: the convenient way in. AI-span filtering, exact re-parenting (it sees
 * span starts, so no span waits for its ancestors), batching and delivery in one span processor:
 *
 *   new NodeSDK({ spanProcessors: [new BraintrustSpanProcessor({ project: 'my-app' })] })
 *
 * `onEnd` runs inside `span.end()` on the app's path: it only records the span and schedules
 * translation for the next turn of the event loop.
 */
import { diag } from '@opentelemetry/api';
import { BraintrustSpanExporter } from './braintrust-exporter';
import type { BraintrustExporterOptions } from './options';
import type { ExportableSpan } from './record';
import type { ReadySpan } from './span-tree';

export class BraintrustSpanProcessor {
  readonly exporter: BraintrustSpanExporter;
  private pending: ReadySpan[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(options: BraintrustExporterOptions = {}) {
    this.exporter = new BraintrustSpanExporter(options);
  }

  onStart(span: unknown): void {
    try {
      this.exporter.noteStart(span as ExportableSpan);
    } catch (err) {
      diag.debug(`otel-genai-braintrust: onStart failed: ${(err as Error).message}`);
    }
  }

  onEnd(span: unknown): void {
    try {
      const ready = this.exporter.noteEnd(span as ExportableSpan);
      if (ready.length === 0) return;
      const room = this.exporter.settings.maxPendingSpans - this.pending.length;
      if (room < ready.length) this.exporter.dropped(ready.length - Math.max(0, room));
      if (room > 0) this.pending.push(...ready.slice(0, room));
      this.scheduled ??= setImmediate(() => this.translatePending());
    } catch (err) {
      diag.debug(`otel-genai-braintrust: onEnd failed: ${(err as Error).message}`);
    }
  }

  /** From outcome-aware sampling: this trace was dropped; its span starts need not be remembered. */
  forgetTrace(traceId: string): void {
    this.exporter.forgetTrace(traceId);
  }

  async forceFlush(): Promise<void> {
    this.translatePending();
    await this.exporter.forceFlush();
  }

  async shutdown(): Promise<void> {
    this.translatePending();
    await this.exporter.shutdown();
  }

  private translatePending(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.pending;
    this.pending = [];
    this.exporter.write(batch);
  }
}

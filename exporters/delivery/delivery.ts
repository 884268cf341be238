/**
 * Reliable, bounded delivery of serialised records through a `Transport`: batches bounded by count
 * and bytes, one request in flight, retries with backoff within a deadline, and nothing that can
 * block or throw into the app. Records dropped (queue full, undeliverable, key rejected, shutdown)
 * are counted and reported in one warning per interval, never one line per record.
 */
import { oneRecordPerEntry, recordCount, RecordQueue, type QueuedRecords } from './record-queue';
import { retryDelayMs } from './retry';
import type { SendResult, Transport } from './transport';

export interface DeliveryOptions {
  maxQueueBytes: number;
  maxBatchRecords: number;
  maxBatchBytes: number;
  flushIntervalMs: number;
  /** A batch is given up this long after its first attempt. */
  retryDeadlineMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** At most one drop warning per this interval. */
  warnIntervalMs: number;
}

export type LogFn = (level: 'warn' | 'error', message: string) => void;

export interface DeliveryStats {
  sent: number;
  retries: number;
  dropped: Record<DropReason, number>;
}

export type DropReason = 'queue full' | 'undeliverable' | 'key rejected' | 'shutdown';

export class Delivery {
  readonly stats: DeliveryStats = { sent: 0, retries: 0, dropped: { 'queue full': 0, undeliverable: 0, 'key rejected': 0, shutdown: 0 } };
  private readonly queue: RecordQueue;
  private pumping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private keyRejected = false;
  /** Set during shutdown: nothing is sent or waited for past it. */
  private hardDeadline = Infinity;
  /** Ends the current retry wait early (shutdown). */
  private wake: (() => void) | undefined;
  /**
   * Memory held by the batch being sent, counted against `maxQueueBytes`: its records, and the request
   * body built from them (text and bytes) while a request is out.
   */
  private inFlightBytes = 0;
  /** The most bytes a batch holds (and so the largest entry worth queuing whole). */
  readonly batchBytes: number;
  private unreported: Partial<Record<DropReason, number>> = {};
  private lastError: string | undefined;
  private lastWarnAt = -Infinity;

  constructor(
    private readonly transport: Transport,
    private readonly options: DeliveryOptions,
    private readonly log: LogFn,
    private readonly now: () => number = Date.now,
  ) {
    // The bound covers the batch in flight too (IN_FLIGHT_COPIES of it): batches are at most a quarter
    // of the bound, and the queue leaves room for the extra copies a batch becomes when it is sent.
    this.batchBytes = Math.max(1, Math.min(options.maxBatchBytes, Math.floor(options.maxQueueBytes / 4)));
    this.queue = new RecordQueue(options.maxQueueBytes - (IN_FLIGHT_COPIES - 1) * this.batchBytes);
  }

  get queuedRecords(): number {
    return this.queue.length;
  }

  get queuedBytes(): number {
    return this.queue.bytes;
  }

  /** Everything counted against `maxQueueBytes`: queued records and the batch in flight. */
  get heldBytes(): number {
    return this.queue.bytes + this.inFlightBytes;
  }

  /**
   * Queues one record's JSON for sending, or `count` records' texts joined by commas (when the transport
   * `acceptsJoinedRecords`); they are kept or dropped together. Cheap; never throws.
   */
  enqueue(json: string, count = 1): void {
    if (this.keyRejected) {
      this.dropped('key rejected', count);
      return;
    }
    if (!this.queue.push(json, count, this.inFlightBytes)) this.dropped('queue full', this.queue.takeDropped());
    if (this.queue.length >= this.options.maxBatchRecords || this.queue.bytes >= this.batchBytes) this.startPump();
    else this.timer ??= unref(setTimeout(() => this.startPump(), this.options.flushIntervalMs));
  }

  /** Sends everything queued so far; resolves when it is sent or given up, or when `timeoutMs` passes. */
  async flush(timeoutMs: number): Promise<void> {
    const until = this.now() + timeoutMs;
    while ((this.queue.length > 0 || this.pumping) && this.now() < until) {
      await within(this.startPump(), Math.max(0, until - this.now()), this.hardDeadline !== Infinity);
    }
    this.reportDrops(true);
  }

  /**
   * Flushes within `timeoutMs`, then drops (and reports) whatever is left. A request still in flight
   * at the deadline is not waited for; its records are counted when it settles.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.hardDeadline = this.now() + timeoutMs;
    // A retry wait begun before shutdown does not keep the process alive: end it, so the retry
    // happens now and any further wait does (e.g. under `beforeExit`, nothing else may be pending).
    this.wake?.();
    await this.flush(timeoutMs);
    // A batch waiting to retry gives up now rather than at its own deadline.
    this.wake?.();
    if (this.pumping) await within(this.pumping, SHUTDOWN_GRACE_MS, true);
    const left = this.queue.clear();
    if (left > 0) this.dropped('shutdown', left);
    this.reportDrops(true);
    if (this.timer) clearTimeout(this.timer);
    await this.transport.close?.();
  }

  private startPump(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    return (this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
    }));
  }

  private async pump(): Promise<void> {
    // Let the enqueueing call return first: sending never runs on the app's stack.
    await Promise.resolve();
    while (this.queue.length > 0 && !this.keyRejected && this.now() < this.hardDeadline) {
      const batch = this.queue.take(this.options.maxBatchRecords, this.batchBytes);
      this.inFlightBytes = IN_FLIGHT_COPIES * batch.reduce((sum, entry) => sum + entry.json.length, 0);
      try {
        await this.sendWithRetries(batch);
      } catch (err) {
        // Transports never throw; if one does, the batch is lost but delivery goes on.
        this.lastError = (err as Error)?.message ?? String(err);
        this.dropped('undeliverable', recordCount(batch));
      } finally {
        this.inFlightBytes = 0;
      }
    }
  }

  private async sendWithRetries(batch: QueuedRecords[]): Promise<void> {
    const deadline = this.now() + this.options.retryDeadlineMs;
    const count = recordCount(batch);
    const texts = batch.map((entry) => entry.json);
    for (let attempt = 0; ; attempt++) {
      if (this.now() >= this.hardDeadline) return this.dropped('shutdown', count);
      const result: SendResult = await this.transport.send(texts);
      if (result.ok) {
        this.stats.sent += count;
        return;
      }
      this.lastError = result.message;
      if (result.status === 401 || result.status === 403) return this.rejectKey(result, count);
      if (result.status === 413 && count > 1) {
        // Too large for the server: halve until it fits (a lone record too large is dropped below).
        // Records serialised in groups are split apart first (a copy, within IN_FLIGHT_COPIES: no
        // body exists while it is made).
        const records = oneRecordPerEntry(batch);
        const half = Math.ceil(records.length / 2);
        await this.sendWithRetries(records.slice(0, half));
        await this.sendWithRetries(records.slice(half));
        return;
      }
      if (!result.retryable) return this.dropped('undeliverable', count);
      const delay = retryDelayMs(attempt, result.retryAfter, { baseMs: this.options.retryBaseMs, maxMs: this.options.retryMaxMs });
      if (this.now() + delay > this.hardDeadline) return this.dropped('shutdown', count);
      if (this.now() + delay > deadline) return this.dropped('undeliverable', count);
      this.stats.retries++;
      await this.pause(delay);
    }
  }

  /**
   * A wait that `wake()` ends early. It keeps the process alive only during shutdown, when the flush
   * is what the process waits for (`beforeExit` would otherwise end it mid-retry).
   */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (this.hardDeadline === Infinity) timer.unref();
      this.wake = done;
    });
  }

  private rejectKey(result: SendResult & { ok: false }, count: number): void {
    this.keyRejected = true;
    this.log('error', `BRAINTRUST_API_KEY was rejected (HTTP ${result.status}); no records will be sent until the key is fixed and the process restarted`);
    this.stats.dropped['key rejected'] += count + this.queue.length;
    this.queue.clear();
  }

  /** Counts records lost before they reached the queue (e.g. a full span buffer upstream). */
  recordDropped(reason: DropReason, count: number): void {
    this.dropped(reason, count);
  }

  private dropped(reason: DropReason, count: number): void {
    if (count <= 0) return;
    this.stats.dropped[reason] += count;
    if (reason === 'key rejected') return; // Said once, in rejectKey.
    this.unreported[reason] = (this.unreported[reason] ?? 0) + count;
    this.reportDrops(false);
  }

  private reportDrops(force: boolean): void {
    const entries = Object.entries(this.unreported).filter(([, n]) => n > 0);
    if (entries.length === 0) return;
    if (!force && this.now() - this.lastWarnAt < this.options.warnIntervalMs) return;
    this.lastWarnAt = this.now();
    const total = entries.reduce((sum, [, n]) => sum + n, 0);
    const reasons = entries.map(([reason, n]) => `${n} ${reason}`).join(', ');
    this.log('warn', `dropped ${total} record${total === 1 ? '' : 's'} (${reasons})${this.lastError ? `; last error: ${this.lastError}` : ''}`);
    this.unreported = {};
  }
}

/** A batch in flight exists as its records, the request body text and that text's bytes. */
const IN_FLIGHT_COPIES = 3;

/** How long shutdown waits, past its deadline, for a woken batch to be counted. */
const SHUTDOWN_GRACE_MS = 50;

/**
 * Waits for `work`, at most `ms`. The timer is cleared as soon as `work` settles (a pending timer would
 * hold the process open for nothing); it keeps the process alive only when asked to (shutdown).
 */
async function within(work: Promise<void>, ms: number, keepAlive: boolean): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    if (!keepAlive) timer.unref();
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Our timers never keep the process alive; shutdown flushes explicitly. */
function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}

/**
 * Serialised records waiting to be sent, bounded by bytes (records vary from 1 KB to the record cap,
 * so a count alone would not bound memory). When full, new records are dropped and counted: the
 * app's memory matters more than the newest telemetry.
 */
export class RecordQueue {
  private items: string[] = [];
  private head = 0;
  private queuedBytes = 0;
  /** Dropped because the queue was full, since the last `takeDropped()`. */
  private droppedFull = 0;

  constructor(private readonly maxBytes: number) {}

  get bytes(): number {
    return this.queuedBytes;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /**
   * Adds a record's JSON; false (and counted) when it does not fit beside `reservedBytes` (memory the
   * caller holds outside the queue for the same bound, e.g. a batch being sent).
   */
  push(json: string, reservedBytes = 0): boolean {
    // JSON text of our records is mostly ASCII: length is the byte size to within the multibyte share.
    const size = json.length;
    if (this.queuedBytes + reservedBytes + size > this.maxBytes) {
      this.droppedFull++;
      return false;
    }
    this.items.push(json);
    this.queuedBytes += size;
    return true;
  }

  /** Up to `maxCount` records and `maxBytes` bytes (at least one record, whatever its size). */
  take(maxCount: number, maxBytes: number): string[] {
    const batch: string[] = [];
    let bytes = 0;
    while (this.head < this.items.length && batch.length < maxCount) {
      const next = this.items[this.head]!;
      if (batch.length > 0 && bytes + next.length > maxBytes) break;
      batch.push(next);
      bytes += next.length;
      this.head++;
    }
    this.queuedBytes -= bytes;
    // Compact now and then, so taking from the front stays O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /** Everything still queued (shutdown accounting). */
  clear(): number {
    const n = this.length;
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
    return n;
  }

  takeDropped(): number {
    const n = this.droppedFull;
    this.droppedFull = 0;
    return n;
  }
}

/**
 * Serialised records waiting to be sent, bounded by bytes (records vary from 1 KB to the record cap,
 * so a count alone would not bound memory). When full, new records are dropped and counted: the
 * app's memory matters more than the newest telemetry.
 *
 * An entry is one record's JSON text, or several records' texts joined by commas (serialised as one
 * group: see record-groups.ts); it is queued, batched, sent and dropped whole.
 */
export interface QueuedRecords {
  json: string;
  /** How many records `json` holds. */
  count: number;
}

export class RecordQueue {
  /** Entries from `head` on; the slots before it are emptied as they are taken. */
  private items: Array<QueuedRecords | undefined> = [];
  private head = 0;
  private queuedBytes = 0;
  private queuedRecords = 0;
  /** Records dropped because the queue was full, since the last `takeDropped()`. */
  private droppedFull = 0;

  constructor(private readonly maxBytes: number) {}

  get bytes(): number {
    return this.queuedBytes;
  }

  /** Records queued (not entries). */
  get length(): number {
    return this.queuedRecords;
  }

  /**
   * Adds an entry; false (and its records counted) when it does not fit beside `reservedBytes` (memory
   * the caller holds outside the queue for the same bound, e.g. a batch being sent).
   */
  push(json: string, count = 1, reservedBytes = 0): boolean {
    // JSON text of our records is mostly ASCII: length is the byte size to within the multibyte share.
    const size = json.length;
    if (this.queuedBytes + reservedBytes + size > this.maxBytes) {
      this.droppedFull += count;
      return false;
    }
    this.items.push({ json, count });
    this.queuedBytes += size;
    this.queuedRecords += count;
    return true;
  }

  /** Entries of up to `maxCount` records and `maxBytes` bytes in all (at least one entry, whatever its size). */
  take(maxCount: number, maxBytes: number): QueuedRecords[] {
    const batch: QueuedRecords[] = [];
    let bytes = 0;
    let records = 0;
    while (this.head < this.items.length) {
      const next = this.items[this.head]!;
      if (batch.length > 0 && (bytes + next.json.length > maxBytes || records + next.count > maxCount)) break;
      batch.push(next);
      bytes += next.json.length;
      records += next.count;
      // Taken entries must not stay reachable from here until the next compaction: that would hold
      // their text in memory past the sending of it, outside the byte bound.
      this.items[this.head++] = undefined;
    }
    this.queuedBytes -= bytes;
    this.queuedRecords -= records;
    // Compact now and then, so taking from the front stays O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /** Drops everything still queued; returns how many records that was (shutdown accounting). */
  clear(): number {
    const n = this.queuedRecords;
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.queuedRecords = 0;
    return n;
  }

  takeDropped(): number {
    const n = this.droppedFull;
    this.droppedFull = 0;
    return n;
  }
}

/** How many records entries hold. */
export function recordCount(entries: readonly QueuedRecords[]): number {
  let n = 0;
  for (const entry of entries) n += entry.count;
  return n;
}

/**
 * Entries as one entry per record (to split a batch the server found too large). Each record's text is
 * exactly what serialising it alone gives: JSON.stringify's output is canonical (no spaces, one way to
 * escape each character, shortest round-trip numbers, keys in the order parsing recreates), so parsing
 * it and serialising again reproduces it byte for byte.
 */
export function oneRecordPerEntry(entries: readonly QueuedRecords[]): QueuedRecords[] {
  const out: QueuedRecords[] = [];
  for (const entry of entries) {
    if (entry.count === 1) out.push(entry);
    else for (const record of JSON.parse(`[${entry.json}]`) as unknown[]) out.push({ json: JSON.stringify(record), count: 1 });
  }
  return out;
}

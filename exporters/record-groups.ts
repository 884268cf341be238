/**
 * Records are serialised in groups: one `JSON.stringify` of a few dozen records costs less per record
 * than one call each (V8's fixed cost per call and per result string, and its string builder's small
 * first parts), and allocates less for the GC. The group's text, without its brackets, is one queue
 * entry: the REST body joins entries with commas anyway.
 *
 * The size cap (record-size.ts) still holds exactly for every record: a group whose whole text is
 * within the cap proves that each of its records is, so each record's part of the text is exactly what
 * `serializeRecord` would return for it alone. Groups are sized from a cheap estimate to a quarter of
 * the cap (and at most GROUP_LENGTH), so that proof almost never fails; a record estimated that large
 * by itself, a group that fails the proof and a group that cannot be serialised (e.g. a cyclic value)
 * go through `serializeRecord` record by record, as every record did before.
 */
import { diag } from '@opentelemetry/api';
import type { BraintrustRecord } from './record';
import { serializeRecord } from './record-size';

export interface GroupLimits {
  /** The record size cap (bytes of JSON). */
  maxRecordBytes: number;
  /** The longest entry worth queuing: a batch's size, in the UTF-16 units the queue counts. */
  maxGroupLength: number;
  /** At most this many records per group; 1 serialises every record alone. */
  maxGroupRecords: number;
}

/** Receives each serialised entry: one record's JSON, or `count` records' JSON joined by commas. */
export type EmitFn = (json: string, count: number) => void;

/**
 * A group's target JSON length. V8 allocates strings over 128 KB one by one in their own pages outside
 * the young generation, which costs more (about 2 µs per record in our benchmark) than a smaller
 * group's text costs the young generation.
 */
const GROUP_LENGTH = 64 * 1024;

export class RecordGroups {
  private records: BraintrustRecord[] = [];
  /** The group's estimated JSON length so far. */
  private estimate = 0;
  private readonly target: number;

  constructor(
    private readonly limits: GroupLimits,
    private readonly emit: EmitFn,
  ) {
    this.target = Math.min(GROUP_LENGTH, limits.maxRecordBytes / 4, limits.maxGroupLength / 4);
  }

  /** Adds a record to the current group; a full group is serialised first. */
  add(record: BraintrustRecord): void {
    if (this.limits.maxGroupRecords <= 1) return this.emitAlone(record);
    const estimate = estimateJsonLength(record);
    if (estimate > this.target) {
      // Large enough to be worth its own call (and maybe over the cap): alone, after the group so far.
      this.flush();
      return this.emitAlone(record);
    }
    if (this.records.length >= this.limits.maxGroupRecords || this.estimate + estimate > this.target) this.flush();
    this.records.push(record);
    this.estimate += estimate;
  }

  /** Serialises the current group. */
  flush(): void {
    const records = this.records;
    if (records.length === 0) return;
    this.records = [];
    this.estimate = 0;
    if (records.length === 1) return this.emitAlone(records[0]!);
    let text: string | undefined;
    try {
      text = JSON.stringify(records);
    } catch {
      // A record that cannot be serialised: the others still go, one by one below.
    }
    if (text !== undefined && this.fits(text)) this.emit(text.slice(1, -1), records.length);
    else for (const record of records) this.emitAlone(record);
  }

  /** `[…]`'s inside is no longer than a batch, nor than the record cap (so neither is any record in it). */
  private fits(text: string): boolean {
    const length = text.length - 2;
    if (length > this.limits.maxGroupLength) return false;
    // A UTF-16 unit is at most 3 UTF-8 bytes, so a short text needs no byte count.
    return length * 3 <= this.limits.maxRecordBytes || Buffer.byteLength(text) - 2 <= this.limits.maxRecordBytes;
  }

  private emitAlone(record: BraintrustRecord): void {
    let json: string;
    try {
      json = serializeRecord(record, this.limits.maxRecordBytes);
    } catch (err) {
      diag.debug(`otel-genai-braintrust: could not serialise the record of span ${record.span_attributes.name}: ${(err as Error).message}`);
      return;
    }
    this.emit(json, 1);
  }
}

/** Past this many values or this depth, a record counts as too large to group (this also ends a cyclic walk). */
const MAX_ESTIMATED_VALUES = 10_000;
const MAX_ESTIMATED_DEPTH = 64;

/**
 * About the length of `JSON.stringify(value)`, cheaply: strings and keys at their length (escapes not
 * counted), 8 for any other value. Only sizes groups: whether a group fits is decided by its real text.
 */
export function estimateJsonLength(value: unknown): number {
  const walk = { valuesLeft: MAX_ESTIMATED_VALUES };
  return estimate(value, 0, walk);
}

function estimate(value: unknown, depth: number, walk: { valuesLeft: number }): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value !== 'object' || value === null) return 8;
  if (--walk.valuesLeft < 0 || depth > MAX_ESTIMATED_DEPTH) return Infinity;
  let length = 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) length += estimate(value[i], depth + 1, walk) + 1;
  } else {
    for (const key in value) length += key.length + 4 + estimate((value as Record<string, unknown>)[key], depth + 1, walk);
  }
  return length;
}

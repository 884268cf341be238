/**
 * Reads a JSONL file of Braintrust log records (the exporter's local fallback, `llm-records.jsonl`) as
 * a stream: memory is the current line, so `summary` and `upload` work on files of any size. Lines that
 * are not valid records are reported, with their line number, and skipped; one bad line never stops a read.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { BraintrustRecord, BraintrustSpanType } from '../exporters/record';

/** A skipped line. `line` is 1-based and counts blank lines, as editors and `sed -n <line>p` do. */
export interface BadLine {
  line: number;
  reason: string;
}

type IdField = 'id' | 'span_id' | 'root_span_id';
const ID_FIELDS: readonly IdField[] = ['id', 'span_id', 'root_span_id'];

/**
 * What a valid line guarantees. The three ids are required: without them a record can be neither merged
 * on upload nor placed in a trace. Every other field is type-checked when present but may be absent
 * (hand-written or trimmed files), so consumers must not assume `metrics` or `metadata` exist.
 */
export type FileRecord = Pick<BraintrustRecord, IdField> &
  Partial<Omit<BraintrustRecord, IdField | 'span_attributes'>> & {
    span_attributes?: Partial<BraintrustRecord['span_attributes']>;
  };

/** A callback rather than a returned list, so that a huge, mostly corrupt file cannot fill memory with reports. */
export type OnBadLine = (bad: BadLine) => void;

/**
 * Yields the valid records of the JSONL file at `path`, in order; blank lines are skipped silently, every
 * other invalid line is passed to `onBadLine` and skipped. Reading keeps pace with the consumer: readline
 * pauses the file after a bounded read-ahead (a few chunks), so a slow consumer (an upload waiting on the
 * network) never makes lines pile up in memory. Stopping early (`break`, `return`, a throw in the loop
 * body) closes the file.
 * Rejects with the file system error (`ENOENT`, `EISDIR`, …) if the file cannot be read.
 */
export async function* readRecords(path: string, onBadLine: OnBadLine): AsyncGenerator<FileRecord, void, undefined> {
  const input = createReadStream(path, { encoding: 'utf8' });
  // crlfDelay Infinity: a `\r\n` split across two chunks is one line end, never an extra blank line.
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of lines) {
      line += 1;
      // Editors on Windows may prefix a byte-order mark; it is not part of the JSON.
      const text = line === 1 && raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
      if (text.trim() === '') continue;
      const parsed = parseRecordLine(text);
      if (typeof parsed === 'string') onBadLine({ line, reason: parsed });
      else yield parsed;
    }
  } finally {
    lines.close();
    // readline does not close its input; without this an early `break` would leak the file descriptor.
    input.destroy();
  }
}

/** The record on one line, or why it is not one. */
function parseRecordLine(text: string): FileRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `invalid JSON: ${(error as Error).message}`;
  }
  return recordProblem(value) ?? (value as FileRecord);
}

const SPAN_TYPES: readonly BraintrustSpanType[] = ['llm', 'task', 'function', 'tool'];

/** Why `value` does not fit `FileRecord`, or undefined when it does. Reports the first problem only. */
function recordProblem(value: unknown): string | undefined {
  if (!isObject(value)) return `not a JSON object (got ${kindOf(value)})`;
  for (const field of ID_FIELDS) {
    const id = value[field];
    if (id === undefined) return `missing ${field}`;
    if (typeof id !== 'string' || id === '') return `${field} must be a non-empty string (got ${kindOf(id)})`;
  }
  if (value.span_parents !== undefined && !isStringArray(value.span_parents)) return `span_parents must be an array of strings`;
  if (value.created !== undefined && typeof value.created !== 'string') return `created must be a string (got ${kindOf(value.created)})`;
  if (value.error !== undefined && typeof value.error !== 'string') return `error must be a string (got ${kindOf(value.error)})`;
  if (value.tags !== undefined && !isStringArray(value.tags)) return `tags must be an array of strings`;
  if (value.metadata !== undefined && !isObject(value.metadata)) return `metadata must be an object (got ${kindOf(value.metadata)})`;
  const attributes = value.span_attributes;
  if (attributes !== undefined) {
    if (!isObject(attributes)) return `span_attributes must be an object (got ${kindOf(attributes)})`;
    if (attributes.name !== undefined && typeof attributes.name !== 'string') {
      return `span_attributes.name must be a string (got ${kindOf(attributes.name)})`;
    }
    if (attributes.type !== undefined && !SPAN_TYPES.includes(attributes.type as BraintrustSpanType)) {
      return `span_attributes.type must be one of ${SPAN_TYPES.join(', ')} (got ${JSON.stringify(attributes.type)})`;
    }
  }
  const metrics = value.metrics;
  if (metrics !== undefined) {
    if (!isObject(metrics)) return `metrics must be an object (got ${kindOf(metrics)})`;
    // Every consumer does arithmetic on metrics; a string or null here would silently poison sums.
    for (const [name, metric] of Object.entries(metrics)) {
      if (typeof metric !== 'number') return `metrics.${name} must be a number (got ${kindOf(metric)})`;
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** `typeof`, but telling null and arrays apart from objects, for readable reasons. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

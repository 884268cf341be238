import { oneRecordPerEntry, RecordQueue, type QueuedRecords } from '../../../exporters/delivery/record-queue';
import type { BraintrustRecord } from '../../../exporters/record';
import { estimateJsonLength, RecordGroups, type GroupLimits } from '../../../exporters/record-groups';
import { serializeRecord, TRUNCATION_MARKER } from '../../../exporters/record-size';

function record(id: string, content = 'hello', extra: Partial<BraintrustRecord> = {}): BraintrustRecord {
  return {
    id,
    span_id: id,
    root_span_id: `trace-${id}`,
    span_parents: [],
    created: '2023-11-14T22:13:20.000Z',
    span_attributes: { name: 'chat', type: 'llm' },
    input: [{ role: 'user', content }],
    output: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    metadata: { model: 'gpt-4o-mini', '0': 'an integer-like key', nested: { list: [1, -0, 1e21, 0.1, true, null] } },
    metrics: { start: 1700000000.123456, end: 1700000001.5, prompt_tokens: 10 },
    ...extra,
  };
}

const LIMITS: GroupLimits = { maxRecordBytes: 1024 * 1024, maxGroupLength: 4 * 1024 * 1024, maxGroupRecords: 500 };

/** Serialises `records` through RecordGroups; returns the entries it emitted. */
function serialize(records: BraintrustRecord[], limits: GroupLimits = LIMITS): QueuedRecords[] {
  const entries: QueuedRecords[] = [];
  const groups = new RecordGroups(limits, (json, count) => entries.push({ json, count }));
  for (const r of records) groups.add(r);
  groups.flush();
  return entries;
}

/** What serialising each record alone gives: the texts the grouped entries must hold, byte for byte. */
const alone = (records: BraintrustRecord[], maxBytes = LIMITS.maxRecordBytes) => records.map((r) => serializeRecord(r, maxBytes));

describe('RecordGroups', () => {
  const unusual = ['plain', 'ünïcödé ✓ 漢字 🎉', 'quotes " and \\ backslashes', 'controls \u0000\u0001\n\t\u001f', 'lone surrogates \ud800 x \udfff', '\u2028\u2029'];

  test('records go out as one entry whose text is each record alone, joined by commas, in order', () => {
    const records = unusual.map((content, i) => record(`r${i}`, content));
    const entries = serialize(records);
    expect(entries).toEqual([{ json: alone(records).join(','), count: records.length }]);
    expect(oneRecordPerEntry(entries).map((e) => e.json)).toEqual(alone(records));
  });

  test('at most maxGroupRecords records per entry', () => {
    const records = Array.from({ length: 25 }, (_, i) => record(`r${i}`));
    const entries = serialize(records, { ...LIMITS, maxGroupRecords: 10 });
    expect(entries.map((e) => e.count)).toEqual([10, 10, 5]);
    expect(entries.map((e) => e.json).join(',')).toBe(alone(records).join(','));
  });

  test('maxGroupRecords 1: every record alone (transports that need one text per record)', () => {
    const records = [record('a'), record('b')];
    expect(serialize(records, { ...LIMITS, maxGroupRecords: 1 })).toEqual(alone(records).map((json) => ({ json, count: 1 })));
  });

  test('groups stay near a quarter of the smaller of the cap and the batch size', () => {
    const records = Array.from({ length: 40 }, (_, i) => record(`r${i}`, 'x'.repeat(1000)));
    const entries = serialize(records, { ...LIMITS, maxGroupLength: 40 * 1024 });
    for (const e of entries) expect(e.json.length).toBeLessThanOrEqual(10 * 1024 + 2048);
    expect(entries.length).toBeGreaterThan(1);
    expect(entries.map((e) => e.json).join(',')).toBe(alone(records).join(','));
  });

  test('a record over the cap is capped alone, with the marker, between its neighbours', () => {
    const maxRecordBytes = 8 * 1024;
    const records = [record('a'), record('big', 'y'.repeat(20_000)), record('b')];
    const entries = serialize(records, { ...LIMITS, maxRecordBytes });
    expect(entries.map((e) => e.count)).toEqual([1, 1, 1]);
    expect(entries.map((e) => e.json)).toEqual(alone(records, maxRecordBytes));
    expect(Buffer.byteLength(entries[1]!.json)).toBeLessThanOrEqual(maxRecordBytes);
    expect(entries[1]!.json).toContain(TRUNCATION_MARKER);
  });

  test('a group the estimate misjudged (escapes) that exceeds the cap: each record capped alone, exactly', () => {
    // Control characters take 6 bytes each in JSON; the estimate counts 1.
    const maxRecordBytes = 16 * 1024;
    const records = Array.from({ length: 6 }, (_, i) => record(`r${i}`, i === 0 ? '\u0001'.repeat(1400) : 'ok'));
    expect(estimateJsonLength(records[0]) + estimateJsonLength(records[1])).toBeLessThan(maxRecordBytes / 4);
    expect(Buffer.byteLength(JSON.stringify(records[0]))).toBeGreaterThan(maxRecordBytes);
    const entries = serialize(records, { ...LIMITS, maxRecordBytes });
    expect(oneRecordPerEntry(entries).map((e) => e.json)).toEqual(alone(records, maxRecordBytes));
    const capped = entries.find((e) => e.json.includes(TRUNCATION_MARKER))!;
    expect(capped.count).toBe(1);
    expect(Buffer.byteLength(capped.json)).toBeLessThanOrEqual(maxRecordBytes);
    // Its group was tried whole first: its neighbours in that group went alone too.
    expect(entries.filter((e) => e.count === 1).length).toBeGreaterThan(1);
  });

  test('multibyte text is measured in bytes against the cap', () => {
    const maxRecordBytes = 4 * 1024;
    // 700 three-byte characters per record: each record fits the cap, two of them together do not.
    const records = [record('a', '漢'.repeat(700)), record('b', '漢'.repeat(700))];
    const entries = serialize(records, { ...LIMITS, maxRecordBytes });
    expect(entries.map((e) => e.json)).toEqual(alone(records, maxRecordBytes));
    for (const e of entries) expect(Buffer.byteLength(e.json)).toBeLessThanOrEqual(maxRecordBytes);
  });

  test('a record that cannot be serialised is left out; the rest of its group still goes', () => {
    const cyclic = record('cyclic') as BraintrustRecord & { input: unknown[] };
    cyclic.input.push(cyclic);
    const records = [record('a'), cyclic, record('b')];
    const entries = serialize(records);
    expect(oneRecordPerEntry(entries).map((e) => e.json)).toEqual(alone([records[0]!, records[2]!]));
  });
});

describe('estimateJsonLength', () => {
  test('close to the real length for plain records', () => {
    const r = record('a', 'x'.repeat(2000));
    const real = JSON.stringify(r).length;
    expect(estimateJsonLength(r)).toBeGreaterThan(real * 0.8);
    expect(estimateJsonLength(r)).toBeLessThan(real * 1.5);
  });

  test('a cyclic or huge value ends the walk as Infinity', () => {
    const a: Record<string, unknown> = {};
    a.x = a;
    a.y = a;
    expect(estimateJsonLength(a)).toBe(Infinity);
    expect(estimateJsonLength(Array.from({ length: 20_000 }, () => ({})))).toBe(Infinity);
  });
});

describe('oneRecordPerEntry', () => {
  test('splits joined entries back into exactly the texts of the records alone', () => {
    const records = [record('a', 'ünïcödé \ud800 "q" \u0007'), record('b'), record('c', '\u2028')];
    const texts = alone(records);
    const entries: QueuedRecords[] = [{ json: texts.slice(0, 2).join(','), count: 2 }, { json: texts[2]!, count: 1 }];
    expect(oneRecordPerEntry(entries)).toEqual(texts.map((json) => ({ json, count: 1 })));
  });
});

describe('RecordQueue', () => {
  test('counts records, not entries; takes whole entries within the count and byte bounds', () => {
    const q = new RecordQueue(1000);
    q.push('a,b,c', 3);
    q.push('d', 1);
    q.push('e,f', 2);
    expect(q.length).toBe(6);
    expect(q.bytes).toBe(9);
    expect(q.take(4, 1000)).toEqual([{ json: 'a,b,c', count: 3 }, { json: 'd', count: 1 }]);
    expect(q.take(1, 1000)).toEqual([{ json: 'e,f', count: 2 }]); // at least one entry, whatever its count
    expect(q.length).toBe(0);
    expect(q.bytes).toBe(0);
  });

  test('an entry that does not fit is dropped whole, and each of its records counted', () => {
    const q = new RecordQueue(10);
    expect(q.push('aaaa,bbbb', 2)).toBe(true);
    expect(q.push('cc,dd', 2)).toBe(false);
    expect(q.takeDropped()).toBe(2);
    expect(q.clear()).toBe(2);
  });
});

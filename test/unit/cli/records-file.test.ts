import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRecords, type BadLine, type FileRecord } from '../../../cli/records-file';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'records-file-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
function writeFile(text: string): string {
  const file = path.join(dir, `records-${++fileCount}.jsonl`);
  fs.writeFileSync(file, text);
  return file;
}

function record(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, span_id: id, root_span_id: `trace-${id}`, ...extra };
}

async function readAll(file: string): Promise<{ records: FileRecord[]; bad: BadLine[] }> {
  const records: FileRecord[] = [];
  const bad: BadLine[] = [];
  for await (const r of readRecords(file, (b) => bad.push(b))) records.push(r);
  return { records, bad };
}

describe('readRecords: valid records', () => {
  test('yields every record in file order, exactly as written', async () => {
    const full = {
      id: 'a',
      span_id: 'a',
      root_span_id: 't',
      span_parents: ['p'],
      created: '2025-01-01T00:00:00.000Z',
      span_attributes: { name: 'chat gpt-4o', type: 'llm' },
      input: [{ role: 'user', content: 'hé ✓ 😀' }],
      output: { nested: [1, null, true] },
      error: 'boom',
      metadata: { model: 'gpt-4o', provider: 'openai', user_id: 'u', anything: { deep: 1 } },
      metrics: { start: 1.5, end: 2.25, prompt_tokens: 10, estimated_cost: 0.001 },
      tags: ['x'],
    };
    const file = writeFile([full, record('b'), record('c')].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const { records, bad } = await readAll(file);
    expect(records).toEqual([full, record('b'), record('c')]);
    expect(bad).toEqual([]);
  });

  test('only the three ids are required', async () => {
    const { records, bad } = await readAll(writeFile(JSON.stringify({ id: 'a', span_id: 'b', root_span_id: 'c' })));
    expect(records).toEqual([{ id: 'a', span_id: 'b', root_span_id: 'c' }]);
    expect(bad).toEqual([]);
  });

  test('an empty file yields nothing', async () => {
    expect(await readAll(writeFile(''))).toEqual({ records: [], bad: [] });
  });

  test('CRLF line ends, a byte-order mark and a last line without newline are all read', async () => {
    const file = writeFile('\uFEFF' + JSON.stringify(record('a')) + '\r\n\r\n' + JSON.stringify(record('b')) + '\r\n' + JSON.stringify(record('c')));
    const { records, bad } = await readAll(file);
    expect(records.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(bad).toEqual([]);
  });
});

describe('readRecords: bad lines', () => {
  // Each entry is one line of the file; `reason` undefined means the line is fine (or blank).
  const lines: Array<{ text: string; reason?: RegExp }> = [
    { text: JSON.stringify(record('ok-1')) },
    { text: '' },
    { text: 'not json', reason: /^invalid JSON/ },
    { text: '{"id":"a","span_id":"a",', reason: /^invalid JSON/ },
    { text: '   \t ' },
    { text: '[1,2]', reason: /^not a JSON object \(got array\)$/ },
    { text: 'null', reason: /^not a JSON object \(got null\)$/ },
    { text: '"a string"', reason: /^not a JSON object \(got string\)$/ },
    { text: '42', reason: /^not a JSON object \(got number\)$/ },
    { text: JSON.stringify({ span_id: 's', root_span_id: 'r' }), reason: /^missing id$/ },
    { text: JSON.stringify({ id: 'i', root_span_id: 'r' }), reason: /^missing span_id$/ },
    { text: JSON.stringify({ id: 'i', span_id: 's' }), reason: /^missing root_span_id$/ },
    { text: JSON.stringify(record('ok-2')) },
    { text: JSON.stringify({ id: '', span_id: 's', root_span_id: 'r' }), reason: /^id must be a non-empty string \(got string\)$/ },
    { text: JSON.stringify({ id: 7, span_id: 's', root_span_id: 'r' }), reason: /^id must be a non-empty string \(got number\)$/ },
    { text: JSON.stringify({ id: 'i', span_id: 's', root_span_id: null }), reason: /^root_span_id must be a non-empty string \(got null\)$/ },
    { text: JSON.stringify(record('x', { span_parents: 'p' })), reason: /^span_parents must be an array of strings$/ },
    { text: JSON.stringify(record('x', { span_parents: [1] })), reason: /^span_parents must be an array of strings$/ },
    { text: JSON.stringify(record('x', { created: 1700000000 })), reason: /^created must be a string \(got number\)$/ },
    { text: JSON.stringify(record('x', { error: { message: 'm' } })), reason: /^error must be a string \(got object\)$/ },
    { text: JSON.stringify(record('x', { tags: [null] })), reason: /^tags must be an array of strings$/ },
    { text: JSON.stringify(record('x', { metadata: ['m'] })), reason: /^metadata must be an object \(got array\)$/ },
    { text: JSON.stringify(record('x', { span_attributes: 'llm' })), reason: /^span_attributes must be an object \(got string\)$/ },
    { text: JSON.stringify(record('x', { span_attributes: { name: 3, type: 'llm' } })), reason: /^span_attributes\.name must be a string \(got number\)$/ },
    { text: JSON.stringify(record('x', { span_attributes: { name: 'n', type: 'eval' } })), reason: /^span_attributes\.type must be one of llm, task, function, tool \(got "eval"\)$/ },
    { text: JSON.stringify(record('x', { metrics: 'fast' })), reason: /^metrics must be an object \(got string\)$/ },
    { text: JSON.stringify(record('x', { metrics: { start: 1, end: null } })), reason: /^metrics\.end must be a number \(got null\)$/ },
    { text: JSON.stringify(record('x', { metrics: { prompt_tokens: '12' } })), reason: /^metrics\.prompt_tokens must be a number \(got string\)$/ },
    { text: JSON.stringify(record('ok-3')) },
  ];

  test('are reported with their 1-based line number and skipped; blank lines are skipped silently', async () => {
    const file = writeFile(lines.map((l) => l.text).join('\n') + '\n');
    const { records, bad } = await readAll(file);

    expect(records.map((r) => r.id)).toEqual(['ok-1', 'ok-2', 'ok-3']);
    const expected = lines.flatMap((l, index) => (l.reason === undefined ? [] : [{ line: index + 1, reason: l.reason }]));
    expect(bad.map((b) => b.line)).toEqual(expected.map((e) => e.line));
    bad.forEach((b, i) => expect(b.reason).toMatch(expected[i]!.reason));
  });

  test('line numbers count CRLF line ends once', async () => {
    const file = writeFile(['', JSON.stringify(record('a')), 'oops', '', '{}'].join('\r\n'));
    const { records, bad } = await readAll(file);
    expect(records.map((r) => r.id)).toEqual(['a']);
    expect(bad.map((b) => b.line)).toEqual([3, 5]);
  });

  test('bad lines are reported as they are read, between the records around them', async () => {
    const file = writeFile([JSON.stringify(record('a')), 'bad', JSON.stringify(record('b'))].join('\n'));
    const events: string[] = [];
    for await (const r of readRecords(file, (b) => events.push(`bad ${b.line}`))) events.push(`record ${r.id}`);
    expect(events).toEqual(['record a', 'bad 2', 'record b']);
  });
});

describe('readRecords: the file', () => {
  test('a missing file rejects with ENOENT', async () => {
    await expect(readAll(path.join(dir, 'does-not-exist.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('a directory rejects with EISDIR', async () => {
    await expect(readAll(dir)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  const fdDir = '/proc/self/fd';
  const linuxOnly = fs.existsSync(fdDir) ? test : test.skip;
  linuxOnly('stopping early closes the file', async () => {
    const file = writeFile(Array.from({ length: 1000 }, (_, i) => JSON.stringify(record(`r${i}`))).join('\n'));
    const realFile = fs.realpathSync(file);
    const openFiles = () => fs.readdirSync(fdDir).filter((fd) => safeReadlink(path.join(fdDir, fd)) === realFile).length;
    for await (const r of readRecords(file, () => undefined)) {
      expect(r.id).toBe('r0');
      expect(openFiles()).toBe(1);
      break;
    }
    // destroy() closes the descriptor asynchronously.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openFiles()).toBe(0);
  });

  test('a consumer that awaits between batches (as an upload does) receives every record, in order', async () => {
    const count = 5000;
    const file = writeFile(Array.from({ length: count }, (_, i) => JSON.stringify(record(`r${i}`))).join('\n'));
    const received: string[] = [];
    let batch: string[] = [];
    for await (const r of readRecords(file, () => undefined)) {
      batch.push(r.id);
      if (batch.length === 100) {
        await new Promise((resolve) => setImmediate(resolve));
        received.push(...batch);
        batch = [];
      }
    }
    received.push(...batch);
    expect(received).toEqual(Array.from({ length: count }, (_, i) => `r${i}`));
  });
});

describe('readRecords: a large file', () => {
  test('50,000 records are streamed: all counted, bad lines found by number, heap far below the file size', async () => {
    const count = 50_000;
    const file = path.join(dir, 'large.jsonl');
    // ~1.2 KB a line (a realistic prompt), so holding the file would cost ~60 MB of heap.
    const prompt = 'Summarize the following text. '.repeat(40);
    const out = fs.openSync(file, 'w');
    const badLineNumbers: number[] = [];
    let lineNumber = 0;
    for (let i = 0; i < count; i += 1) {
      lineNumber += 1;
      const line = JSON.stringify(record(`r${i}`, { span_attributes: { name: 'chat', type: 'llm' }, input: [{ role: 'user', content: `${prompt}${i}` }], metrics: { start: i, end: i + 1 } }));
      fs.writeSync(out, line + '\n');
      if (i % 10_000 === 9_999) {
        lineNumber += 1;
        badLineNumbers.push(lineNumber);
        fs.writeSync(out, '{"truncated": \n');
      }
    }
    fs.closeSync(out);
    const fileBytes = fs.statSync(file).size;
    expect(fileBytes).toBeGreaterThan(55 * 1024 * 1024);

    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let seen = 0;
    let lastId = '';
    const bad: BadLine[] = [];
    for await (const r of readRecords(file, (b) => bad.push(b))) {
      seen += 1;
      lastId = r.id;
      if (seen % 1000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }

    expect(seen).toBe(count);
    expect(lastId).toBe(`r${count - 1}`);
    expect(bad.map((b) => b.line)).toEqual(badLineNumbers);
    // Garbage collection timing varies, so the bound is loose; reading the file whole would exceed it.
    expect(peak - baseline).toBeLessThan(fileBytes / 2);
  });
});

function safeReadlink(link: string): string | undefined {
  try {
    return fs.readlinkSync(link);
  } catch {
    return undefined;
  }
}

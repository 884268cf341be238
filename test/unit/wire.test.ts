import * as zlib from 'node:zlib';
import { CappedBytes, decodeBody, GrowingBytes, parseContentEncoding, TAIL_BYTES } from '../../src/wire/body';
import { sniffJson } from '../../src/wire/sniff';
import { SseDecoder, type SseEvent } from '../../src/wire/sse';
import { contentType, loadFixtures, wireResponseBytes } from '../helpers/fixtures';
import { prng } from '../helpers/prng';


function randomBytes(n: number, seed: number): Buffer {
  const r = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** Text that compresses only moderately (random words), so compressed streams span many bytes. */
function randomText(n: number, seed: number): string {
  const r = prng(seed);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'é', '日本', '😀', 'omega', 'x', 'lorem', 'ipsum'];
  let s = '';
  while (s.length < n) s += words[Math.floor(r() * words.length)]! + (r() < 0.1 ? '\n' : ' ') + Math.floor(r() * 1e6).toString(36);
  return s.slice(0, n);
}

function splitRandom(bytes: Buffer, seed: number, max = 64): Buffer[] {
  const r = prng(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * max);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

function decodeSse(chunks: Array<Uint8Array | string>): SseEvent[] {
  const events: SseEvent[] = [];
  const d = new SseDecoder((e) => events.push(e));
  for (const c of chunks) d.push(c);
  d.end();
  return events;
}

const bytesOf = (s: string) => Buffer.from(s, 'utf8');

describe('SseDecoder (WHATWG HTML § server-sent events)', () => {
  test('LF, CRLF and CR line endings are equivalent', () => {
    const expected = [{ data: 'a' }, { data: 'b' }];
    expect(decodeSse(['data: a\n\ndata: b\n\n'])).toEqual(expected);
    expect(decodeSse(['data: a\r\n\r\ndata: b\r\n\r\n'])).toEqual(expected);
    expect(decodeSse(['data: a\r\rdata: b\r\r'])).toEqual(expected);
    expect(decodeSse(['data: a\r\n\ndata: b\r\r\n'])).toEqual(expected);
  });

  test('a CR ending one chunk and the LF starting the next are one line break', () => {
    expect(decodeSse([bytesOf('data: a\r'), bytesOf('\ndata: b\r\n\r\n')])).toEqual([{ data: 'a\nb' }]);
    expect(decodeSse(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([{ data: 'a\nb' }]);
  });

  test('a CR at a chunk boundary followed by another CR is a blank line', () => {
    expect(decodeSse([bytesOf('data: a\r'), bytesOf('\rdata: b\r\r')])).toEqual([{ data: 'a' }, { data: 'b' }]);
  });

  test('an empty chunk between a CR and its LF does not turn the LF into a blank line', () => {
    expect(decodeSse([bytesOf('data: a\r'), new Uint8Array(0), bytesOf('\ndata: b\n\n')])).toEqual([{ data: 'a\nb' }]);
    expect(decodeSse(['data: a\r', '', '\ndata: b\n\n'])).toEqual([{ data: 'a\nb' }]);
  });

  test('multi-line data is joined with LF', () => {
    expect(decodeSse(['data: line1\ndata: line2\ndata:\ndata: line4\n\n'])).toEqual([{ data: 'line1\nline2\n\nline4' }]);
  });

  test('comment lines are ignored', () => {
    expect(decodeSse([': ping\n\n:another\ndata: x\n: inside\n\n'])).toEqual([{ data: 'x' }]);
  });

  test('event names are reported and reset after each dispatch', () => {
    expect(decodeSse(['event: message_start\ndata: {}\n\ndata: plain\n\n'])).toEqual([{ event: 'message_start', data: '{}' }, { data: 'plain' }]);
    // An event name without data dispatches nothing and does not leak into the next event.
    expect(decodeSse(['event: ping\n\ndata: x\n\n'])).toEqual([{ data: 'x' }]);
  });

  test('a field without a colon has an empty value', () => {
    // "data" alone appends an empty line to the data buffer: the event is dispatched with empty data.
    expect(decodeSse(['data\n\n'])).toEqual([{ data: '' }]);
    expect(decodeSse(['data\ndata\n\n'])).toEqual([{ data: '\n' }]);
    expect(decodeSse(['data: a\ndata\n\n'])).toEqual([{ data: 'a\n' }]);
    // "event" alone: empty event name → the default type.
    expect(decodeSse(['event\ndata: x\n\n'])).toEqual([{ data: 'x' }]);
  });

  test('only one leading space is stripped from the value', () => {
    expect(decodeSse(['data:no-space\n\n'])).toEqual([{ data: 'no-space' }]);
    expect(decodeSse(['data: one\n\n'])).toEqual([{ data: 'one' }]);
    expect(decodeSse(['data:  two\n\n'])).toEqual([{ data: ' two' }]);
    expect(decodeSse(['data:\tx\n\n'])).toEqual([{ data: '\tx' }]);
    expect(decodeSse(['event:  spaced\ndata: x\n\n'])).toEqual([{ event: ' spaced', data: 'x' }]);
  });

  test('the value keeps later colons', () => {
    expect(decodeSse(['data: {"a":"b:c"}\n\n'])).toEqual([{ data: '{"a":"b:c"}' }]);
  });

  test('unknown fields, id and retry carry no data', () => {
    expect(decodeSse(['id: 7\nretry: 1000\nfoo: bar\n\n'])).toEqual([]);
    expect(decodeSse(['id: 7\nretry: 1000\nfoo: bar\ndata: x\n\n'])).toEqual([{ data: 'x' }]);
  });

  test('a field name that only starts like data or event is another field', () => {
    expect(decodeSse(['dataX: a\nevents: b\ndat: c\n\n'])).toEqual([]);
    expect(decodeSse(['database: a\ndata: b\n\n'])).toEqual([{ data: 'b' }]);
    expect(decodeSse(['dat'])).toEqual([]); // cut short: not a data line
  });

  test('lines without a colon do not hide later fields (a body of them decodes whole)', () => {
    const noise = 'no colon on this line\n'.repeat(5000);
    expect(decodeSse([`${noise}data: after\n\n`])).toEqual([{ data: 'after' }]);
  });

  test('blank lines with no data dispatch nothing', () => {
    expect(decodeSse(['\n\n\r\n\r\r'])).toEqual([]);
  });

  test('UTF-8 multibyte characters split across chunks', () => {
    const text = 'data: héllo 日本 😀 ok\n\n';
    const bytes = bytesOf(text);
    const expected = [{ data: 'héllo 日本 😀 ok' }];
    for (let i = 1; i < bytes.length; i++) expect(decodeSse([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(expected);
    expect(decodeSse([...bytes].map((b) => Uint8Array.of(b)))).toEqual(expected);
  });

  test('a final event without its blank line is dispatched by end()', () => {
    expect(decodeSse(['data: a\n\ndata: tail'])).toEqual([{ data: 'a' }, { data: 'tail' }]);
    expect(decodeSse(['event: e\ndata: tail\n'])).toEqual([{ event: 'e', data: 'tail' }]);
    expect(decodeSse(['data: tail\r'])).toEqual([{ data: 'tail' }]);
    // Nothing pending: end() adds nothing.
    expect(decodeSse(['data: a\n\n'])).toEqual([{ data: 'a' }]);
  });

  test('events are delivered as soon as they complete', () => {
    const events: SseEvent[] = [];
    const d = new SseDecoder((e) => events.push(e));
    d.push(bytesOf('data: a\n'));
    expect(events).toEqual([]);
    d.push(bytesOf('\ndata: b'));
    expect(events).toEqual([{ data: 'a' }]);
    d.push(bytesOf('\n\n'));
    expect(events).toEqual([{ data: 'a' }, { data: 'b' }]);
  });

  const sseFixtures = loadFixtures().filter((f) => contentType(f) === 'text/event-stream');

  test('there are SSE fixtures', () => {
    expect(sseFixtures.length).toBeGreaterThan(10);
  });

  test.each(sseFixtures.map((f) => [f.id, f] as const))('fixture %s: byte-by-byte and random splits equal whole feeding', (_id, f) => {
    const bytes = wireResponseBytes(f);
    const whole = decodeSse([bytes]);
    // Independent expectation: the number of events with data, counted by splitting on blank lines.
    const text = bytes.toString('utf8').replace(/\r\n|\r/g, '\n');
    const blocks = text.split(/\n\n/).filter((b) => b.split('\n').some((l) => l.startsWith('data:') || l === 'data'));
    expect(whole.length).toBe(blocks.length);
    expect(whole.length).toBeGreaterThan(0);
    if (bytes.length <= 40_000) expect(decodeSse([...bytes].map((b) => Uint8Array.of(b)))).toEqual(whole);
    for (const seed of [1, 2, 3]) expect(decodeSse(splitRandom(bytes, seed, 257))).toEqual(whole);
  });
});

describe('GrowingBytes', () => {
  test.each([1, 2, 3, 4, 5])('any chunking gives the same bytes, in a few buffers (seed %i)', (seed) => {
    const data = randomBytes(40_000, seed);
    const g = new GrowingBytes();
    let allocations = 0;
    let last: ArrayBufferLike | undefined;
    for (const part of splitRandom(data, seed, 700)) {
      g.append(part);
      const now = g.bytes().buffer;
      if (now !== last) allocations++;
      last = now;
    }
    expect(g.bytes().equals(data)).toBe(true);
    // Doubling from the first chunk (or 1 KiB): ~log2(40000 / 1024) + 1 buffers, not one per chunk.
    expect(allocations).toBeLessThanOrEqual(8);
  });

  test('never grows past its maximum unless one append needs more', () => {
    const g = new GrowingBytes(1500);
    g.append(Buffer.alloc(1000, 1));
    g.append(Buffer.alloc(400, 2));
    expect(g.bytes().byteLength).toBe(1400);
    expect(g.capacity).toBe(1500); // doubling would have made 2000
    g.append(Buffer.alloc(3000, 3));
    expect(g.length).toBe(4400);
    expect(g.capacity).toBe(4400);
    expect(g.bytes().subarray(1400).equals(Buffer.alloc(3000, 3))).toBe(true);
  });
});

describe('CappedBytes', () => {
  test('under the cap: everything kept, not truncated', () => {
    const c = new CappedBytes(10);
    c.push(bytesOf('abcd'));
    c.push(bytesOf('ef'));
    expect(c.total).toBe(6);
    expect(c.truncated).toBe(false);
    expect(c.headBuffer().toString()).toBe('abcdef');
    expect(c.tailBuffer().byteLength).toBe(0);
  });

  test('exactly at the cap is not truncated', () => {
    const c = new CappedBytes(6);
    c.push(bytesOf('abc'));
    c.push(bytesOf('def'));
    expect(c.truncated).toBe(false);
    expect(c.headBuffer().toString()).toBe('abcdef');
  });

  test('over the cap: head is the first cap bytes, tail the rest (when small), total counts everything', () => {
    const c = new CappedBytes(10);
    c.push(bytesOf('0123456'));
    c.push(bytesOf('789abcdef'));
    c.push(bytesOf('XYZ'));
    expect(c.total).toBe(19);
    expect(c.truncated).toBe(true);
    expect(c.headBuffer().toString()).toBe('0123456789');
    expect(c.tailBuffer().toString()).toBe('abcdefXYZ');
  });

  test.each([1, 2, 3])('tail keeps the last 16 KiB of a large body in random chunks (seed %i)', (seed) => {
    const data = randomBytes(200_000, seed);
    const c = new CappedBytes(1000);
    for (const part of splitRandom(data, seed, 5000)) c.push(part);
    expect(TAIL_BYTES).toBe(16 * 1024);
    expect(c.total).toBe(data.length);
    expect(c.truncated).toBe(true);
    expect(c.headBuffer().equals(data.subarray(0, 1000))).toBe(true);
    expect(c.tailBuffer().equals(data.subarray(data.length - 16 * 1024))).toBe(true);
  });

  test('tail with one huge chunk', () => {
    const data = randomBytes(100_000, 9);
    const c = new CappedBytes(100);
    c.push(data);
    expect(c.headBuffer().equals(data.subarray(0, 100))).toBe(true);
    expect(c.tailBuffer().equals(data.subarray(data.length - 16 * 1024))).toBe(true);
  });

  test('the caller may reuse its buffer after push: what was kept is a copy', () => {
    const c = new CappedBytes(100);
    const reused = Buffer.from('first');
    c.push(reused);
    reused.write('XXXXX');
    c.push(Buffer.from('-second'));
    expect(c.headBuffer().toString()).toBe('first-second');
  });

  test('cap 0 keeps no head', () => {
    const c = new CappedBytes(0);
    c.push(bytesOf('hello'));
    expect(c.total).toBe(5);
    expect(c.truncated).toBe(true);
    expect(c.headBuffer().byteLength).toBe(0);
    expect(c.tailBuffer().toString()).toBe('hello');
  });

  test('copies input: later mutation by the caller does not change captured bytes', () => {
    const c = new CappedBytes(8);
    const a = Buffer.from('abcdef');
    const b = Buffer.from('ghijklmn'); // crosses the cap: 2 bytes to head, 6 to tail
    const backing = Buffer.from('__opqr__');
    const view = new Uint8Array(backing.buffer, backing.byteOffset, backing.length).subarray(2, 6); // a view into a larger buffer
    c.push(a);
    c.push(b);
    c.push(view);
    a.fill(0x21);
    b.fill(0x21);
    view.fill(0x21);
    expect(c.headBuffer().toString()).toBe('abcdefgh');
    expect(c.tailBuffer().toString()).toBe('ijklmnopqr');
  });

  test('copies input kept in the tail of a large body too', () => {
    const c = new CappedBytes(4);
    const chunks = [Buffer.from('head'), Buffer.alloc(20_000, 0x61), Buffer.from('THE-END')];
    for (const ch of chunks) c.push(ch);
    for (const ch of chunks) ch.fill(0x30);
    const tail = c.tailBuffer();
    expect(tail.byteLength).toBe(16 * 1024);
    expect(tail.subarray(tail.length - 7).toString()).toBe('THE-END');
    expect(tail.subarray(0, tail.length - 7).every((x) => x === 0x61)).toBe(true);
    expect(c.headBuffer().toString()).toBe('head');
  });
});

describe('parseContentEncoding', () => {
  test.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    [' deflate ', 'deflate'],
    ['br', 'br'],
    ['zstd', 'zstd'],
    ['compress', 'unknown'],
    ['gzip, br', 'unknown'],
  ])('%p → %s', (header, expected) => {
    expect(parseContentEncoding(header)).toBe(expected);
  });
});

describe('decodeBody', () => {
  const original = bytesOf(JSON.stringify({ id: 'chatcmpl-1', text: randomText(20_000, 5) }));

  test('identity returns the bytes as they are', () => {
    expect(decodeBody(original, 'identity', 10)).toEqual({ bytes: original, partial: false });
  });

  test.each([
    ['gzip', (b: Buffer) => zlib.gzipSync(b)],
    ['deflate', (b: Buffer) => zlib.deflateSync(b)],
    ['deflate', (b: Buffer) => zlib.deflateRawSync(b)],
    ['deflate', (b: Buffer) => zlib.deflateRawSync(b, { level: 1 })],
    ['deflate', (b: Buffer) => zlib.deflateRawSync(b, { level: 0 })],
    ['br', (b: Buffer) => zlib.brotliCompressSync(b)],
  ] as const)('%s round trip (%#)', (encoding, compress) => {
    const decoded = decodeBody(compress(original), encoding, 10 * original.length);
    expect(decoded.error).toBeUndefined();
    expect(decoded.partial).toBe(false);
    expect(decoded.bytes.equals(original)).toBe(true);
  });

  test('raw deflate of small inputs (various first bytes) round trips', () => {
    for (let seed = 0; seed < 200; seed++) {
      const input = randomBytes(1 + (seed % 50), seed);
      const decoded = decodeBody(zlib.deflateRawSync(input), 'deflate', 1_000);
      expect(decoded.bytes.equals(input)).toBe(true);
    }
  });

  test.each([
    ['gzip', (b: Buffer) => zlib.gzipSync(b)],
    ['deflate', (b: Buffer) => zlib.deflateSync(b)],
    ['br', (b: Buffer) => zlib.brotliCompressSync(b)],
  ] as const)('truncated %s yields a prefix without throwing', (encoding, compress) => {
    const compressed = compress(original);
    expect(compressed.length).toBeGreaterThan(1000);
    for (const fraction of [0.25, 0.5, 0.9]) {
      const cut = compressed.subarray(0, Math.floor(compressed.length * fraction));
      const decoded = decodeBody(cut, encoding, 10 * original.length);
      // DecodedBody.partial: "the decoded body is incomplete (input truncated, ...)".
      expect(decoded.partial).toBe(true);
      expect(decoded.bytes.length).toBeGreaterThan(0);
      expect(decoded.bytes.length).toBeLessThan(original.length);
      expect(decoded.bytes.equals(original.subarray(0, decoded.bytes.length))).toBe(true);
    }
  });

  test.each(['gzip', 'deflate', 'br'] as const)('corrupt %s input → partial with an error, no throw', (encoding) => {
    const garbage = Buffer.from('this is definitely not compressed data, just text');
    const decoded = decodeBody(garbage, encoding, 1_000_000);
    expect(decoded.partial).toBe(true);
    expect(typeof decoded.error).toBe('string');
  });

  test('gzip with a corrupted body → partial with an error', () => {
    const gz = Buffer.from(zlib.gzipSync(original));
    for (let i = 20; i < gz.length - 8; i += 7) gz[i] ^= 0xff;
    const decoded = decodeBody(gz, 'gzip', 10 * original.length);
    expect(decoded.partial).toBe(true);
    expect(decoded.error).toBeDefined();
  });

  test.each([
    ['gzip', (b: Buffer) => zlib.gzipSync(b)],
    ['deflate', (b: Buffer) => zlib.deflateSync(b)],
    ['br', (b: Buffer) => zlib.brotliCompressSync(b)],
  ] as const)('%s: the maxOutput bound is respected → partial', (encoding, compress) => {
    const bomb = Buffer.alloc(5_000_000, 0x41); // compresses to a few KB
    const decoded = decodeBody(compress(bomb), encoding, 64 * 1024);
    expect(decoded.partial).toBe(true);
    expect(decoded.bytes.length).toBeLessThanOrEqual(64 * 1024);
  });

  test('unknown encoding → partial with an error, no bytes guessed', () => {
    const decoded = decodeBody(original, 'unknown', 1_000_000);
    expect(decoded.partial).toBe(true);
    expect(decoded.error).toBeDefined();
    expect(decoded.bytes.length).toBe(0);
  });

  test('zstd: decoded when the runtime supports it, otherwise partial with an error', () => {
    const z = zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer };
    if (z.zstdCompressSync) {
      const decoded = decodeBody(z.zstdCompressSync(original), 'zstd', 10 * original.length);
      expect(decoded.bytes.equals(original)).toBe(true);
    } else {
      const decoded = decodeBody(original, 'zstd', 1_000_000);
      expect(decoded.partial).toBe(true);
      expect(decoded.error).toBeDefined();
    }
  });
});

describe('sniffJson', () => {
  const body = {
    id: 'chatcmpl-Abc\\"123',
    object: 'chat.completion',
    created: 1700000000,
    model: 'gpt-4o-2024-08-06',
    stream: false,
    choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(50_000) + ' {"usage": {"fake": 1}} ' }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: 19,
      completion_tokens: 10,
      total_tokens: 29,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, note: 'braces } in { a "string"' },
    },
    system_fingerprint: 'fp_1',
  };
  const text = JSON.stringify(body, null, 2);

  test('model/id/stream from a truncated head, usage from the tail', () => {
    const head = text.slice(0, 2000);
    const tail = text.slice(text.length - 1500);
    const sniffed = sniffJson(head, tail);
    expect(sniffed.model).toBe(body.model);
    expect(sniffed.id).toBe(body.id);
    expect(sniffed.stream).toBe(false);
    expect(sniffed.usage).toEqual(body.usage);
  });

  test('stream true, Gemini names', () => {
    const gem = JSON.stringify({ candidates: [{ content: { parts: [{ text: 'y'.repeat(10_000) }] } }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4 }, modelVersion: 'gemini-2.0-flash', responseId: 'r-1' });
    const reordered = '{"modelVersion":"gemini-2.0-flash","responseId":"r-1","stream":true,' + gem.slice(1);
    const sniffed = sniffJson(reordered.slice(0, 500), reordered.slice(-300));
    expect(sniffed.modelVersion).toBe('gemini-2.0-flash');
    expect(sniffed.responseId).toBe('r-1');
    expect(sniffed.stream).toBe(true);
    expect(sniffed.usageMetadata).toEqual({ promptTokenCount: 3, candidatesTokenCount: 4 });
  });

  test('a tail that starts mid-value still finds the last complete usage object', () => {
    const tail = text.slice(text.indexOf('"usage"') - 20);
    expect(sniffJson('', tail).usage).toEqual(body.usage);
  });

  test('the usage object cut in the tail falls back to nothing rather than a wrong object', () => {
    const cutTail = text.slice(text.length - 1500, text.length - 40); // usage object incomplete
    const sniffed = sniffJson('', cutTail);
    // The real usage object starts in this window but is cut: no object can be read.
    expect(sniffed.usage).toBeUndefined();
  });

  test('a window that starts with the key and holds no complete object terminates', () => {
    expect(sniffJson('', '"usage": {"prompt_tokens": 1')).toEqual({});
    expect(sniffJson('"usage": 5', '"usage"')).toEqual({});
    expect(sniffJson('"usage": {"a": 1}', '"usage": {"a"')).toEqual({ usage: { a: 1 } });
  });

  test('nothing readable → empty object, never a throw', () => {
    expect(sniffJson('', '')).toEqual({});
    expect(sniffJson('{"model": ', '"usage": {"a": ')).toEqual({});
    expect(sniffJson('not json at all', '}}}{{{')).toEqual({});
  });
});

import * as zlib from 'node:zlib';
import { AwsEventStreamDecoder } from '../../../src/wire/aws-event-stream';
import type { StreamEvent } from '../../../src/families/family';
import { loadFixtures, wireResponseBytes } from '../../helpers/fixtures';

/** A header as the AWS event-stream spec encodes it: value type 0-9 and its raw value bytes. */
type Header = { name: string; type: number; value?: Buffer | string };

/** Independent encoder (spec: prelude, headers, payload, CRC32s) used to build test frames. */
function encodeFrame(headers: Header[], payload: string | Buffer): Buffer {
  const headerBufs = headers.map((h) => {
    const name = Buffer.from(h.name, 'utf8');
    let value: Buffer;
    if (h.type === 7 || h.type === 6) {
      const raw = typeof h.value === 'string' ? Buffer.from(h.value, 'utf8') : (h.value ?? Buffer.alloc(0));
      const len = Buffer.alloc(2);
      len.writeUInt16BE(raw.length);
      value = Buffer.concat([len, raw]);
    } else {
      value = (h.value as Buffer | undefined) ?? Buffer.alloc(0);
    }
    return Buffer.concat([Buffer.from([name.length]), name, Buffer.from([h.type]), value]);
  });
  const headerBytes = Buffer.concat(headerBufs);
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const total = 12 + headerBytes.length + body.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  prelude.writeUInt32BE(zlib.crc32(prelude.subarray(0, 8)), 8);
  const withoutCrc = Buffer.concat([prelude, headerBytes, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(withoutCrc));
  return Buffer.concat([withoutCrc, crc]);
}

function eventFrame(eventType: string, payload: string, messageType = 'event'): Buffer {
  return encodeFrame(
    [
      { name: ':event-type', type: 7, value: eventType },
      { name: ':content-type', type: 7, value: 'application/json' },
      { name: ':message-type', type: 7, value: messageType },
    ],
    payload,
  );
}

function decodeAll(chunks: Uint8Array[]): { events: StreamEvent[]; errors: number } {
  const events: StreamEvent[] = [];
  const decoder = new AwsEventStreamDecoder((e) => events.push(e));
  for (const c of chunks) decoder.push(c);
  decoder.end();
  return { events, errors: decoder.errors };
}

/** Deterministic PRNG so random splits are reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomSplit(bytes: Buffer, seed: number): Buffer[] {
  const next = rng(seed);
  const out: Buffer[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = 1 + Math.floor(next() * 40);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

function bytewise(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(bytes.subarray(i, i + 1));
  return out;
}

describe('AwsEventStreamDecoder', () => {
  test('decodes event type, JSON payload and message type', () => {
    const { events, errors } = decodeAll([eventFrame('chunk', '{"bytes":"eyJhIjoxfQ=="}')]);
    expect(errors).toBe(0);
    expect(events).toEqual([{ event: 'chunk', data: { bytes: 'eyJhIjoxfQ==' } }]);
  });

  test('exception messages carry :exception-type and exception=true', () => {
    const frame = encodeFrame(
      [
        { name: ':exception-type', type: 7, value: 'throttlingException' },
        { name: ':message-type', type: 7, value: 'exception' },
      ],
      '{"message":"Too many requests"}',
    );
    expect(decodeAll([frame]).events).toEqual([{ event: 'throttlingException', data: { message: 'Too many requests' }, exception: true }]);
  });

  test(':message-type error also flags an exception', () => {
    const frame = encodeFrame([{ name: ':message-type', type: 7, value: 'error' }, { name: ':error-code', type: 7, value: 'X' }], 'boom');
    expect(decodeAll([frame]).events).toEqual([{ data: 'boom', exception: true }]);
  });

  test('non-JSON and empty payloads arrive as strings', () => {
    const { events } = decodeAll([eventFrame('a', 'not json'), eventFrame('b', '')]);
    expect(events).toEqual([
      { event: 'a', data: 'not json' },
      { event: 'b', data: '' },
    ]);
  });

  test('skips every header value type 0-9 correctly', () => {
    const frame = encodeFrame(
      [
        { name: 'bool-true', type: 0 },
        { name: 'bool-false', type: 1 },
        { name: 'byte', type: 2, value: Buffer.from([7]) },
        { name: 'short', type: 3, value: Buffer.alloc(2, 1) },
        { name: 'int', type: 4, value: Buffer.alloc(4, 2) },
        { name: 'long', type: 5, value: Buffer.alloc(8, 3) },
        { name: 'bytes', type: 6, value: Buffer.from([1, 2, 3, 58, 58]) },
        { name: 'string', type: 7, value: 'hello' },
        { name: 'timestamp', type: 8, value: Buffer.alloc(8, 4) },
        { name: 'uuid', type: 9, value: Buffer.alloc(16, 5) },
        { name: ':event-type', type: 7, value: 'contentBlockDelta' },
      ],
      '{"x":1}',
    );
    const { events, errors } = decodeAll([frame]);
    expect(errors).toBe(0);
    expect(events).toEqual([{ event: 'contentBlockDelta', data: { x: 1 } }]);
  });

  test('several frames in one chunk, and frames split anywhere, give the same events', () => {
    const frames = Buffer.concat([eventFrame('one', '{"n":1}'), eventFrame('two', '{"n":2,"s":"héllo ✓"}'), eventFrame('three', '[3]')]);
    const expected = [
      { event: 'one', data: { n: 1 } },
      { event: 'two', data: { n: 2, s: 'héllo ✓' } },
      { event: 'three', data: [3] },
    ];
    expect(decodeAll([frames]).events).toEqual(expected);
    expect(decodeAll(bytewise(frames)).events).toEqual(expected);
    for (let seed = 1; seed <= 20; seed++) expect(decodeAll(randomSplit(frames, seed))).toEqual({ events: expected, errors: 0 });
  });

  test('accepts Uint8Array chunks that are not Buffers', () => {
    const frame = eventFrame('x', '{"ok":true}');
    const plain = new Uint8Array(frame.length + 10).subarray(5, 5 + frame.length);
    plain.set(frame);
    expect(decodeAll([plain]).events).toEqual([{ event: 'x', data: { ok: true } }]);
  });

  describe('corrupt input never throws and counts errors', () => {
    function withPrelude(total: number, headersLength: number, validCrc = true): Buffer {
      const prelude = Buffer.alloc(12);
      prelude.writeUInt32BE(total, 0);
      prelude.writeUInt32BE(headersLength, 4);
      prelude.writeUInt32BE(validCrc ? zlib.crc32(prelude.subarray(0, 8)) : 0xdeadbeef, 8);
      return prelude;
    }

    test.each([
      ['total length < 16', withPrelude(15, 0)],
      ['total length > 16 MiB', withPrelude(16 * 1024 * 1024 + 1, 0)],
      ['total length 0xFFFFFFFF', withPrelude(0xffffffff, 0)],
      ['headers length larger than the frame', withPrelude(100, 90)],
      ['bad prelude CRC', withPrelude(40, 0, false)],
    ])('%s', (_name, prelude) => {
      const good = eventFrame('after', '{}');
      const { events, errors } = decodeAll([Buffer.concat([prelude, Buffer.alloc(64), good])]);
      expect(errors).toBeGreaterThan(0);
      // The stream cannot be re-synchronised after a lost frame boundary: nothing more is decoded.
      expect(events).toEqual([]);
    });

    test('a valid frame before the corruption is still delivered; later pushes are ignored', () => {
      const good = eventFrame('first', '{"a":1}');
      const bad = Buffer.from(good);
      bad.writeUInt32BE(0xdeadbeef, 8);
      const events: StreamEvent[] = [];
      const decoder = new AwsEventStreamDecoder((e) => events.push(e));
      expect(() => {
        decoder.push(Buffer.concat([good, bad]));
        decoder.push(good);
        decoder.end();
      }).not.toThrow();
      expect(events).toEqual([{ event: 'first', data: { a: 1 } }]);
      expect(decoder.errors).toBe(1);
    });

    test('truncated final frame', () => {
      const frames = Buffer.concat([eventFrame('a', '{}'), eventFrame('b', '{"long":"xxxxxxxxxxxxxxxx"}')]);
      const { events, errors } = decodeAll([frames.subarray(0, frames.length - 5)]);
      expect(events).toEqual([{ event: 'a', data: {} }]);
      expect(errors).toBe(1);
    });

    test('truncated inside the prelude', () => {
      const { events, errors } = decodeAll([eventFrame('a', '{}').subarray(0, 7)]);
      expect(events).toEqual([]);
      expect(errors).toBe(1);
    });

    test('a malformed header loses only that frame', () => {
      // Header claims a 200-byte string inside a frame whose header section is much shorter.
      const name = Buffer.from(':event-type');
      const header = Buffer.concat([Buffer.from([name.length]), name, Buffer.from([7, 0, 200]), Buffer.from('abc')]);
      const prelude = Buffer.alloc(12);
      const total = 12 + header.length + 2 + 4;
      prelude.writeUInt32BE(total, 0);
      prelude.writeUInt32BE(header.length, 4);
      prelude.writeUInt32BE(zlib.crc32(prelude.subarray(0, 8)), 8);
      const broken = Buffer.concat([prelude, header, Buffer.from('{}'), Buffer.alloc(4)]);
      const { events, errors } = decodeAll([Buffer.concat([broken, eventFrame('ok', '{"fine":true}')])]);
      expect(errors).toBe(1);
      expect(events).toEqual([{ event: 'ok', data: { fine: true } }]);
    });

    test('an unknown header value type loses only that frame', () => {
      const frame = encodeFrame([{ name: 'weird', type: 42, value: Buffer.alloc(3) }], '{}');
      const { events, errors } = decodeAll([frame, eventFrame('ok', '1')]);
      expect(errors).toBe(1);
      expect(events).toEqual([{ event: 'ok', data: 1 }]);
    });

    test('random garbage', () => {
      const next = rng(99);
      for (let i = 0; i < 50; i++) {
        const garbage = Buffer.alloc(Math.floor(next() * 200));
        for (let j = 0; j < garbage.length; j++) garbage[j] = Math.floor(next() * 256);
        expect(() => decodeAll(randomSplit(garbage, i))).not.toThrow();
      }
    });

    test('an oversized length is rejected from the prelude alone, without waiting for the body', () => {
      const decoder = new AwsEventStreamDecoder(() => undefined);
      decoder.push(withPrelude(0x7fffffff, 0));
      expect(decoder.errors).toBe(1);
    });
  });

  describe('recorded Bedrock streams', () => {
    const streams = loadFixtures('aws-bedrock').filter((f) => f.response.body_base64 !== undefined);

    /** Independent frame walk: count frames and collect `:event-type` via a naive header scan. */
    function naiveFrames(bytes: Buffer): Array<{ eventType: string | undefined; payload: string }> {
      const out: Array<{ eventType: string | undefined; payload: string }> = [];
      for (let o = 0; o < bytes.length; ) {
        const total = bytes.readUInt32BE(o);
        const headersLength = bytes.readUInt32BE(o + 4);
        const headerText = bytes.toString('latin1', o + 12, o + 12 + headersLength);
        const m = /:event-type\x07\x00(.)/s.exec(headerText);
        const eventType = m ? headerText.substr(m.index + m[0].length, m[1]!.charCodeAt(0)) : undefined;
        out.push({ eventType, payload: bytes.toString('utf8', o + 12 + headersLength, o + total - 4) });
        o += total;
      }
      return out;
    }

    test('there are stream fixtures', () => expect(streams.length).toBeGreaterThan(5));

    test.each(streams.map((f) => [f.id, f] as const))('%s decodes identically in any chunking', (_id, f) => {
      const bytes = wireResponseBytes(f);
      const expected = naiveFrames(bytes).map((fr) => ({ event: fr.eventType, data: JSON.parse(fr.payload) }));
      const whole = decodeAll([bytes]);
      expect(whole.errors).toBe(0);
      expect(whole.events).toEqual(expected);
      expect(decodeAll(bytewise(bytes))).toEqual(whole);
      for (const seed of [1, 2, 3]) expect(decodeAll(randomSplit(bytes, seed))).toEqual(whole);
    });
  });
});

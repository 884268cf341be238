import { NdjsonDecoder } from '../../../src/wire/ndjson';

function decode(chunks: Array<Uint8Array | string>, end = true): unknown[] {
  const out: unknown[] = [];
  const decoder = new NdjsonDecoder((v) => out.push(v));
  for (const c of chunks) decoder.push(c);
  if (end) decoder.end();
  return out;
}

/** Splits bytes into fixed-size pieces (cuts through multi-byte characters on purpose). */
function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('NdjsonDecoder', () => {
  // Cohere v1 chat stream lines: https://docs.cohere.com/v1/docs/streaming
  const values = [
    { is_finished: false, event_type: 'stream-start', generation_id: 'a1b2' },
    { is_finished: false, event_type: 'text-generation', text: 'Grüße, 世界 👋' },
    { is_finished: true, event_type: 'stream-end', finish_reason: 'COMPLETE' },
  ];
  const text = values.map((v) => JSON.stringify(v)).join('\n') + '\n';

  test('whole input', () => {
    expect(decode([text])).toEqual(values);
  });

  test.each([1, 2, 3, 5, 64])('any chunking of the bytes (size %i), UTF-8 split across chunks', (size) => {
    expect(decode(pieces(Buffer.from(text, 'utf8'), size))).toEqual(values);
  });

  test('CRLF line ends and blank lines', () => {
    const crlf = '\r\n' + values.map((v) => JSON.stringify(v)).join('\r\n\r\n') + '\r\n  \r\n';
    expect(decode(pieces(Buffer.from(crlf, 'utf8'), 4))).toEqual(values);
  });

  test('a last line without newline is delivered on end(), not before', () => {
    expect(decode(['{"a":1}\n{"b":', '2}'], false)).toEqual([{ a: 1 }]);
    expect(decode(['{"a":1}\n{"b":', '2}'])).toEqual([{ a: 1 }, { b: 2 }]);
  });

  test('non-JSON lines arrive as raw strings (without the CR)', () => {
    expect(decode(['[DONE]\r\n', 'not json\n', '{"ok":true}\n', '{"truncated":'])).toEqual(['[DONE]', 'not json', { ok: true }, '{"truncated":']);
  });

  test('scalars and arrays are JSON values too', () => {
    expect(decode(['1\n"s"\n[1,2]\nnull\n'])).toEqual([1, 's', [1, 2], null]);
  });

  test('empty input and end() alone deliver nothing', () => {
    expect(decode([])).toEqual([]);
    expect(decode(['', new Uint8Array(0), '\n\n'])).toEqual([]);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DETECTOR_NAMES, DETECTORS, type DetectorName } from '../../../src/redaction/detectors';
import { createRedactor, tryRedact, type RedactorOptions } from '../../../src/redaction/redactor';
import { prng } from '../../helpers/prng';

interface CorpusDocument {
  name: string;
  shape: string;
  body: unknown;
  planted: { detector: DetectorName; value: string; context?: string }[];
  keep: string[];
}
interface Corpus {
  documents: CorpusDocument[];
  planted: { detector: DetectorName; value: string; context?: string }[];
  falsePositives: { name: string; text: string }[];
}
const corpus = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/redaction/corpus.json'), 'utf8')) as Corpus;

const redactor = createRedactor();

/** Only the named detectors on. */
const only = (...names: DetectorName[]): RedactorOptions['detectors'] => Object.fromEntries(DETECTOR_NAMES.map((n) => [n, names.includes(n)]));

/** One example of each detector, for switch tests. */
const EXAMPLES: Record<DetectorName, string> = {
  email: 'maria.garcia@example.com',
  phone: '+14155552671',
  card: '4111 1111 1111 1111',
  iban: 'DE89370400440532013000',
  ssn: '078-05-1120',
  ip: '203.0.113.42',
  secret: 'AKIAIOSFODNN7EXAMPLE',
};
const EXAMPLE_TEXT = DETECTOR_NAMES.map((n) => `${n}: ${EXAMPLES[n]};`).join(' ');

describe('redactString', () => {
  test('every built-in detector, with its typed placeholder', () => {
    expect(redactor.redactString(EXAMPLE_TEXT)).toBe(DETECTOR_NAMES.map((n) => `${n}: [${n.toUpperCase()}];`).join(' '));
  });

  test('text without anything to redact comes back as the same string', () => {
    const text = 'Nothing to see here: order #A-10293 shipped on 2024-03-15 for $12.50 (v1.2.3).';
    expect(redactor.redactString(text)).toBe(text);
    expect(redactor.redactString('')).toBe('');
  });

  test('a string that is itself JSON is redacted as JSON (keys included) and stays valid JSON', () => {
    const args = JSON.stringify({ note: 'line one\nmaria.garcia@example.com', 'maria.garcia@example.com': 1, card_number: 4111111111111111, escaped: 'x' });
    // `\n` before the address and `\u0040` inside it would defeat text matching (`\[EMAIL]`, a missed address).
    const tricky = args.replace('"x"', '"dev.ops\\u0040example.org"');
    const out = redactor.redactString(tricky);
    expect(JSON.parse(out)).toEqual({ note: 'line one\n[EMAIL]', '[EMAIL]': 1, card_number: '[CARD]', escaped: '[EMAIL]' });
  });

  test('short strings give the same result every time, also once the remembered results are full and emptied', () => {
    const own = createRedactor({ placeholders: { email: '<mail>' } });
    const samples = ['a@example.com', '+1 415 555 2671', 'gpt-4o-mini-2024-07-18', '8.8.8.8', 'chat'];
    const expected = samples.map((s) => createRedactor({ placeholders: { email: '<mail>' } }).redactString(s));
    expect(expected).toEqual(['<mail>', '[PHONE]', 'gpt-4o-mini-2024-07-18', '[IP]', 'chat']);
    for (let round = 0; round < 3; round++) {
      expect(samples.map((s) => own.redactString(s))).toEqual(expected);
      for (let i = 0; i < 5000; i++) own.redactString(`id-${round}-${i}`); // more distinct strings than it keeps
    }
    // Each redactor has its own: another's placeholders do not leak in.
    expect(redactor.redactString('a@example.com')).toBe('[EMAIL]');
  });

  test('bracketed text that is not JSON is redacted as text', () => {
    expect(redactor.redactString('[1] mail maria@example.com [2]')).toBe('[1] mail [EMAIL] [2]');
    expect(redactor.redactString('{name} at maria@example.com }')).toBe('{name} at [EMAIL] }');
  });
});

describe('options', () => {
  test.each(DETECTOR_NAMES.map((n) => [n]))('switching %s off leaves its values and only its values', (name) => {
    const r = createRedactor({ detectors: { [name]: false } });
    const expected = DETECTOR_NAMES.map((n) => `${n}: ${n === name ? EXAMPLES[n] : `[${n.toUpperCase()}]`};`).join(' ');
    expect(r.redactString(EXAMPLE_TEXT)).toBe(expected);
  });

  test('detectors not named stay on; true is the same as not named', () => {
    expect(createRedactor({ detectors: { email: true } }).redactString(EXAMPLE_TEXT)).toBe(redactor.redactString(EXAMPLE_TEXT));
    expect(createRedactor({ detectors: {} }).redactString(EXAMPLE_TEXT)).toBe(redactor.redactString(EXAMPLE_TEXT));
  });

  test('all off: nothing changes', () => {
    const r = createRedactor({ detectors: only() });
    expect(r.redactString(EXAMPLE_TEXT)).toBe(EXAMPLE_TEXT);
    expect(r.redactValue({ a: [EXAMPLE_TEXT, 4111111111111111] })).toEqual({ a: [EXAMPLE_TEXT, 4111111111111111] });
  });

  test('custom placeholders are inserted literally (no `$&` expansion), and stay valid in JSON text', () => {
    const r = createRedactor({ placeholders: { email: '<email>', card: '$& "quoted" \\ back\nslash' } });
    expect(r.redactString('to maria@example.com, card 4111111111111111')).toBe('to <email>, card $& "quoted" \\ back\nslash');
    const json = JSON.stringify({ a: 'card 4111111111111111', b: 4111111111111111 });
    expect(JSON.parse(r.redactJsonText(json))).toEqual({ a: 'card $& "quoted" \\ back\nslash', b: '$& "quoted" \\ back\nslash' });
    expect(r.redactString('+14155552671')).toBe('[PHONE]'); // others keep their defaults
  });

  test('a misspelt detector name or a non-string placeholder is a configuration error', () => {
    expect(() => createRedactor({ detectors: { emial: false } as never })).toThrow(/unknown redaction detector "emial"/);
    expect(() => createRedactor({ placeholders: { phnoe: 'x' } as never })).toThrow(/unknown redaction detector "phnoe"/);
    expect(() => createRedactor({ placeholders: { email: 42 as never } })).toThrow(TypeError);
    expect(() => createRedactor({ redact: 'no' as never })).toThrow(TypeError);
  });
});

describe('redactValue', () => {
  test('a deep copy with every string leaf redacted; keys, numbers, booleans and null kept', () => {
    const value = {
      input: [{ role: 'user', content: 'Reach me at maria.garcia@example.com' }],
      metadata: { 'maria.garcia@example.com': 'owner', count: 3, ok: true, none: null, nested: { list: ['+14155552671', 1.5, false] } },
    };
    const before = JSON.stringify(value);
    const out = redactor.redactValue(value);
    expect(out).toEqual({
      input: [{ role: 'user', content: 'Reach me at [EMAIL]' }],
      metadata: { 'maria.garcia@example.com': 'owner', count: 3, ok: true, none: null, nested: { list: ['[PHONE]', 1.5, false] } },
    });
    expect(out).not.toBe(value);
    expect(out.input).not.toBe(value.input);
    expect(JSON.stringify(value)).toBe(before); // the input is untouched
  });

  test('a top-level string or scalar', () => {
    expect(redactor.redactValue('maria@example.com')).toBe('[EMAIL]');
    expect(redactor.redactValue(42)).toBe(42);
    expect(redactor.redactValue(null)).toBe(null);
    expect(redactor.redactValue(undefined)).toBe(undefined);
  });

  test('an integer that is a card number becomes the card placeholder; other numbers stay numbers', () => {
    expect(redactor.redactValue({ n: 4111111111111111, bad: 4111111111111112, ms: 1730000000123, f: 0.5234567890123456, big: 1e21, neg: -4111111111111111 })).toEqual({
      n: '[CARD]',
      bad: 4111111111111112,
      ms: 1730000000123,
      f: 0.5234567890123456,
      big: 1e21,
      neg: -4111111111111111,
    });
    expect(createRedactor({ detectors: { card: false } }).redactValue([4111111111111111])).toEqual([4111111111111111]);
  });

  test('a `__proto__` member stays a member', () => {
    const parsed = JSON.parse('{"__proto__": {"email": "maria@example.com"}, "a": 1}') as Record<string, unknown>;
    const out = redactor.redactValue(parsed);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')!.value).toEqual({ email: '[EMAIL]' });
  });

  test('objects with toJSON are redacted as they would serialise', () => {
    class Contact {
      constructor(private readonly address: string) {}
      toJSON() {
        return { address: this.address };
      }
    }
    const when = new Date('2024-03-15T10:30:00Z');
    expect(redactor.redactValue({ when, who: new Contact('maria@example.com') })).toEqual({ when: '2024-03-15T10:30:00.000Z', who: { address: '[EMAIL]' } });
  });

  test('a shared (not circular) object is copied at each place; a circular one throws', () => {
    const shared = { email: 'maria@example.com' };
    expect(redactor.redactValue({ a: shared, b: [shared] })).toEqual({ a: { email: '[EMAIL]' }, b: [{ email: '[EMAIL]' }] });
    const loop: Record<string, unknown> = { email: 'maria@example.com' };
    loop.self = loop;
    expect(() => redactor.redactValue(loop)).toThrow(TypeError);
  });
});

describe('the user function', () => {
  function recording(result: (value: string, path: string) => string | undefined = () => undefined) {
    const seen: [string, string][] = [];
    const r = createRedactor({
      redact: (value, p) => {
        seen.push([p, value]);
        return result(value, p);
      },
    });
    return { r, seen };
  }

  test('sees every string leaf with its path, after the built-ins', () => {
    const { r, seen } = recording();
    r.redactValue(
      {
        input: [{ role: 'user', content: 'hi maria@example.com' }],
        metadata: { user_email: 'maria@example.com', 'x-api-key': 'k', '': 'empty', 'a.b': 'dot', $ok: 'dollar', n: 1 },
      },
      '',
    );
    expect(seen).toEqual([
      ['input[0].role', 'user'],
      ['input[0].content', 'hi [EMAIL]'],
      ['metadata.user_email', '[EMAIL]'],
      ['metadata["x-api-key"]', 'k'],
      ['metadata[""]', 'empty'],
      ['metadata["a.b"]', 'dot'],
      ['metadata.$ok', 'dollar'],
    ]);
  });

  test('paths start at the root the caller gives', () => {
    const { r, seen } = recording();
    r.redactValue([{ content: 'x' }], 'input');
    r.redactValue({ user_email: 'y' }, 'metadata');
    r.redactString('z', 'output');
    r.redactJsonText('[{"parts":[{"content":"w"}]}]', 'gen_ai.input.messages');
    expect(seen.map(([p]) => p)).toEqual(['input[0].content', 'metadata.user_email', 'output', 'gen_ai.input.messages[0].parts[0].content']);
  });

  test('its result replaces the value; undefined keeps it', () => {
    const { r } = recording((value, p) => (p === 'name' ? 'NAME' : value.includes('internal') ? undefined : value.toUpperCase()));
    expect(r.redactValue({ name: 'Maria', note: 'internal note', other: 'mail maria@example.com' })).toEqual({ name: 'NAME', note: 'internal note', other: 'MAIL [EMAIL]' });
  });

  test('with a user function, redactJsonText still returns JSON that parses to redactValue of the parse', () => {
    const { r } = recording((value) => value.replace(/Maria/g, '[NAME]'));
    const json = JSON.stringify({ messages: [{ content: 'Maria at maria@example.com' }], n: 4111111111111111 });
    expect(JSON.parse(r.redactJsonText(json))).toEqual(r.redactValue(JSON.parse(json)));
    expect(JSON.parse(r.redactJsonText(json))).toEqual({ messages: [{ content: '[NAME] at [EMAIL]' }], n: '[CARD]' });
  });

  test('a result that is not a string or undefined is an error that does not quote the value', () => {
    const r = createRedactor({ redact: () => 42 as unknown as string });
    expect(() => r.redactString('maria@example.com')).toThrow(TypeError);
    expect(() => r.redactString('maria@example.com')).toThrow(/returned a number/);
    const outcome = tryRedact(() => r.redactString('secret stuff'));
    expect(outcome).toEqual({ ok: false, error: 'redaction failed (TypeError)' });
  });

  test('a throw propagates from every entry point, so the caller can fail closed', () => {
    const r = createRedactor({
      redact: (value) => {
        throw new Error(`cannot handle ${value}`);
      },
    });
    expect(() => r.redactString('Maria Garcia')).toThrow('cannot handle Maria Garcia');
    expect(() => r.redactValue({ a: ['Maria Garcia'] })).toThrow('cannot handle Maria Garcia');
    expect(() => r.redactJsonText('{"a":"Maria Garcia"}')).toThrow('cannot handle Maria Garcia');
    expect(() => r.redactJsonText('not json: Maria Garcia')).toThrow('cannot handle');
  });
});

describe('tryRedact', () => {
  test('success', () => {
    expect(tryRedact(() => redactor.redactString('maria@example.com'))).toEqual({ ok: true, value: '[EMAIL]' });
  });

  test('a failure is reported by error class only, never with the content', () => {
    const content = 'Maria Garcia, 078-05-1120, maria@example.com';
    const throwing = (err: unknown) => createRedactor({ redact: () => { throw err; } }); // prettier-ignore
    const cases: [unknown, string][] = [
      [new Error(`bad value: ${content}`), 'redaction failed (Error)'],
      [new TypeError(content), 'redaction failed (TypeError)'],
      [new RangeError(content), 'redaction failed (RangeError)'],
      [Object.assign(new Error(content), { name: content }), 'redaction failed (Error)'],
      [content, 'redaction failed (thrown string)'],
      [null, 'redaction failed (thrown null)'],
      [{ message: content }, 'redaction failed (thrown object)'],
    ];
    for (const [err, expected] of cases) {
      const outcome = tryRedact(() => throwing(err).redactValue({ input: content }));
      expect(outcome).toEqual({ ok: false, error: expected });
      expect(JSON.stringify(outcome)).not.toMatch(/Maria|078-05|example\.com/);
    }
  });

  test('even a thrown Proxy that throws on inspection is reported', () => {
    const hostile = new Proxy({}, { getPrototypeOf: () => { throw new Error('maria@example.com'); } }); // prettier-ignore
    const r = createRedactor({ redact: () => { throw hostile; } }); // prettier-ignore
    expect(tryRedact(() => r.redactString('x'))).toEqual({ ok: false, error: 'redaction failed (thrown object)' });
  });

  test('a circular value fails closed', () => {
    const loop: Record<string, unknown> = {};
    loop.loop = loop;
    expect(tryRedact(() => redactor.redactValue(loop))).toEqual({ ok: false, error: 'redaction failed (TypeError)' });
  });
});

describe('redactJsonText', () => {
  test('nothing to redact: the same string', () => {
    const json = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Order #A-10293, 2024-03-15, $12.50, v1.2.3' }], n: 1730000000123 });
    expect(redactor.redactJsonText(json)).toBe(json);
  });

  test('only string values change; formatting, keys and numbers are kept as written', () => {
    const pretty = JSON.stringify({ 'maria@example.com': { note: 'call +14155552671', amount: 1.50e2, list: [true, null] } }, null, 2).replace('150', '1.50e2');
    expect(redactor.redactJsonText(pretty)).toBe(pretty.replace('call +14155552671', 'call [PHONE]'));
  });

  test('escapes: \\u, \\/, \\n and quotes cannot hide a value or break the JSON', () => {
    const cases: [string, unknown][] = [
      ['{"a":"maria\\u0040example.com"}', { a: '[EMAIL]' }],
      ['{"a":"https:\\/\\/hooks.slack.com\\/services\\/T00000000\\/B00000000\\/XXXXXXXXXXXXXXXXXXXXXXXX"}', { a: '[SECRET]' }],
      ['{"a":"line\\nmaria@example.com\\n"}', { a: 'line\n[EMAIL]\n' }],
      ['{"a":"\\"maria@example.com\\" said \\\\"}', { a: '"[EMAIL]" said \\' }],
      ['{"k":"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\nkqhkiG9w0BAQEF\\n-----END PRIVATE KEY-----\\n"}', { k: '[SECRET]\n' }],
      ['["\\u0034111 1111 1111 1111"]', ['[CARD]']],
    ];
    for (const [json, expected] of cases) expect(JSON.parse(redactor.redactJsonText(json))).toEqual(expected);
  });

  test('top-level keys are structure and stay; keys inside a JSON string are content and are redacted', () => {
    const json = JSON.stringify({ 'maria@example.com': JSON.stringify({ 'dev.ops@example.org': 'x' }) });
    expect(JSON.parse(redactor.redactJsonText(json))).toEqual({ 'maria@example.com': JSON.stringify({ '[EMAIL]': 'x' }) });
  });

  test('text that is not valid JSON is redacted as plain text', () => {
    const truncated = '{"messages":[{"role":"user","content":"mail maria@example.com and call +14155552671';
    expect(redactor.redactJsonText(truncated)).toBe('{"messages":[{"role":"user","content":"mail [EMAIL] and call [PHONE]');
    expect(redactor.redactJsonText('plain maria@example.com')).toBe('plain [EMAIL]');
    expect(redactor.redactJsonText('')).toBe('');
  });

  test.each([
    '{"owner@example.com":1,}',
    '["owner@example.com",]',
    '{"owner@example.com" 1}',
    '{"owner@example.com":01}',
    '{"owner@example.com":1.}',
    '{"owner@example.com":.5}',
    '{"owner@example.com":+1}',
    "{'owner@example.com':1}",
    '{"owner@example.com":"x\\qy"}',
    '{"owner@example.com":"\\u12"}',
    '{"owner@example.com":"raw\nnewline"}',
    '{"owner@example.com":"raw\ttab"}',
    '{"owner@example.com":[1 2]}',
    '{"owner@example.com":1}}',
    '{"owner@example.com":1} x',
    '{"owner@example.com":nul}',
    '{"owner@example.com":[-]}',
    '{"owner@example.com":1e}',
    '{"owner@example.com":0x10}',
    '{"owner@example.com":NaN}',
    '{"owner@example.com":}',
    '{"owner@example.com"::1}',
    '{"owner@example.com":1 "b":2}',
    '{"owner@example.com":[}',
    '{"owner@example.com":{]}',
    '{"owner@example.com":1,,"b":2}',
    '[1],["owner@example.com"]',
    '{"owner@example.com":"x"',
    '"owner@example.com',
  ])('invalid JSON %j is redacted as plain text (keys too)', (text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(redactor.redactJsonText(text)).toBe(redactor.redactString(text));
    expect(redactor.redactJsonText(text)).not.toContain('owner@example.com');
  });
});

// ------------------------------------------------------------------------------------------------
// Properties over generated documents

/** String material: prose, PII, secrets, false-positive bait, escapes, unicode, JSON-looking text. */
const PIECES: string[] = [
  'The quick brown fox jumps over the lazy dog.',
  'Please summarise the thread below and list action items:',
  'ok',
  '',
  ' ',
  'user',
  'assistant',
  'He said "hi" and left \\ with a backslash',
  'tab\there, newline\nthere, carriage\rreturn',
  'unicode: Grüße, 日本語, emoji 😀, combining e\u0301, line sep \u2028 para sep \u2029',
  'lone surrogate \ud800 here',
  'control \u0001 \u001f chars',
  'slashes / and // and https://example.com/a/b?c=d',
  '[1] not JSON',
  '{not json either}',
  '{"nested":"maria.garcia@example.com","n":4111111111111111}',
  '[{"role":"user","content":"call +14155552671\\nnow"}]',
  ...corpus.planted.map((p) => `${p.context ?? ''}${p.value}`),
  ...corpus.falsePositives.map((f) => f.text),
];

function generator(seed: number) {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const SEPARATORS = [' ', '', '\n', ', ', '"', '\\', ': ', '@', '.', '-'];

  const string = (): string => {
    const n = 1 + int(3);
    let s = pick(PIECES);
    for (let i = 1; i < n; i++) s += pick(SEPARATORS) + pick(PIECES);
    return s;
  };
  const number = (): number => pick([0, -1, 42, 1.5, -0.25, 1e21, 1730000000123, 4111111111111111, 4111111111111112, 378282246310005, 2 ** 53 + 2, 6011111111111117]);
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth <= 0 || r < 0.35) return string();
    if (r < 0.45) return number();
    if (r < 0.5) return pick([true, false, null]);
    if (r < 0.6) return JSON.stringify(value(depth - 1)); // JSON held in a string (tool arguments)
    if (r < 0.8) return Array.from({ length: int(4) }, () => value(depth - 1));
    const obj: Record<string, unknown> = {};
    for (let i = int(4); i > 0; i--) obj[pick([string(), 'content', 'role', '__proto__', 'x-api-key', 'maria@example.com', ''])] = value(depth - 1);
    return obj;
  };
  /** JSON text of `v` in one of several legal spellings. */
  const serialise = (v: unknown): string => {
    const text = JSON.stringify(v, null, pick([0, 0, 2, '\t']));
    switch (int(4)) {
      case 0: // escaped slashes, as PHP writes them (only strings hold `/`)
        return text.replace(/\//g, '\\/');
      case 1: // ASCII-only output: every non-ASCII character and `@` as \uXXXX (only strings hold them)
        return text.replace(/[@\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      default:
        return text;
    }
  };
  return { value, serialise, int, pick, rand };
}

describe('redactJsonText agrees with redactValue', () => {
  test('on 600 generated documents in several spellings', () => {
    const gen = generator(20240601);
    for (let i = 0; i < 600; i++) {
      const text = gen.serialise(gen.value(4));
      const fast = redactor.redactJsonText(text, 'attr');
      const slow = redactor.redactValue(JSON.parse(text), 'attr');
      expect(JSON.stringify(JSON.parse(fast))).toBe(JSON.stringify(slow));
    }
  });

  test('on mutated documents: valid ones agree, invalid ones are redacted as plain text', () => {
    const gen = generator(7);
    const JUNK = ['{', '}', '[', ']', '"', ',', ':', '\\', ' ', 'a', '1', '\n', '-', '.', 'e', 'u'];
    let invalid = 0;
    for (let i = 0; i < 1500; i++) {
      const base = gen.serialise({ 'owner@example.com': gen.value(3) });
      const at = gen.int(base.length + 1);
      const text =
        gen.rand() < 0.5 ? base.slice(0, at) + gen.pick(JUNK) + base.slice(at) : gen.rand() < 0.5 ? base.slice(0, at) + base.slice(at + 1) : base.slice(0, at);
      let parsed: unknown;
      let valid = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        valid = false;
      }
      const out = redactor.redactJsonText(text);
      if (valid) expect(JSON.stringify(JSON.parse(out))).toBe(JSON.stringify(redactor.redactValue(parsed)));
      else {
        invalid++;
        expect(out).toBe(redactor.redactString(text));
      }
    }
    expect(invalid).toBeGreaterThan(500);
  });
});

describe('anchored rules find exactly what their patterns find', () => {
  // The redactor tries the email and IPv6 patterns only where their anchor allows; the table's global
  // regexes try everywhere. Random text over the characters that matter must come out the same.
  test.each([
    ['email', 'ab.@-_%+ 1xé😀:' as const],
    ['ip', '0f:.a9 1x:%-[' as const],
  ] as [DetectorName, string][])('%s', (name, alphabet) => {
    const detector = DETECTORS.find((d) => d.name === name)!;
    const r = createRedactor({ detectors: only(name) });
    const rand = prng(99);
    const chars = Array.from(alphabet);
    for (let i = 0; i < 4000; i++) {
      let text = '';
      for (let n = Math.floor(rand() * 40); n > 0; n--) text += chars[Math.floor(rand() * chars.length)];
      const viaTable = detector.rules.reduce((out, rule) => out.replace(rule.pattern, rule.replacer(detector.placeholder)), text);
      expect(r.redactString(text)).toBe(viaTable);
    }
  });
});

describe('linear time', () => {
  // Content is untrusted: no input may make a pattern backtrack quadratically. ~256 KB each of the shapes
  // that defeat naive patterns; at the measured worst case (~16 MB/s) all of them take well under a second.
  test('adversarial inputs', () => {
    const K = 256 * 1024;
    const inputs = [
      'a@'.repeat(K / 2),
      'a.'.repeat(K / 2) + '@',
      '1:'.repeat(K / 2),
      'ab:'.repeat(K / 3),
      ':'.repeat(K),
      '1.'.repeat(K / 2),
      '4111 '.repeat(K / 5),
      '+1 '.repeat(K / 3),
      'sk-'.repeat(K / 3),
      'Bearer '.repeat(K / 7),
      '-----BEGIN PRIVATE KEY-----'.repeat(K / 27),
      'DE89 '.repeat(K / 5),
      'x@' + 'a'.repeat(K),
      '9'.repeat(K),
      '[' + '{"a":'.repeat(K / 5),
    ];
    const started = Date.now();
    for (const text of inputs) {
      redactor.redactString(text);
      redactor.redactJsonText(text);
    }
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

// ------------------------------------------------------------------------------------------------
// The corpus

/** Where `a` and `b` differ in shape (a number may become a placeholder string: a card in a number). */
function shapeDifferences(a: unknown, b: unknown, at = '$'): string[] {
  if (typeof a === 'number' && typeof b === 'string') return /^\[[A-Z]+\]$/.test(b) ? [] : [at];
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return [at];
    return a.flatMap((x, i) => shapeDifferences(x, b[i], `${at}[${i}]`));
  }
  if (a !== null && typeof a === 'object') {
    if (b === null || typeof b !== 'object' || Array.isArray(b)) return [at];
    const ka = Object.keys(a);
    if (JSON.stringify(ka) !== JSON.stringify(Object.keys(b))) return [at];
    return ka.flatMap((k) => shapeDifferences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`));
  }
  return typeof a === typeof b && (typeof a !== 'object' || a === b) ? [] : [at];
}

/** String leaves that hold a JSON object or array, paired with their redacted counterparts. */
function jsonLeaves(a: unknown, b: unknown, out: [string, string][] = []): [string, string][] {
  if (typeof a === 'string' && typeof b === 'string' && /^\s*[[{]/.test(a)) {
    try {
      JSON.parse(a);
      out.push([a, b]);
    } catch {
      // text, not JSON
    }
  } else if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
    for (const k of Object.keys(a)) jsonLeaves((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], out);
  }
  return out;
}

/** `text` holds `fragment` as written, JSON-escaped once, or twice (inside a JSON string inside JSON). */
function holds(text: string, fragment: string): boolean {
  const once = JSON.stringify(fragment).slice(1, -1);
  return text.includes(once) || text.includes(JSON.stringify(once).slice(1, -1));
}

describe.each(corpus.documents.map((d) => [d.name, d]))('corpus: %s', (_name, doc) => {
  const redacted = redactor.redactValue(doc.body);
  const text = JSON.stringify(redacted);

  test('no planted value survives, not even a line of one', () => {
    for (const p of doc.planted) for (const line of p.value.split('\n').filter((l) => l.length >= 6)) expect([p.detector, holds(text, line)]).toEqual([p.detector, false]);
    for (const p of doc.planted) expect(text).toContain(`[${p.detector.toUpperCase()}]`);
  });

  test('the text around them survives', () => {
    for (const k of doc.keep) expect([k, holds(text, k)]).toEqual([k, true]);
    if (doc.planted.length === 0) expect(redacted).toEqual(doc.body);
  });

  test('structure is identical, and JSON held in strings is still JSON', () => {
    expect(shapeDifferences(doc.body, redacted)).toEqual([]);
    for (const [, after] of jsonLeaves(doc.body, redacted)) expect(() => JSON.parse(after)).not.toThrow();
  });

  test('redactJsonText of the document is redactValue of it', () => {
    const json = JSON.stringify(doc.body);
    const out = redactor.redactJsonText(json);
    expect(JSON.parse(out)).toEqual(redacted);
    if (doc.planted.length === 0) expect(out).toBe(json);
  });
});

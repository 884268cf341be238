import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DETECTOR_NAMES,
  DETECTORS,
  IBAN_LENGTHS,
  ibanChecksumValid,
  ibanValid,
  ipv6Valid,
  luhnValid,
  type DetectorName,
  type DetectorRule,
} from '../../../src/redaction/detectors';

/** One detector applied through its own table entry (the regexes as written, no redactor fast paths). */
function applyDetector(name: DetectorName, text: string): string {
  const detector = DETECTORS.find((d) => d.name === name)!;
  return detector.rules.reduce((out, rule) => out.replace(rule.pattern, rule.replacer(detector.placeholder)), text);
}

/** All detectors, in application order. */
function applyAll(text: string): string {
  return DETECTOR_NAMES.reduce((out, name) => applyDetector(name, out), text);
}

/** `prefix` completed with its Luhn check digit. */
function withLuhn(prefix: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(prefix + d)) return prefix + d;
  throw new Error('unreachable');
}

interface Corpus {
  falsePositives: { name: string; text: string }[];
  planted: { detector: DetectorName; value: string; context?: string }[];
}
const corpus = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/redaction/corpus.json'), 'utf8')) as Corpus;

// [input, expected] per detector: every format the detector is documented to find.
const POSITIVES: Record<DetectorName, [string, string][]> = {
  email: [
    ['write to maria.garcia@example.com today', 'write to [EMAIL] today'],
    ['j.smith+billing@acme-corp.co.uk', '[EMAIL]'],
    ['mailto:dev.ops@example.org', 'mailto:[EMAIL]'],
    ['<a.okafor@university.example.edu>', '<[EMAIL]>'],
    ['end of sentence x@example.com.', 'end of sentence [EMAIL].'],
    ['jürgen.müller@example.de', '[EMAIL]'],
    ['用户@例子.中国', '[EMAIL]'],
    ['📧maria@example.com', '📧[EMAIL]'],
    ['“maria@example.com”', '“[EMAIL]”'],
    ['first@a.io,second@b.io', '[EMAIL],[EMAIL]'],
  ],
  phone: [
    ['+14155552671', '[PHONE]'],
    ['call +44 20 7946 0958 now', 'call [PHONE] now'],
    ['+1 (415) 555-2671', '[PHONE]'],
    ['+1-415-555-2671', '[PHONE]'],
    ['+44 (0)20 7946 0958', '[PHONE]'],
    ['+33 1 23 45 67 89', '[PHONE]'],
    ['+49 30 901820.', '[PHONE].'],
    ['(415) 555-2671', '[PHONE]'],
    ['(415)555-2671', '[PHONE]'],
    ['415-555-2671', '[PHONE]'],
    ['415.555.2671', '[PHONE]'],
    ['415 555 2671', '[PHONE]'],
    ['dial 1-800-555-0199', 'dial [PHONE]'],
    ['tel:646-555-0199,', 'tel:[PHONE],'],
  ],
  card: [
    ['4111 1111 1111 1111', '[CARD]'],
    ['4111-1111-1111-1111', '[CARD]'],
    ['card 4111111111111111.', 'card [CARD].'],
    ['378282246310005', '[CARD]'],
    ['3782 822463 10005', '[CARD]'],
    ['30569309025904', '[CARD]'],
    ['3056 930902 5904', '[CARD]'],
    ['4222222222222', '[CARD]'],
    ['6011 1111 1111 1117', '[CARD]'],
    ['2223003122003222', '[CARD]'],
    ['5555-5555-5555-4444', '[CARD]'],
    [withLuhn('620000000000000000'), '[CARD]'],
    [withLuhn('620000000000000000').replace(/^(\d{4})(\d{4})(\d{4})(\d{4})(\d{3})$/, '$1 $2 $3 $4 $5'), '[CARD]'],
    ['4111 1111 1111 1111 12', '[CARD] 12'],
    ['#4111111111111111', '#[CARD]'],
  ],
  iban: [
    ['DE89 3704 0044 0532 0130 00', '[IBAN]'],
    ['DE89370400440532013000', '[IBAN]'],
    ['to GB29NWBK60161331926819.', 'to [IBAN].'],
    ['GB29 NWBK 6016 1331 9268 19', '[IBAN]'],
    ['FR14 2004 1010 0505 0001 3M02 606', '[IBAN]'],
    ['NO93 8601 1117 947', '[IBAN]'],
    ['MT84 MALT 0110 0001 2345 MTLC AST0 01S', '[IBAN]'],
    ['BE68 5390 0754 7034 CODE', '[IBAN] CODE'],
    ['„CH93 0076 2011 6238 5295 7“', '„[IBAN]“'],
  ],
  ssn: [
    ['078-05-1120', '[SSN]'],
    ['SSN: 219-09-9999.', 'SSN: [SSN].'],
    ['123 45 6789', '[SSN]'],
    ['(536-22-1234)', '([SSN])'],
  ],
  ip: [
    ['192.168.1.1', '[IP]'],
    ['host=203.0.113.42:8080', 'host=[IP]:8080'],
    ['255.255.255.255 and 0.0.0.0', '[IP] and [IP]'],
    ['from 10.0.0.12.', 'from [IP].'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '[IP]'],
    ['2001:db8::8a2e:370:7334', '[IP]'],
    ['ping ::1', 'ping [IP]'],
    ['fe80::1%eth0', '[IP]'],
    ['fe80::1ff:fe23:4567:890a', '[IP]'],
    ['::ffff:192.0.2.128', '[IP]'],
    ['[2001:db8::1]:8443', '[[IP]]:8443'],
  ],
  secret: [
    ['key sk-proj-EXAMPLE3xT9kQ2mV8bN4cR7wZ1yL5pH0aJ6dF', 'key [SECRET]'],
    ['sk-EXAMPLE0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2y', '[SECRET]'],
    ['sk-svcacct-EXAMPLE0aB1cD2eF3gH4iJ5kL6', '[SECRET]'],
    ['ANTHROPIC_API_KEY=sk-ant-api03-EXAMPLE_k3Jd9QmZ2vX7bN1cL5pR8tW4yH6gF0aS-EXAMPLE-AA', 'ANTHROPIC_API_KEY=[SECRET]'],
    ['AKIAIOSFODNN7EXAMPLE', '[SECRET]'],
    ['id=ASIAEXAMPLE7TEMP0KEY;', 'id=[SECRET];'],
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key = [SECRET]'],
    ['AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AWS_SECRET_ACCESS_KEY=[SECRET]'],
    ['{"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', '{"SecretAccessKey": "[SECRET]"}'],
    ["secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'", "secretAccessKey: '[SECRET]'"],
    ['aws_secret_key => wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_key => [SECRET]'],
    ['?key=AIzaSyEXAMPLE-k3Jd9QmZ2vX7bN1cL5pR8tW4y&alt=sse', '?key=[SECRET]&alt=sse'],
    ['ghp_EXAMPLE0example1EXAMPLE2example3ABCD', '[SECRET]'],
    ['gho_EXAMPLE0example1EXAMPLE2example3WXYZ', '[SECRET]'],
    ['ghu_EXAMPLE0example1EXAMPLE2example3WXYZ', '[SECRET]'],
    ['ghs_EXAMPLE0example1EXAMPLE2example3WXYZ', '[SECRET]'],
    ['ghr_EXAMPLE0example1EXAMPLE2example3WXYZ', '[SECRET]'],
    ['github_pat_11EXAMPLE0aBcDeFgHiJkLmN_EXAMPLEexampleEXAMPLEexampleEXAMPLEexample0123456789ab', '[SECRET]'],
    ['xoxb-000000000000-0000000000000-EXAMPLEexampleEXAMPLEex', '[SECRET]'],
    ['xoxp-000000000000-000000000000-000000000000-0123456789abcdef0123456789abcdef', '[SECRET]'],
    ['xoxa-2-EXAMPLE0123456789', '[SECRET]'],
    ['xoxr-EXAMPLE0123456789', '[SECRET]'],
    ['xoxs-EXAMPLE0123456789', '[SECRET]'],
    ['xoxe.xoxp-1-EXAMPLE0123456789', '[SECRET]'],
    ['xapp-1-A0EXAMPLE-0123456789-abcdef', '[SECRET]'],
    ['post to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX now', 'post to [SECRET] now'],
    ['Authorization: Bearer EXAMPLEtoken.abc123-xyz_789', 'Authorization: Bearer [SECRET]'],
    ['authorization: bearer 0123456789abcdef0123', 'authorization: bearer [SECRET]'],
    ['BEARER dGVzdDp0ZXN0dGVzdA==', 'BEARER [SECRET]'],
    [
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
      '[SECRET]',
    ],
    ['session=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.; theme=dark', 'session=[SECRET]; theme=dark'],
    ['Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'Bearer [SECRET]'],
    ['-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----', '[SECRET]'],
    ['a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nb', 'a\n[SECRET]\nb'],
    ['-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----', '[SECRET]'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----', '[SECRET]'],
    ['-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0w\n-----END ENCRYPTED PRIVATE KEY-----', '[SECRET]'],
    ['-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0\n-----END PGP PRIVATE KEY BLOCK-----', '[SECRET]'],
    // Cut short by a content cap: redacted to the end.
    ['key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC…[truncated]', 'key: [SECRET]'],
  ],
};

// Text each detector must leave alone (the detector alone, so another detector cannot mask a false positive).
const NEGATIVES: Record<DetectorName, string[]> = {
  email: ['user@localhost', '@decorator', 'npm i @scope/pkg', 'icon@2x.png', 'a @ b.com', 'name@example.c', 'foo@bar'],
  phone: [
    '4155552671',
    '14155552671',
    '2024-01-15',
    '2024-01-15T10:30:00Z',
    '4111 1111 1111 1111',
    '5555 5555 5555 4444',
    '555-1234',
    '123-456-7890',
    '415-555-2671-99',
    'ORD-415-555-2671',
    '1.2.3.4',
    '3.14159',
    '+5 points',
    '+1.5',
    'ISBN 978-3-16-148410-0',
    '94105-1234',
    '10:30:45',
    '+2 3 4 5 6',
  ],
  card: [
    '4111111111111112',
    '5234 5678 9012 3456',
    '1234 5678 9012 3456',
    '1730000000123',
    '0.5234567890123456',
    'INV-4111111111111111',
    '4111111111111111.5',
    '41111111111111111111',
    '4111 111 1111 1111',
    '4111 1111-1111 1111',
    '123e4567-e89b-12d3-a456-426614174000',
    '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    '1234567890123456789',
  ],
  iban: [
    'DE88 3704 0044 0532 0130 00',
    'DE89 3704 0044 0532 0130 001',
    'DE893704004405320130001',
    'ZZ89370400440532013000',
    'de89370400440532013000',
    'AB12 CDEF GHIJ KLMN',
    'XDE89370400440532013000',
  ],
  ssn: ['000-12-3456', '666-12-3456', '900-12-3456', '987-65-4320', '123-00-4567', '123-45-0000', '123456789', '123-45-6789-0', '1123-45-6789', '123-45 6789', '2024-01-15'],
  ip: [
    '1.2.3',
    'v1.2.3.4',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.02.03.04',
    '10:30',
    '10:30:45',
    '12:34:56.789',
    'std::vector',
    'a::b',
    'dead::beef',
    '00:1a:2b:3c:4d:5e',
    '1:2:3:4:5:6:7:8:9',
    '2001:db8:::1',
    'Windows 10.0.19041',
    'ratio 16:9',
  ],
  secret: [
    'sk-learn',
    'sk-this-is-a-long-hyphenated-phrase',
    'task-sk-EXAMPLE3xT9kQ2mV8bN4cR7wZ1y',
    'AKIA',
    'AKIAIOSFODNN7EXAMPL',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    '123e4567-e89b-12d3-a456-426614174000',
    'the bearer of bad news',
    'Bearer token',
    'ghp_short',
    'eyJ alone',
    'https://hooks.example.com/services/T000/B000/XXXX',
    '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----',
    '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUF\n-----END CERTIFICATE-----',
    'a long random-looking string: Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8xMjM0NTY3ODk',
  ],
};

describe('checksums', () => {
  test('Luhn', () => {
    for (const n of ['4111111111111111', '378282246310005', '6011111111111117', '5555555555554444', '0', '18']) expect(luhnValid(n)).toBe(true);
    for (const n of ['4111111111111112', '1234567890123456', '378282246310006', '19']) expect(luhnValid(n)).toBe(false);
  });

  test('IBAN mod 97 and country length, on registry examples', () => {
    for (const iban of ['DE89370400440532013000', 'GB29NWBK60161331926819', 'FR1420041010050500013M02606', 'NO9386011117947', 'MT84MALT011000012345MTLCAST001S', 'BR1800360305000010009795493C1']) {
      expect(ibanValid(iban)).toBe(true);
    }
    expect(ibanChecksumValid('DE88370400440532013000')).toBe(false);
    expect(ibanValid('DE8937040044053201300')).toBe(false); // one short
    expect(ibanValid('ZZ89370400440532013000')).toBe(false); // no such country
    expect(ibanChecksumValid('de89370400440532013000')).toBe(false); // upper case only
    expect(Object.values(IBAN_LENGTHS).every((n) => n >= 15 && n <= 34)).toBe(true);
  });

  test('IPv6 candidates', () => {
    for (const ok of ['::1', '2001:db8::1', '2001:0db8:85a3:0000:0000:8a2e:0370:7334', '::ffff:192.0.2.128', 'fe80::1%eth0', '1::', '64:ff9b::192.0.2.33']) expect(ipv6Valid(ok)).toBe(true);
    for (const bad of ['::', 'a::b', '1:2:3', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::1', '::1.2.3', '::256.1.1.1', '1.2.3.4::1', '1:2:3:4:5:6:7::8:9']) expect(ipv6Valid(bad)).toBe(false);
  });
});

describe('the detector table', () => {
  test('one detector per name, in application order, each with its typed placeholder', () => {
    expect(DETECTORS.map((d) => d.name)).toEqual(DETECTOR_NAMES);
    expect([...DETECTOR_NAMES].sort()).toEqual(['card', 'email', 'iban', 'ip', 'phone', 'secret', 'ssn']);
    for (const d of DETECTORS) expect(d.placeholder).toBe(`[${d.name.toUpperCase()}]`);
  });

  test('every pattern is global and every needle is JSON-literal-safe printable ASCII', () => {
    for (const d of DETECTORS) {
      for (const rule of d.rules) {
        expect(rule.pattern.global).toBe(true);
        if (rule.trigger === 'digit') continue;
        for (const needle of rule.trigger) {
          expect(needle).toMatch(/^[\x20-\x7e]+$/);
          expect(needle).not.toMatch(/["\\/]/);
        }
      }
    }
  });
});

describe.each(DETECTOR_NAMES.map((name) => [name]))('%s', (name) => {
  const detector = DETECTORS.find((d) => d.name === name)!;

  test.each(POSITIVES[name])('finds %j', (input, expected) => {
    expect(applyDetector(name, input)).toBe(expected);
  });

  test.each(NEGATIVES[name].map((t) => [t]))('leaves %j alone', (input) => {
    expect(applyDetector(name, input)).toBe(input);
  });

  // The redactor skips a rule by length and trigger, and anchored rules by where they may start: all three
  // must be true of every match, or the fast paths would miss what the pattern finds.
  test('every match is at least minLength, satisfies its trigger (with minDigits), and (anchored) starts where its anchor says', () => {
    let checked = 0;
    for (const [input] of POSITIVES[name]) {
      for (const rule of detector.rules) {
        for (const m of input.matchAll(rule.pattern)) {
          checked++;
          expect(m[0].length).toBeGreaterThanOrEqual(rule.minLength);
          expect(triggerHolds(rule, m[0])).toBe(true);
          if (rule.anchor) {
            const first = m[0].indexOf(rule.anchor.char);
            expect(first).toBeGreaterThanOrEqual(0);
            for (let i = 0; i < first; i++) expect(rule.anchor.inRun(m[0].charCodeAt(i))).toBe(true);
            if (m.index! > 0) expect(rule.anchor.inRun(input.charCodeAt(m.index! - 1))).toBe(false);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

function triggerHolds(rule: DetectorRule, text: string): boolean {
  if (rule.trigger !== 'digit') return rule.trigger.some((needle) => text.includes(needle));
  return (text.match(/[0-9]/g)?.length ?? 0) >= (rule.minDigits ?? 1);
}

describe('all detectors together', () => {
  test.each(corpus.falsePositives.map((f) => [f.name, f.text]))('false-positive bait %s (%j) is left alone', (_name, text) => {
    expect(applyAll(text)).toBe(text);
  });

  test.each(corpus.planted.map((p) => [p.detector, p.value, p.context ?? '']))('planted %s %j is found by its own detector', (name, value, context) => {
    const text = `before ${context}${value} after`;
    const redacted = applyDetector(name as DetectorName, text);
    const placeholder = `[${(name as string).toUpperCase()}]`;
    expect(redacted).toBe(`before ${context}${placeholder} after`);
  });

  test('ordinary prose and code are left alone', () => {
    const prose = [
      'The meeting moved to 3pm on Friday, 15 March 2024; bring the Q3 numbers (revenue up 12.5% to $4.2M).',
      'for (let i = 0; i < 10; i++) { total += prices[i] * 1.08; } // tax 8%',
      'SELECT id, created_at FROM orders WHERE id IN (1024, 2048, 4096) LIMIT 50;',
      'Use `npm i lodash@4.17.21` or pin "^4.17.21"; node >= 20.6.0 is required.',
      'Call me maybe. Send it to the usual address. My card is the blue one.',
      'const re = /^\\d{3}-\\d{2}-\\d{4}$/; // SSN shape, not an SSN',
    ];
    for (const text of prose) expect(applyAll(text)).toBe(text);
  });

  test('a placeholder is never matched by a later detector', () => {
    const all = DETECTORS.map((d) => d.placeholder).join(' ');
    expect(applyAll(all)).toBe(all);
  });
});

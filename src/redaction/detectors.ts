/**
 * The built-in PII and secret detectors, in one table. Pure data plus the checksums the patterns need;
 * `redactor.ts` decides which run and with what placeholder.
 *
 * Every pattern is written to run in linear time on any input (content is untrusted and can be megabytes
 * of base64): a pattern that starts with a repeated character class starts with a negative lookbehind on
 * that same class, so a failed attempt inside a long run is never retried from the run's middle; other
 * repetitions are bounded. Detectors see decoded text only (the redactor decodes JSON string literals
 * before matching), so they need not know about JSON escapes.
 */

export type DetectorName = 'email' | 'phone' | 'card' | 'iban' | 'ssn' | 'ip' | 'secret';

/**
 * Application order. Earlier detectors win overlaps: a secret can contain digit runs that look like a card,
 * an IBAN a run that looks like a phone number; a placeholder (`[SECRET]`) never matches a later one.
 */
export const DETECTOR_NAMES: readonly DetectorName[] = ['secret', 'email', 'iban', 'card', 'ssn', 'phone', 'ip'];

/** The replacement callback `String.prototype.replace` calls for one match (captures follow the match). */
export type Replacer = (match: string, ...captures: any[]) => string;

export interface DetectorRule {
  /** What this rule finds, for humans (docs, test names). */
  readonly label: string;
  /**
   * Cheap gate run before the pattern: `'digit'` = the text holds an ASCII digit; strings = at least one
   * of them occurs in the text. The pattern cannot match text that fails it. Needles are printable ASCII
   * other than `"`, `\` and `/` (so JSON text holds them as themselves: the redactor may test a whole JSON
   * document once instead of each literal), and start with a character that is rare in prose (`k-`, not
   * `sk-`): `includes` skips through text at memchr speed looking for the first character, and crawls when
   * that character is everywhere.
   */
  readonly trigger: 'digit' | readonly string[];
  /**
   * With the `'digit'` trigger: the fewest ASCII digits any match contains (default 1). Short strings with
   * fewer (model names such as `gpt-4o-mini`, dated ids) skip the rule without running its pattern.
   */
  readonly minDigits?: number;
  /** The shortest text the pattern can match: shorter strings (roles, ids, finish reasons) skip the rule. */
  readonly minLength: number;
  /** Global pattern; see the module comment for the linear-time rule. */
  readonly pattern: RegExp;
  /** Builds the replacer for a placeholder. A replacer returns the match unchanged to reject it. */
  readonly replacer: (placeholder: string) => Replacer;
  /**
   * For a pattern that starts with a common character class (so the regex engine would start an attempt
   * at nearly every word) but needs a rarer character: every match contains `char`, and starts where the
   * run of `inRun` characters reaching back from the first `char` it contains starts (the pattern's
   * lookbehind forbids any other start). The redactor then finds `char` with indexOf and tries the pattern,
   * sticky, only at that run's start: the same matches, several times faster.
   */
  readonly anchor?: { readonly char: string; readonly inRun: (code: number) => boolean };
}

export interface Detector {
  readonly name: DetectorName;
  readonly placeholder: string;
  /** Applied in order. */
  readonly rules: readonly DetectorRule[];
}

// ------------------------------------------------------------------------------------------------
// Replacer shapes

/** Every match is replaced whole. */
const whole = (placeholder: string): Replacer => () => placeholder;

/** Matches that pass `valid` are replaced whole; the rest are left as they are. */
const wholeIf =
  (valid: (match: string) => boolean) =>
  (placeholder: string): Replacer =>
  (match) =>
    valid(match) ? placeholder : match;

/** Capture 1 is a label to keep (`Bearer `, `aws_secret_access_key=`); capture 2, the secret, is replaced. */
const afterLabelIf =
  (valid: (secret: string) => boolean) =>
  (placeholder: string): Replacer =>
  (match, label: string, secret: string) =>
    valid(secret) ? label + placeholder : match;

// ------------------------------------------------------------------------------------------------
// Checksums and validators (exported for tests)

/** Luhn (mod 10) check over a string of ASCII digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * IBAN lengths by country (SWIFT IBAN registry, ISO 13616). Only these countries are recognised: the
 * length check is what keeps the mod-97 check from flagging 1 in 97 random `XX00…` identifiers.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30,
  KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20,
  MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22,
  RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
}; // prettier-ignore

/** ISO 7064 mod 97-10 over a compact IBAN (no spaces, upper case): country + check digits moved to the end. */
export function ibanChecksumValid(iban: string): boolean {
  let rem = 0;
  for (let k = 0; k < iban.length; k++) {
    const c = iban.charCodeAt((k + 4) % iban.length);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** A compact IBAN with a known country, that country's length, and a valid checksum. */
export function ibanValid(compact: string): boolean {
  return IBAN_LENGTHS[compact.slice(0, 2)] === compact.length && ibanChecksumValid(compact);
}

/**
 * IBAN candidate → its replacement. A spaced candidate can run on into a following 4-character word
 * (`BE68 5390 0754 7034 CODE`): the country's length says where the IBAN ends, and only that prefix
 * (which must end on a group boundary) is replaced.
 */
const ibanReplacer =
  (placeholder: string): Replacer =>
  (match) => {
    const length = IBAN_LENGTHS[match.slice(0, 2)];
    if (length === undefined) return match;
    let compact = '';
    for (let i = 0; i < match.length; i++) {
      if (match.charCodeAt(i) !== 32) compact += match[i];
      if (compact.length === length) {
        const end = i + 1;
        if (end < match.length && match.charCodeAt(end) !== 32) return match; // ends mid-group
        return ibanChecksumValid(compact) ? placeholder + match.slice(end) : match;
      }
    }
    return match;
  };

/**
 * Card candidate → its replacement: Luhn over the digits. A grouped candidate may have taken a trailing
 * short group that is not part of the number (`4111 1111 1111 1111 12`): then the number without it is tried.
 */
const cardReplacer =
  (placeholder: string): Replacer =>
  (match) => {
    const digits = match.replace(NON_DIGITS, '');
    if (luhnValid(digits)) return placeholder;
    const lastSep = Math.max(match.lastIndexOf(' '), match.lastIndexOf('-'));
    if (lastSep > 0) {
      const head = digits.slice(0, digits.length - (match.length - lastSep - 1));
      if (head.length >= 13 && luhnValid(head)) return placeholder + match.slice(lastSep);
    }
    return match;
  };
const NON_DIGITS = /\D/g;

/** International numbers: 8–15 digits in all (E.164 allows at most 15). */
const phoneDigitsValid = (match: string): boolean => {
  let n = 0;
  for (let i = 0; i < match.length; i++) {
    const c = match.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n >= 8 && n <= 15;
};

/** File names such as `icon@2x.png` have the shape of an address. */
const NOT_EMAIL_TLDS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'bmp', 'tiff', 'avif']);
const emailValid = (match: string): boolean => !NOT_EMAIL_TLDS.has(match.slice(match.lastIndexOf('.') + 1).toLowerCase());

/**
 * IPv6 candidate check: one `::` at most, 1–4 hex digits per group, 8 groups (an IPv4 tail counts as 2)
 * or fewer with `::`. Requires a decimal digit somewhere so that `a::b`, `dead::beef` (and C++/Rust paths
 * made of hex letters) are left alone; `::1`, `fe80::1`, `2001:db8::8a2e:370:7334` are addresses.
 */
export function ipv6Valid(candidate: string): boolean {
  const zone = candidate.indexOf('%');
  const addr = zone === -1 ? candidate : candidate.slice(0, zone);
  if (!/\d/.test(addr)) return false;
  const compressed = addr.indexOf('::');
  if (compressed !== -1 && addr.indexOf('::', compressed + 1) !== -1) return false;
  let groups: string[];
  if (compressed === -1) groups = addr.split(':');
  else {
    const head = addr.slice(0, compressed);
    const tail = addr.slice(compressed + 2);
    groups = [...(head ? head.split(':') : []), ...(tail ? tail.split(':') : [])];
  }
  let count = 0;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    if (group.indexOf('.') !== -1) {
      if (g !== groups.length - 1 || !IPV4_EXACT.test(group)) return false;
      count += 2;
    } else if (HEX_GROUP.test(group)) count += 1;
    else return false;
  }
  return compressed === -1 ? count === 8 : count <= 7;
}
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_EXACT = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** `Bearer <token>`: long enough, or not a plain word, so that "the bearer of bad news" stays prose. */
const bearerTokenValid = (token: string): boolean => token.length >= 16 || (token.length >= 8 && /[^A-Za-z]/.test(token));

/** `sk-…` keys are random: letters and digits both. `sk-this-is-a-long-hyphenated-phrase` is not a key. */
const apiKeyValid = (match: string): boolean => /\d/.test(match) && /[A-Za-z]/.test(match.slice(3));

const isWordCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isHexCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
/**
 * An address's local-part characters, as the email pattern has them: `[\p{L}\p{N}\p{M}_.%+-]`. Surrogates
 * (astral characters: emoji, rare CJK) end the run, so an emoji right before an address does not hide it.
 */
const isLocalPartCode = (c: number): boolean =>
  c < 0x80
    ? isWordCode(c) || c === 46 || c === 37 || c === 43 || c === 45
    : (c < 0xd800 || c > 0xdfff) && LETTER_NUMBER_MARK.test(String.fromCharCode(c));
const LETTER_NUMBER_MARK = /[\p{L}\p{N}\p{M}]/u;
/** `[0-9A-Fa-f:]`: an IPv6 address up to its zone or IPv4 tail. */
const isIpv6Code = (c: number): boolean => isHexCode(c) || c === 58;

// ------------------------------------------------------------------------------------------------
// The table

export const DETECTORS: readonly Detector[] = [
  {
    name: 'secret',
    placeholder: '[SECRET]',
    rules: [
      {
        // PKCS#1/#8, EC, OpenSSH, encrypted and PGP private keys. A block cut short (content capture caps
        // long strings) is redacted to the end of the text: half a key is still a key.
        label: 'PEM private key block',
        trigger: ['PRIVATE KEY'],
        minLength: 27,
        pattern: /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----|$)/g,
        replacer: whole,
      },
      {
        // header.payload.signature, base64url; header and payload are JSON objects, so start `eyJ`.
        // JWE (five segments) is covered by the optional extra segments.
        label: 'JSON Web Token',
        trigger: ['yJ'],
        minLength: 15,
        pattern: /(?<![\w-])eyJ[\w-]{8,}\.[\w-]{2,}\.[\w-]*(?:\.[\w-]*){0,2}/g,
        replacer: whole,
      },
      {
        // RFC 6750 token68 charset. The word stays; only the credential goes.
        label: 'Bearer token',
        trigger: ['Bearer', 'bearer', 'BEARER'],
        minLength: 14,
        pattern: /(?<![A-Za-z])((?:[Bb]earer|BEARER)[ \t]+)([A-Za-z0-9._~+/-]+=*)/g,
        replacer: afterLabelIf(bearerTokenValid),
      },
      {
        // OpenAI `sk-…`, `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…`; Anthropic `sk-ant-api03-…`, `sk-ant-admin01-…`.
        label: 'OpenAI / Anthropic API key',
        trigger: ['k-'],
        minLength: 23,
        pattern: /(?<![\w-])sk-[\w-]{20,}/g,
        replacer: wholeIf(apiKeyValid),
      },
      {
        // Long-term (AKIA), temporary STS (ASIA), and the rarer ABIA/ACCA access key ids: 20 upper-case alphanumerics.
        label: 'AWS access key id',
        trigger: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
        minLength: 20,
        pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
        replacer: whole,
      },
      {
        // The 40-character secret is indistinguishable from any other base64 run, so it is only recognised
        // next to its name: `aws_secret_access_key=…`, `AWS_SECRET_KEY: …`, `"SecretAccessKey": "…"`,
        // `secretAccessKey: '…'`. The name and separator stay.
        label: 'AWS secret access key (named)',
        trigger: ['cret', 'CRET'],
        minLength: 53,
        pattern: /((?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?[ \t]*(?:=>|[:=])[ \t]*["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
        replacer: afterLabelIf(() => true),
      },
      {
        label: 'Google API key',
        trigger: ['AIza'],
        minLength: 39,
        pattern: /(?<![\w-])AIza[\w-]{35}(?![\w-])/g,
        replacer: whole,
      },
      {
        // Personal (ghp_), OAuth (gho_), user-to-server (ghu_), server-to-server (ghs_), refresh (ghr_);
        // fine-grained personal tokens (github_pat_). GitHub reserves up to 255 characters.
        label: 'GitHub token',
        // Not '_' alone: every semconv message JSON has `finish_reason`, which would run this rule always.
        trigger: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
        minLength: 34,
        pattern: /(?<!\w)(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})(?!\w)/g,
        replacer: whole,
      },
      {
        // Bot, user, app, refresh, legacy workspace tokens; rotating `xoxe.xoxp-…`; app-level `xapp-1-…`.
        label: 'Slack token',
        trigger: ['xox', 'xapp-'],
        minLength: 15,
        pattern: /(?<![\w-])(?:xox[abprse](?:\.xox[bp])?-|xapp-\d-)[A-Za-z0-9-]{10,}/g,
        replacer: whole,
      },
      {
        // The path is the credential: the whole URL goes.
        label: 'Slack webhook URL',
        trigger: ['k.com'],
        minLength: 33,
        pattern: /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[\w/-]+/g,
        replacer: whole,
      },
    ],
  },
  {
    name: 'email',
    placeholder: '[EMAIL]',
    rules: [
      {
        // A dotted domain and an alphabetic TLD (`user@localhost`, `@decorator`, `@scope/pkg` are not
        // addresses). Internationalised too: `jürgen.müller@example.de`, `用户@例子.中国`.
        label: 'email address',
        trigger: ['@'],
        minLength: 6,
        pattern:
          /(?<![\p{L}\p{N}\p{M}_.%+-])[\p{L}\p{N}\p{M}_.%+-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?\.)+\p{L}{2,24}(?![\p{L}\p{N}\p{M}-])/gu,
        replacer: wholeIf(emailValid),
        anchor: { char: '@', inRun: isLocalPartCode },
      },
    ],
  },
  {
    name: 'iban',
    placeholder: '[IBAN]',
    rules: [
      {
        // Upper case, compact (`DE89370400440532013000`) or in the printed groups of four
        // (`DE89 3704 0044 0532 0130 00`); country length and mod-97 checked by the replacer.
        label: 'IBAN',
        trigger: 'digit',
        minDigits: 2,
        minLength: 15,
        pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)(?![A-Za-z0-9])/g,
        replacer: ibanReplacer,
      },
    ],
  },
  {
    name: 'card',
    placeholder: '[CARD]',
    rules: [
      {
        // 13–19 digits, ungrouped or in the printed groups (4-4-4-4[-3], Amex/Diners 4-6-5/4-6-4) with one
        // kind of separator, starting with a major-network digit 2–6 (so epoch milliseconds, snowflake ids and
        // most order numbers, which start with 1, 7, 8, 9, never get as far as Luhn). Not after `.` or `-`:
        // `0.5234567890123456` is a fraction, `INV-5234…` an id. (The lookbehind comes after the first four
        // digits because a leading lookbehind costs the regex engine its fast scan for the first character.)
        label: 'payment card number',
        trigger: 'digit',
        minDigits: 13,
        minLength: 13,
        pattern:
          /[2-6]\d{3}(?<![\w.-]\d{4})(?:([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|([ -])\d{6}\2\d{4,5}|\d{9,15})(?![\w]|[.,-]\d)/g,
        replacer: cardReplacer,
      },
    ],
  },
  {
    name: 'ssn',
    placeholder: '[SSN]',
    rules: [
      {
        // AAA-GG-SSSS (or spaced), never area 000, 666 or 9xx, group 00, serial 0000. Nine bare digits are
        // not matched: they are as often zip+4 codes, order numbers and ids.
        label: 'US social security number',
        trigger: 'digit',
        minDigits: 9,
        minLength: 11,
        pattern: /(?<![\w.-])(?!000|666|9)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w]|[.-]\d)/g,
        replacer: whole,
      },
    ],
  },
  {
    name: 'phone',
    placeholder: '[PHONE]',
    rules: [
      {
        // `+` and a country code, then either the rest compact (`+14155552671`) or in groups separated by
        // space, dot or dash, with an optional parenthesised trunk/area (`+44 20 7946 0958`,
        // `+1 (415) 555-2671`, `+44 (0)20 7946 0958`). 8–15 digits in all.
        label: 'international phone number',
        trigger: ['+'],
        minLength: 9,
        pattern:
          /(?<![\w+])\+[1-9]\d{0,3}(?:\d{6,13}|(?:[ .-]?\(\d{1,4}\)[ .-]?\d{1,6}|[ .-]\d{1,6})(?:[ .-]\d{1,6}){0,5})(?![\w]|[.-]\d)/g,
        replacer: wholeIf(phoneDigitsValid),
      },
      {
        // North American numbers: `(415) 555-2671`, `415-555-2671`, `415.555.2671`, `415 555 2671`, with an
        // optional leading `1-`. Area and exchange start 2–9; one separator kind throughout. Ten bare digits
        // are not matched (plain integers); `2024-01-15` has the wrong shape.
        label: 'North American phone number',
        trigger: 'digit',
        minDigits: 10,
        minLength: 12,
        pattern:
          /(?<![\w+.-])(?:1[ .-]?)?(?:\([2-9]\d{2}\)[ .-]?[2-9]\d{2}[ .-]\d{4}|[2-9]\d{2}([ .-])[2-9]\d{2}\1\d{4})(?![\w]|[.-]\d)/g,
        replacer: whole,
      },
    ],
  },
  {
    name: 'ip',
    placeholder: '[IP]',
    rules: [
      {
        // Candidates are colon-separated hex runs (with an optional dotted IPv4 tail and `%zone`);
        // `ipv6Valid` decides. Times (`10:30:45`) and MAC addresses fail the group count.
        label: 'IPv6 address',
        // Not ':' (every JSON document has one): the forms this rule accepts all contain a digit.
        trigger: 'digit',
        minLength: 3,
        pattern: /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|(?=::))(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?:%[\w.]+)?(?![\w:])/g,
        replacer: wholeIf(ipv6Valid),
        anchor: { char: ':', inRun: isIpv6Code },
      },
      {
        // Four decimal octets 0–255 without leading zeros. Not part of a longer dotted run (`1.2.3.4.5`) or
        // word (`v1.2.3.4`); three-part versions (`1.2.3`) have the wrong shape.
        label: 'IPv4 address',
        trigger: 'digit',
        minDigits: 4,
        minLength: 7,
        pattern: new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, 'g'),
        replacer: whole,
      },
    ],
  },
];

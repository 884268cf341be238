/**
 * The redaction engine: the built-in detectors (`detectors.ts`) plus an optional user function, applied to
 * plain text, to JSON values and to JSON text. Pure and synchronous; it may throw (a user function that
 * throws, a circular value), and the caller decides what a failure means: it must fail closed, dropping
 * the content (`tryRedact` reports the failure without quoting it).
 *
 * Paths name a string leaf for the user function. They start with the root the caller passes (verbatim,
 * e.g. `input`, `metadata` or an attribute name such as `gen_ai.input.messages`) and add, per level:
 *   - `.key` for an object member whose key is an identifier (`[A-Za-z_$][A-Za-z0-9_$]*`), no dot when the root is '';
 *   - `["key"]` (JSON-quoted) for any other key: `metadata["x-api-key"]`;
 *   - `[i]` for an array element: `input[0].content`, `gen_ai.input.messages[1].parts[0].content`.
 */
import { DETECTOR_NAMES, DETECTORS, type DetectorName, type DetectorRule, type Replacer } from './detectors';

/**
 * Runs after the built-ins on every string leaf, with the leaf's path (see above). Returns the new value,
 * or undefined to keep it. Anything else is an error (so a mistake cannot pass content through unnoticed).
 */
export type RedactFunction = (value: string, path: string) => string | undefined;

export interface RedactorOptions {
  /** Per-detector switch; any detector not named stays on. */
  detectors?: Partial<Record<DetectorName, boolean>>;
  /** Per-detector placeholder, instead of the default (`[EMAIL]`, `[SECRET]`, …). */
  placeholders?: Partial<Record<DetectorName, string>>;
  redact?: RedactFunction;
}

export interface Redactor {
  /** `text` with every detected value replaced by its placeholder, then the user function applied. */
  redactString(text: string, path?: string): string;
  /**
   * A deep copy of a JSON value with every string leaf redacted as `redactString` does (with its path);
   * keys, numbers, booleans and null are kept, and the structure is identical. One exception, because
   * tool-call arguments carry them: an integer whose digits are a Luhn-valid card number becomes the card
   * placeholder string. Objects with `toJSON` (Date) are replaced by what `toJSON` returns, as
   * `JSON.stringify` would. Throws on a circular structure.
   */
  redactValue<T>(value: T, path?: string): T;
  /**
   * For JSON held as text (`gen_ai.input.messages`): valid JSON whose parse equals
   * `redactValue(JSON.parse(json), path)`; the same string when nothing changed. Text that is not valid JSON
   * is redacted as plain text (`redactString`).
   */
  redactJsonText(json: string, path?: string): string;
}

/** A detector rule bound to its placeholder. */
interface ActiveRule {
  readonly trigger: DetectorRule['trigger'];
  /** `DetectorRule.minDigits`, 1 by default. */
  readonly minDigits: number;
  readonly minLength: number;
  readonly pattern: RegExp;
  readonly replace: Replacer;
  readonly anchor?: DetectorRule['anchor'];
  /** `pattern` without `g`, with `y`: for anchored rules. */
  readonly sticky?: RegExp;
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const enabled = checkedSwitches(options.detectors);
  const placeholders = checkedPlaceholders(options.placeholders);
  const userRedact = options.redact;
  if (userRedact !== undefined && typeof userRedact !== 'function') throw new TypeError('redact must be a function');

  const rulesOf = (name: DetectorName): ActiveRule[] => {
    if (!enabled[name]) return [];
    const detector = DETECTORS.find((d) => d.name === name)!;
    const placeholder = placeholders[name] ?? detector.placeholder;
    return detector.rules.map((rule) => ({
      trigger: rule.trigger,
      minDigits: rule.minDigits ?? 1,
      minLength: rule.minLength,
      pattern: rule.pattern,
      replace: rule.replacer(placeholder),
      anchor: rule.anchor,
      sticky: rule.anchor ? new RegExp(rule.pattern.source, rule.pattern.flags.replace('g', '') + 'y') : undefined,
    }));
  };
  const rules = DETECTOR_NAMES.flatMap(rulesOf);
  const cardRules = rulesOf('card');
  const anyTrigger = triggerPattern(rules);
  /**
   * False only when no rule can match: no trigger, and no escape (`\u0040`, `\/`) that could hide one in
   * JSON. For short strings (metadata values, keys, ids) one regex beats a scan per rule; on long text the
   * per-rule `includes` scans (memchr speed) win, so long text always goes on to them.
   */
  const mayMatch = (text: string): boolean => text.length > SHORT_TEXT || anyTrigger.test(text) || text.includes('\\u') || text.includes('\\/');

  /** Integers that read as a card number (see `redactValue`); other numbers as they are. */
  const numberLeaf = (n: number): number | string => {
    if (cardRules.length === 0 || !Number.isSafeInteger(n) || n < 1e12) return n;
    const digits = String(n);
    const redacted = applyRules(cardRules, digits);
    return redacted === digits ? n : redacted;
  };

  /**
   * The built-ins on one string. A string that is itself a JSON object or array (tool-call arguments, a
   * serialised payload) is redacted as JSON, keys included (inside a string they are content, not
   * structure): it stays valid JSON, and escapes such as `\n` or `\u0040` cannot hide a value. Anything
   * else is redacted as text. `candidates`: the rules that may match it (see `rulesThatMayMatchJson`).
   */
  const builtInsOn = (text: string, candidates: readonly ActiveRule[]): string => {
    if (looksLikeJsonContainer(text)) {
      const nested = redactJsonDocument(text, true);
      if (nested !== undefined) return nested;
    }
    return applyRules(candidates, text);
  };

  /** JSON text with its string values (and keys, if `withKeys`) redacted in place; undefined if not valid JSON. */
  const redactJsonDocument = (json: string, withKeys: boolean): string | undefined => {
    // A short document without any trigger (one pattern, see mayMatch) has nothing to change.
    if (!mayMatch(json)) return json;
    const candidates = rulesThatMayMatchJson(rules, json);
    // No rule's trigger anywhere in the text (typical prose): nothing can change, so skip the scan.
    // (No digits either, so no card-number literals; invalid JSON would come back unchanged as text too.)
    if (candidates.length === 0) return json;
    return redactJsonLiterals(json, (text) => builtInsOn(text, candidates), withKeys, cardRules.length > 0 ? numberLeaf : undefined);
  };

  /**
   * Short strings the built-ins leave alone: the same model names, providers, operations, finish
   * reasons and hosts come back on every span, and a model name with digits costs its rules a regex
   * each. Only unchanged strings are remembered (so this never holds a value that had something to
   * redact); bounded, emptied when full (unique ids pass through it too).
   */
  const cleanShortStrings = new Set<string>();
  const builtIns = (text: string): string => {
    const short = text.length <= CACHED_TEXT;
    if (short && cleanShortStrings.has(text)) return text;
    const redacted = mayMatch(text) ? builtInsOn(text, rules) : text;
    if (short && redacted === text) {
      if (cleanShortStrings.size >= MAX_CACHED_RESULTS) cleanShortStrings.clear();
      cleanShortStrings.add(text);
    }
    return redacted;
  };

  const leaf = (text: string, path: string): string => {
    const redacted = builtIns(text);
    if (userRedact === undefined) return redacted;
    const custom: unknown = userRedact(redacted, path);
    if (custom === undefined) return redacted;
    if (typeof custom !== 'string') throw new TypeError(`redact() returned a ${typeof custom}; expected a string or undefined`);
    return custom;
  };

  // Paths are only built when a user function will read them.
  const withPaths = userRedact !== undefined;

  const walk = (value: unknown, path: string, ancestors: Set<object>): unknown => {
    if (typeof value === 'string') return leaf(value, path);
    if (typeof value === 'number') return numberLeaf(value);
    if (typeof value !== 'object' || value === null) return value;
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return walk((value as { toJSON(key: string): unknown }).toJSON(''), path, ancestors);
    if (ancestors.has(value)) throw new TypeError('redactValue: circular structure');
    ancestors.add(value);
    let out: unknown;
    if (Array.isArray(value)) {
      const copy = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) copy[i] = walk(value[i], withPaths ? `${path}[${i}]` : path, ancestors);
      out = copy;
    } else {
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const child = walk((value as Record<string, unknown>)[key], withPaths ? memberPath(path, key) : path, ancestors);
        // A `__proto__` member (JSON.parse makes one) must stay a member, not become the prototype.
        if (key === '__proto__') Object.defineProperty(copy, key, { value: child, enumerable: true, writable: true, configurable: true });
        else copy[key] = child;
      }
      out = copy;
    }
    ancestors.delete(value);
    return out;
  };

  const redactValue = <T>(value: T, path = ''): T => walk(value, path, new Set()) as T;

  return {
    redactString: (text, path = '') => leaf(text, path),
    redactValue,
    redactJsonText: (json, path = '') => {
      if (userRedact === undefined) {
        // Fast path: redact the string literals in place, no parse/stringify of the whole document.
        const fast = redactJsonDocument(json, false);
        if (fast !== undefined) return fast;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        return leaf(json, path);
      }
      return JSON.stringify(redactValue(parsed, path));
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Applying rules

function applyRules(rules: readonly ActiveRule[], text: string): string {
  let out = text;
  let digits: number | undefined; // computed once, on first need
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r]!;
    if (out.length < rule.minLength) continue;
    const trigger = rule.trigger;
    if (trigger === 'digit') {
      digits ??= digitCount(out);
      if (digits < rule.minDigits) continue;
    } else if (!includesAny(out, trigger)) continue;
    out = rule.anchor ? replaceAnchored(out, rule) : out.replace(rule.pattern, rule.replace);
  }
  return out;
}

/** The most digits any rule asks for (`minDigits`): counting stops there. */
const ENOUGH_DIGITS = Math.max(...DETECTORS.flatMap((d) => d.rules.map((rule) => rule.minDigits ?? 1)));

/**
 * ASCII digits in `text`, counted up to ENOUGH_DIGITS in short text; long text only says whether it has
 * any (Infinity or 0): ten memchr-speed scans beat a loop over every character.
 */
function digitCount(text: string): number {
  if (text.length > SHORT_TEXT) return includesAny(text, DIGITS) ? Infinity : 0;
  let count = 0;
  for (let i = 0; i < text.length && count < ENOUGH_DIGITS; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) count++;
  }
  return count;
}

/**
 * `text.replace(rule.pattern, rule.replace)` for an anchored rule (see `DetectorRule.anchor`), trying the
 * pattern only at the start of the run before each anchor character. Linear: each character is walked over
 * at most once leftwards (a walk stops at the previous anchor or match) and the searches move forwards.
 */
function replaceAnchored(text: string, rule: ActiveRule): string {
  const { char, inRun } = rule.anchor!;
  const sticky = rule.sticky!;
  let out = '';
  let copied = 0; // end of the last match: text[copied..] is not in `out` yet, and no match starts before it
  let prevAnchor = -1;
  for (let at = text.indexOf(char); at !== -1; ) {
    const floor = Math.max(copied, prevAnchor + 1);
    let start = at;
    while (start > floor && inRun(text.charCodeAt(start - 1))) start--;
    // Reaching back to a previous anchor inside the same run: that run's start was tried already.
    const sameRun = start === prevAnchor + 1 && prevAnchor >= copied && inRun(text.charCodeAt(prevAnchor));
    prevAnchor = at;
    let next = at + 1;
    if (!sameRun) {
      sticky.lastIndex = start;
      const m = sticky.exec(text);
      if (m !== null) {
        out += text.slice(copied, start) + rule.replace(...(m as unknown as [string, ...string[]]));
        copied = start + m[0].length;
        next = Math.max(next, copied);
      }
    }
    at = text.indexOf(char, next);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * The rules whose trigger holds somewhere in the JSON text: the only ones that can match any of its string
 * literals, found with one scan of the document instead of one per literal. Sound because trigger needles and
 * digits are printable ASCII other than `"`, `\` and `/`, which JSON writes as themselves, unless the text
 * uses `\u` or `\/` escapes: then every rule stays in and each literal is checked on its own.
 */
function rulesThatMayMatchJson(rules: readonly ActiveRule[], json: string): readonly ActiveRule[] {
  if (json.includes('\\u') || json.includes('\\/')) return rules;
  let hasDigit: boolean | undefined;
  return rules.filter((rule) => {
    if (rule.trigger !== 'digit') return includesAny(json, rule.trigger);
    if (hasDigit === undefined) hasDigit = includesAny(json, DIGITS);
    return hasDigit;
  });
}

const SHORT_TEXT = 256;

/** Strings up to this long that the built-ins leave alone are remembered (see `builtIns`), up to MAX_CACHED_RESULTS of them. */
const CACHED_TEXT = 64;
const MAX_CACHED_RESULTS = 4096;

/** One pattern that finds any active rule's trigger (a needle, or a digit): a text without one is left as it is. */
function triggerPattern(rules: readonly ActiveRule[]): RegExp {
  const needles = new Set<string>();
  let digit = false;
  for (const rule of rules) {
    if (rule.trigger === 'digit') digit = true;
    else for (const needle of rule.trigger) needles.add(needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
  const parts = [...needles];
  if (digit) parts.push('[0-9]');
  return parts.length === 0 ? /(?!)/ : new RegExp(parts.join('|'));
}

/** Ten memchr-speed scans beat one `/\d/` scan on text without digits, and tie on text with them. */
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function includesAny(text: string, needles: readonly string[]): boolean {
  for (let i = 0; i < needles.length; i++) if (text.includes(needles[i]!)) return true;
  return false;
}

/** First and last non-blank characters `{…}` or `[…]`: worth trying as JSON (cheap; prose fails at once). */
export function looksLikeJsonContainer(text: string): boolean {
  let first = 0;
  let last = text.length - 1;
  while (first < last && isJsonBlank(text.charCodeAt(first))) first++;
  while (last > first && isJsonBlank(text.charCodeAt(last))) last--;
  if (last <= first) return false;
  const open = text.charCodeAt(first);
  const close = text.charCodeAt(last);
  return (open === 0x7b && close === 0x7d) || (open === 0x5b && close === 0x5d);
}

const isJsonBlank = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function memberPath(parent: string, key: string): string {
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

// ------------------------------------------------------------------------------------------------
// JSON text, in place

const enum Expect {
  Value,
  ValueOrEnd, // after `[`
  KeyOrEnd, // after `{`
  Key, // after `,` in an object
  Colon,
  CommaOrEnd,
  Done,
}
const IN_OBJECT = 1;
const IN_ARRAY = 2;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const EXPONENT = /[eE]/;
/** Raw control characters are invalid inside JSON strings (they must be escaped). */
const CONTROL_CHAR = /[\u0000-\u001f]/;

/**
 * `json` with each string value (and key, if `redactKeys`) replaced by `redactLeaf` of its decoded content,
 * re-encoded, and (when `numberLeaf` is given) each number by what `numberLeaf` makes of its value; the rest
 * of the text is copied as is, so a document without matches comes back as the same string. Returns
 * undefined when `json` is not valid JSON (the caller then parses, which decides for sure).
 *
 * Literals without escapes (most of them) are their own decoded content, so only literals with a backslash
 * are decoded (JSON.parse of the literal alone). The scanner validates the grammar as it goes: strings are
 * skipped with indexOf, so the per-character work is only over the structure between them.
 */
function redactJsonLiterals(
  json: string,
  redactLeaf: (text: string) => string,
  redactKeys: boolean,
  numberLeaf: ((n: number) => number | string) | undefined,
): string | undefined {
  const n = json.length;
  const stack: number[] = [];
  let expect = Expect.Value;
  let out = '';
  let copied = 0; // json[copied..] is not in `out` yet
  let nextBackslash = json.indexOf('\\');
  let i = 0;

  const afterValue = (): Expect => (stack.length === 0 ? Expect.Done : Expect.CommaOrEnd);
  const replaceToken = (start: number, end: number, text: string) => {
    out += json.slice(copied, start) + text;
    copied = end;
  };

  while (i < n) {
    const c = json.charCodeAt(i);
    if (isJsonBlank(c)) {
      i++;
      continue;
    }
    if (c === 0x22 /* " */) {
      const isKey: boolean = expect === Expect.KeyOrEnd || expect === Expect.Key;
      if (!isKey && expect !== Expect.Value && expect !== Expect.ValueOrEnd) return undefined;
      let end = json.indexOf('"', i + 1);
      if (end === -1) return undefined;
      if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = json.indexOf('\\', i);
      const escaped = nextBackslash !== -1 && nextBackslash < end;
      if (escaped) {
        // The quote may itself be escaped: an odd run of backslashes before it.
        for (;;) {
          let k = end - 1;
          while (json.charCodeAt(k) === 0x5c) k--;
          if ((end - 1 - k) % 2 === 0) break;
          end = json.indexOf('"', end + 1);
          if (end === -1) return undefined;
        }
      }
      let content: string;
      if (escaped) {
        try {
          content = JSON.parse(json.slice(i, end + 1)) as string; // also validates the escapes
        } catch {
          return undefined;
        }
      } else {
        content = json.slice(i + 1, end);
        if (CONTROL_CHAR.test(content)) return undefined; // escaped literals were checked by JSON.parse
      }
      if (!isKey || redactKeys) {
        const redacted = redactLeaf(content);
        if (redacted !== content) replaceToken(i, end + 1, JSON.stringify(redacted));
      }
      expect = isKey ? Expect.Colon : afterValue();
      i = end + 1;
      continue;
    }
    switch (c) {
      case 0x7b /* { */:
      case 0x5b /* [ */:
        if (expect !== Expect.Value && expect !== Expect.ValueOrEnd) return undefined;
        stack.push(c === 0x7b ? IN_OBJECT : IN_ARRAY);
        expect = c === 0x7b ? Expect.KeyOrEnd : Expect.ValueOrEnd;
        i++;
        continue;
      case 0x7d /* } */:
      case 0x5d /* ] */: {
        const kind = c === 0x7d ? IN_OBJECT : IN_ARRAY;
        const empty = kind === IN_OBJECT ? Expect.KeyOrEnd : Expect.ValueOrEnd;
        if (stack[stack.length - 1] !== kind || (expect !== empty && expect !== Expect.CommaOrEnd)) return undefined;
        stack.pop();
        expect = afterValue();
        i++;
        continue;
      }
      case 0x2c /* , */:
        if (expect !== Expect.CommaOrEnd) return undefined;
        expect = stack[stack.length - 1] === IN_OBJECT ? Expect.Key : Expect.Value;
        i++;
        continue;
      case 0x3a /* : */:
        if (expect !== Expect.Colon) return undefined;
        expect = Expect.Value;
        i++;
        continue;
    }
    if (expect !== Expect.Value && expect !== Expect.ValueOrEnd) return undefined;
    if (c === 0x74 /* t */ && json.startsWith('true', i)) i += 4;
    else if (c === 0x66 /* f */ && json.startsWith('false', i)) i += 5;
    else if (c === 0x6e /* n */ && json.startsWith('null', i)) i += 4;
    else {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(json)) return undefined;
      const end = NUMBER.lastIndex;
      // Only tokens of 13+ characters, or with an exponent, can be numbers of 13+ integer digits.
      if (numberLeaf !== undefined && (end - i >= 13 || EXPONENT.test(json.slice(i, end)))) {
        const redacted = numberLeaf(Number(json.slice(i, end)));
        if (typeof redacted === 'string') replaceToken(i, end, JSON.stringify(redacted));
      }
      i = end;
    }
    expect = afterValue();
  }
  if (expect !== Expect.Done) return undefined;
  return copied === 0 ? json : out + json.slice(copied);
}

// ------------------------------------------------------------------------------------------------
// Options and failures

function checkedSwitches(switches: RedactorOptions['detectors']): Record<DetectorName, boolean> {
  const out = Object.fromEntries(DETECTOR_NAMES.map((name) => [name, true])) as Record<DetectorName, boolean>;
  for (const [name, on] of Object.entries(switches ?? {})) {
    // A misspelt name would silently leave its detector on: say so.
    if (!(DETECTOR_NAMES as readonly string[]).includes(name)) throw new TypeError(`unknown redaction detector "${name}"`);
    // Only an explicit `false` turns a detector off.
    if (on === false) out[name as DetectorName] = false;
  }
  return out;
}

function checkedPlaceholders(placeholders: RedactorOptions['placeholders']): Partial<Record<DetectorName, string>> {
  for (const [name, placeholder] of Object.entries(placeholders ?? {})) {
    if (!(DETECTOR_NAMES as readonly string[]).includes(name)) throw new TypeError(`unknown redaction detector "${name}"`);
    if (placeholder !== undefined && typeof placeholder !== 'string') throw new TypeError(`placeholder for "${name}" must be a string`);
  }
  return placeholders ?? {};
}

export type RedactOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Runs a redaction, reporting a failure instead of throwing. The report names the error's built-in class
 * only: its message, stack, even a custom `name` may quote the content being redacted.
 */
export function tryRedact<T>(fn: () => T): RedactOutcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, error: `redaction failed (${errorClass(err)})` };
  }
}

const BUILT_IN_ERRORS = [RangeError, ReferenceError, SyntaxError, TypeError, URIError, EvalError, AggregateError] as const;

function errorClass(err: unknown): string {
  if (err === null || (typeof err !== 'object' && typeof err !== 'function')) return `thrown ${err === null ? 'null' : typeof err}`;
  try {
    for (const ctor of BUILT_IN_ERRORS) if (err instanceof ctor) return ctor.name;
    return err instanceof Error ? 'Error' : `thrown ${typeof err}`;
  } catch {
    return 'thrown object'; // a Proxy whose prototype trap throws: reporting must not fail in turn
  }
}

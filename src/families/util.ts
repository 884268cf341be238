/** Small, defensive readers for untrusted JSON. Parsers use these instead of casts. */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown): Json | undefined {
  return isObject(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A finite number, or undefined. */
export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function asInt(value: unknown): number | undefined {
  const n = asNumber(value);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

export function asBoolean(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** A string or an array of strings (OpenAI `stop`), normalised to an array. */
export function asStringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  const list = asArray(value);
  if (!list) return undefined;
  const strings = list.filter((v): v is string => typeof v === 'string');
  return strings.length > 0 ? strings : undefined;
}

/** Sum of the defined numbers; undefined when none is defined. */
export function sum(...values: Array<number | undefined>): number | undefined {
  let total: number | undefined;
  for (const v of values) if (v !== undefined) total = (total ?? 0) + v;
  return total;
}

/**
 * Accumulates streamed text under a shared budget, so a runaway stream cannot grow memory past
 * `ParseContext.maxContentChars`. `truncated` tells the caller that text was dropped.
 */
export class TextBudget {
  truncated = false;
  private remaining: number;
  constructor(maxChars: number) {
    this.remaining = maxChars;
  }
  /** Returns `current + addition`, cut to the remaining budget. */
  append(current: string, addition: string): string {
    if (addition.length <= this.remaining) {
      this.remaining -= addition.length;
      return current + addition;
    }
    this.truncated = true;
    const kept = addition.slice(0, Math.max(0, this.remaining));
    this.remaining = 0;
    return current + kept;
  }
}

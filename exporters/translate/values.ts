/** Defensive readers for attribute values (3.x spans may hold anything). Never throw. */

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A finite number (numeric strings accepted: some instrumentations record counts as strings). */
export function asNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** A non-negative integer count. */
export function asCount(value: unknown): number | undefined {
  const n = asNumber(value);
  return n !== undefined && n >= 0 ? Math.round(n) : undefined;
}

export function asStringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') {
    // Some instrumentations serialise lists as JSON text.
    if (value.startsWith('[')) {
      try {
        return asStringList(JSON.parse(value));
      } catch {
        return [value];
      }
    }
    return [value];
  }
  if (!Array.isArray(value)) return undefined;
  const out = value.filter((v): v is string => typeof v === 'string');
  return out.length > 0 ? out : undefined;
}

/**
 * A value made JSON-safe for `metadata`: primitives as they are, bigint as a string, objects
 * (3.x attributes) through a JSON round trip; functions and unserialisable values dropped.
 */
export function jsonSafe(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return null;
      // Lists of primitives (finish reasons, stop sequences: the common case) are JSON already.
      if (Array.isArray(value) && value.every(isJsonPrimitive)) return value;
      try {
        const text = JSON.stringify(value);
        return text === undefined ? undefined : JSON.parse(text);
      } catch {
        return undefined;
      }
    default:
      return undefined;
  }
}

function isJsonPrimitive(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || value === null;
}

/**
 * Flattened, indexed attributes (`{prefix}0.role`, `{prefix}0.content`, `{prefix}1.role`, …) grouped
 * by index, in index order. `rest` matches what follows the prefix: group 1 the index, group 2 the
 * field name. Every indexed dialect (OpenLLMetry, OpenInference) reads its lists through this.
 */
export function groupByIndex(entries: Iterable<[string, unknown]>, prefix: string, rest: RegExp = /^(\d+)\.(.+)$/): Map<number, Map<string, unknown>> {
  const byIndex = new Map<number, Map<string, unknown>>();
  for (const [key, value] of entries) {
    if (!key.startsWith(prefix)) continue;
    const match = rest.exec(key.slice(prefix.length));
    if (match === null) continue;
    const index = Number(match[1]);
    let fields = byIndex.get(index);
    if (fields === undefined) byIndex.set(index, (fields = new Map()));
    fields.set(match[2]!, value);
  }
  return new Map([...byIndex].sort(([a], [b]) => a - b));
}

/** Sets `target[key]` only when `value` is defined. */
export function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

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

/** Sets `target[key]` only when `value` is defined. */
export function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

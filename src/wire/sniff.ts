/**
 * Best-effort reading of a JSON body that could not be parsed whole (cut by the capture cap):
 * a few top-level scalars from its head and the `usage` object from its tail, returned as a small
 * object in the body's own shape so the family parser can read it like a real body.
 */

const HEAD_SCALARS = ['model', 'id', 'modelVersion', 'responseId'] as const;
const TAIL_OBJECTS = ['usage', 'usageMetadata'] as const;

export function sniffJson(head: string, tail: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const window = head.length > 4096 ? head.slice(0, 4096) : head;
  for (const key of HEAD_SCALARS) {
    const m = new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\]|\\\\.){1,256})"`).exec(window);
    if (m) out[key] = safeParse(`"${m[1]}"`);
  }
  const stream = /"stream"\s*:\s*(true|false)/.exec(window);
  if (stream) out.stream = stream[1] === 'true';
  for (const key of TAIL_OBJECTS) {
    const value = lastObject(tail, key) ?? lastObject(head, key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The JSON object value of the last `"key": {...}` in `text`, found by brace matching. */
function lastObject(text: string, key: string): unknown {
  const marker = `"${key}"`;
  let at = text.lastIndexOf(marker);
  while (at !== -1) {
    let i = at + marker.length;
    while (i < text.length && (text[i] === ' ' || text[i] === ':' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
    if (text[i] === '{') {
      const end = matchBrace(text, i);
      if (end !== -1) {
        const value = safeParse(text.slice(i, end + 1));
        if (value !== undefined) return value;
      }
    }
    // lastIndexOf clamps a negative position to 0: stop after index 0 instead of finding it forever.
    at = at === 0 ? -1 : text.lastIndexOf(marker, at - 1);
  }
  return undefined;
}

function matchBrace(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Explicit `braintrust.*` attributes, the way an app tells Braintrust exactly what to show. They win
 * over every other dialect. Each field may be a JSON string (`braintrust.input_json`), a plain value
 * (`braintrust.input`, also a 3.x object attribute), or flattened (`braintrust.metadata.user_tier`,
 * `braintrust.input.0.role`), as Braintrust's own OTLP mapping accepts them.
 */
import type { BraintrustSpanType, RecordMetrics, SpanAttributeMap } from '../record';
import type { Dialect, SpanFacts } from './facts';
import { isObject, parseJsonAttribute } from './messages';
import { asNumber, asString, asStringList, jsonSafe } from './values';

const PREFIX = 'braintrust.';
/** Set by Braintrust's own span processor for routing; not content. */
const SYSTEM_ATTRIBUTES = new Set(['braintrust.parent', 'braintrust.context_json']);
const SPAN_TYPES = new Set<BraintrustSpanType>(['llm', 'task', 'function', 'tool']);

export const braintrustDialect: Dialect = (a) => {
  let found = false;
  for (const key in a) {
    if (key.startsWith(PREFIX) && !SYSTEM_ATTRIBUTES.has(key)) {
      found = true;
      break;
    }
  }
  if (!found) return undefined;

  const facts: SpanFacts = {};
  const input = field(a, 'input');
  if (input !== undefined) facts.input = input;
  const output = field(a, 'output');
  if (output !== undefined) facts.output = output;

  const metadata = field(a, 'metadata');
  if (isObject(metadata)) facts.metadata = metadata;

  const metrics = field(a, 'metrics');
  if (isObject(metrics)) {
    const numeric: RecordMetrics = {};
    for (const [k, v] of Object.entries(metrics)) {
      const n = asNumber(v);
      if (n !== undefined) numeric[k] = n;
    }
    facts.metrics = numeric;
  }

  const spanAttributes = field(a, 'span_attributes');
  if (isObject(spanAttributes)) {
    const type = spanAttributes.type;
    if (typeof type === 'string' && SPAN_TYPES.has(type as BraintrustSpanType)) facts.type = type as BraintrustSpanType;
    const name = asString(spanAttributes.name);
    if (name !== undefined) facts.name = name;
  }
  const tags = asStringList(parseJsonAttribute(a['braintrust.tags']) ?? a['braintrust.tags']);
  if (tags) facts.tags = [...new Set(tags)];
  return facts;
};

/**
 * `braintrust.<name>_json` (JSON text), else `braintrust.<name>` (a value; JSON text is parsed when it
 * is JSON, kept as a string otherwise), else the flattened `braintrust.<name>.<path>` keys.
 */
function field(a: SpanAttributeMap, name: string): unknown {
  const json = a[`${PREFIX}${name}_json`];
  if (typeof json === 'string') {
    const parsed = parseJsonAttribute(json);
    if (parsed !== undefined) return parsed;
  }
  const plain = a[`${PREFIX}${name}`];
  if (plain !== undefined) {
    if (typeof plain === 'string') {
      const parsed = parseJsonAttribute(plain);
      return parsed !== undefined && typeof parsed === 'object' ? parsed : plain;
    }
    return jsonSafe(plain);
  }
  return unflatten(a, `${PREFIX}${name}.`);
}

/** `{prefix}0.role`, `{prefix}0.content` … → `[{role, content}]`; `{prefix}tier` → `{tier}`. */
function unflatten(a: SpanAttributeMap, prefix: string): unknown {
  let root: Record<string, unknown> | undefined;
  for (const key in a) {
    if (!key.startsWith(prefix)) continue;
    const path = key.slice(prefix.length).split('.');
    root ??= {};
    let node = root;
    for (let i = 0; i < path.length - 1; i++) {
      const next = node[path[i]!];
      node = isObject(next) ? next : (node[path[i]!] = {});
    }
    node[path[path.length - 1]!] = jsonSafe(a[key]);
  }
  return root === undefined ? undefined : arraysFromIndexKeys(root);
}

/** Objects whose keys are exactly 0..n-1 become arrays (flattened message lists). */
function arraysFromIndexKeys(value: unknown): unknown {
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  const converted: Record<string, unknown> = {};
  for (const k of keys) converted[k] = arraysFromIndexKeys(value[k]);
  const isList = keys.length > 0 && keys.every((k, i) => k === String(i));
  return isList ? keys.map((k) => converted[k]) : converted;
}

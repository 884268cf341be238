/**
 * Wire model name → price-table entry.
 *
 * The same model reaches us under many spellings: dated snapshots (`gpt-4o-2024-08-06`,
 * `claude-3-5-haiku-20241022`), gateway prefixes (`openai/gpt-4o`, `models/gemini-2.5-pro`,
 * `publishers/google/models/...`), Vertex `@` snapshots (`claude-sonnet-4-5@20250929`), OpenRouter
 * dots (`anthropic/claude-3.7-sonnet`), Bedrock ids with inference-profile prefixes and version
 * suffixes (`us.anthropic.claude-...-v1:0`, ARNs), `-latest` aliases and any letter case.
 *
 * The rule that matters more than recall: a name must never resolve to a DIFFERENT model's price.
 * So matching only ever removes decorations (prefix, date, `-latest`, version suffix) and then asks
 * for an exact name; it never matches on prefixes of model names (`gpt-4o-mini` cannot become
 * `gpt-4o`, `o1-mini` cannot become `o1`). Bedrock ids resolve only to Bedrock prices (Bedrock bills
 * some models differently from their makers). When two entries still claim a name with different
 * prices, the answer is "unknown".
 */

/** What the matcher needs from an entry (the price table's `PriceEntry` has all of it). */
export interface MatchableEntry {
  model: string;
  provider: string;
  aliases?: readonly string[];
  samePriceOn?: readonly string[];
  bedrockEndpoint?: 'global' | 'geo';
}

/** Which kind of Bedrock endpoint a model id addresses, from its inference-profile prefix. */
export type BedrockEndpointKind = 'global' | 'geo' | 'in-region';

export interface ModelMatcher<E extends MatchableEntry> {
  /** The entry priced for `model` (as seen on the wire), or undefined. `provider` narrows the search. */
  match(model: string, provider?: string): E | undefined;
}

/** An entry with this provider (a user override naming none) serves every provider. */
export const ANY_PROVIDER = '*';

/** Longer names are not model ids (and not worth normalising). */
export const MAX_MODEL_NAME_LENGTH = 256;

const BEDROCK_GLOBAL_PREFIX = 'global';
// Geographic cross-region inference profiles (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html).
const BEDROCK_GEO_PREFIXES = ['us', 'us-gov', 'eu', 'apac', 'au', 'jp', 'ca'];
// Model vendors on Bedrock: a name `vendor.model` with one of these is a Bedrock model id.
const BEDROCK_VENDORS = ['anthropic', 'meta', 'amazon', 'cohere', 'mistral', 'ai21', 'deepseek', 'openai', 'qwen', 'writer', 'google', 'nvidia', 'twelvelabs', 'stability'];
const BEDROCK_ID = new RegExp(
  `^(?:(${[BEDROCK_GLOBAL_PREFIX, ...BEDROCK_GEO_PREFIXES].join('|')})\\.)?((?:${BEDROCK_VENDORS.join('|')})\\.[a-z0-9][a-z0-9._:-]*)$`,
);
// `-v1:0`, `-v2`, `:0` at the end of a Bedrock id.
const BEDROCK_VERSION_SUFFIX = /(?:-v\d+(?::\d+)?|:\d+)$/;
const DATE_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|20\d{6})$/;
const LATEST_SUFFIX = /-latest$/;

export interface ParsedBedrockId {
  endpoint: BedrockEndpointKind;
  /** `vendor.model-vN:M`, without the inference-profile prefix. */
  id: string;
  /** `vendor.model`, without the version suffix either. */
  base: string;
}

/** A Bedrock model id (after lower-casing and ARN stripping), or undefined for any other name. */
export function parseBedrockId(name: string): ParsedBedrockId | undefined {
  const m = BEDROCK_ID.exec(name);
  if (!m) return undefined;
  const prefix = m[1];
  const id = m[2];
  const endpoint: BedrockEndpointKind = prefix === undefined ? 'in-region' : prefix === BEDROCK_GLOBAL_PREFIX ? 'global' : 'geo';
  return { endpoint, id, base: id.replace(BEDROCK_VERSION_SUFFIX, '') };
}

/**
 * The names to try for a (lower-cased) wire name, most specific first: the name itself, then the
 * same name with gateway prefixes removed, and for each of those the Vertex `@`, OpenRouter-dot,
 * `-latest` and date-suffix forms.
 */
export function candidateNames(name: string): string[] {
  const out: string[] = [];
  const add = (n: string) => {
    if (n && !out.includes(n)) out.push(n);
  };
  const tails = [name];
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) tails.push(name.slice(i + 1));
  for (const tail of tails) {
    add(tail);
    const atless = tail.replace(/@/g, '-');
    add(atless);
    // OpenRouter spells Claude versions with dots (`claude-3.7-sonnet`, `claude-sonnet-4.5`).
    const dashed = atless.startsWith('claude-') ? atless.replace(/(\d)\.(\d)/g, '$1-$2') : atless;
    add(dashed);
    add(dashed.replace(LATEST_SUFFIX, ''));
    add(dashed.replace(DATE_SUFFIX, ''));
  }
  return out;
}

/** Lower-cased, trimmed, URL-decoded `:`; undefined for what cannot be a model id. */
function cleanName(model: unknown): string | undefined {
  if (typeof model !== 'string') return undefined;
  const s = model.trim().toLowerCase().replace(/%3a/g, ':');
  if (s.length === 0 || s.length > MAX_MODEL_NAME_LENGTH) return undefined;
  return s;
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) {
    if (!list.includes(value)) list.push(value);
  } else map.set(key, [value]);
}

/**
 * Builds a matcher over `entries`. `samePrice(a, b)` tells whether two entries claiming one name
 * bill the same (then either answer is right); otherwise such a name is unknown.
 */
export function createModelMatcher<E extends MatchableEntry>(entries: readonly E[], samePrice: (a: E, b: E) => boolean): ModelMatcher<E> {
  const byName = new Map<string, E[]>();
  const bedrockById = new Map<string, E[]>();
  const bedrockByBase = new Map<string, E[]>();

  for (const entry of entries) {
    for (const raw of [entry.model, ...(entry.aliases ?? [])]) {
      const name = cleanName(raw);
      if (!name) continue;
      const bedrock = entry.provider === 'aws.bedrock' || entry.provider === ANY_PROVIDER ? parseBedrockId(name) : undefined;
      if (bedrock) {
        push(bedrockById, bedrock.id, entry);
        push(bedrockByBase, bedrock.base, entry);
      } else push(byName, name, entry);
    }
  }

  const servesProvider = (entry: E, provider: string | undefined) =>
    provider === undefined || entry.provider === ANY_PROVIDER || entry.provider === provider || (entry.samePriceOn?.includes(provider) ?? false);

  /** 'none' when no entry fits; undefined when entries fit but disagree on price. */
  const pick = (list: E[] | undefined, fits: (e: E) => boolean): E | undefined | 'none' => {
    if (!list) return 'none';
    const fitting = list.filter(fits);
    if (fitting.length === 0) return 'none';
    const first = fitting[0];
    return fitting.every((e) => e === first || samePrice(e, first)) ? first : undefined;
  };

  return {
    match(model: string, provider?: string): E | undefined {
      const name = cleanName(model);
      if (!name) return undefined;
      const hint = typeof provider === 'string' && provider.trim() !== '' ? provider.trim().toLowerCase() : undefined;

      // ARNs (`arn:aws:bedrock:...:foundation-model/anthropic.claude-...`) name the model last.
      const lastSegment = name.slice(name.lastIndexOf('/') + 1);
      const bedrock = parseBedrockId(lastSegment);
      if (bedrock) {
        const fits = (e: E) => servesProvider(e, hint) && (e.bedrockEndpoint === undefined || e.bedrockEndpoint === bedrock.endpoint);
        for (const list of [bedrockById.get(bedrock.id), bedrockByBase.get(bedrock.base)]) {
          const found = pick(list, fits);
          if (found !== 'none') return found;
        }
        return undefined;
      }

      for (const candidate of candidateNames(name)) {
        const found = pick(byName.get(candidate), (e) => servesProvider(e, hint));
        if (found !== 'none') return found;
      }
      return undefined;
    },
  };
}

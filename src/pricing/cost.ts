/**
 * USD cost of one LLM call from its model name and token usage, using the offline price table
 * (`price-table.ts`) plus the user's overrides. Pure and synchronous; never throws.
 *
 * Never a wrong number: an unknown model, an ambiguous name, inconsistent usage (cache tokens
 * larger than the input they are part of) or tokens of a class the model has no price for all give
 * `undefined`, not an estimate.
 */
import { ANY_PROVIDER, createModelMatcher, MAX_MODEL_NAME_LENGTH, parseBedrockId, type ModelMatcher } from './model-match';
import { PRICE_TABLE, type LongContextTier, type ModelPrices, type PriceEntry, type TokenPrices } from './price-table';

/**
 * Token usage as the cost estimate reads it. Mirrors `Usage` in `src/llm-call.ts` (any `Usage` is
 * a `PricingUsage`): `inputTokens` INCLUDES cache reads and cache writes, `outputTokens` INCLUDES
 * reasoning tokens.
 */
export interface PricingUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  /** All cache writes, whatever their TTL. */
  cacheCreationInputTokens?: number;
  /** The part of `cacheCreationInputTokens` written with a 1-hour TTL; the rest is 5-minute. */
  cacheCreation1hInputTokens?: number;
  /** Part of `outputTokens`; billed as output. */
  reasoningOutputTokens?: number;
}

/**
 * A user price for a model (keyed by model id in `overrides`), in USD per 1M tokens. Replaces the
 * table's price for that id and every other name of that model, or adds a model. Without a
 * `provider` it applies whichever provider served the call.
 */
export interface PriceOverride extends ModelPrices {
  provider?: string;
  /** More wire names for this price. */
  aliases?: readonly string[];
}

export interface CostEstimatorOptions {
  overrides?: Readonly<Record<string, PriceOverride>>;
  /** Called once per distinct model name that has no price (for one debug line). */
  onUnknownModel?: (model: string) => void;
  /** Bound on memoised name resolutions (default 4096). */
  maxMemoEntries?: number;
}

export interface EstimateOptions {
  /** `gen_ai.provider.name` of the call: only prices of that provider apply. */
  provider?: string;
}

/** The price that applies to a model name: a table entry or an override. */
export interface ResolvedPrice extends ModelPrices {
  model: string;
  provider: string;
  source: string;
}

export interface CostEstimator {
  /** USD for `usage` on `model`, or undefined (unknown model, no tokens, bad or inconsistent usage). */
  estimateCostUsd(model: string, usage: PricingUsage | undefined, options?: EstimateOptions): number | undefined;
  /** The price a model name resolves to, or undefined. */
  priceFor(model: string, provider?: string): ResolvedPrice | undefined;
}

const DEFAULT_MAX_MEMO_ENTRIES = 4096;
/** Bound on the set of unknown names already reported. */
const MAX_REPORTED_UNKNOWN = 1024;
const PER_MILLION = 1_000_000;
/** Results are rounded to 1e-10 USD: enough to drop float noise, far below any real price. */
const ROUNDING = 1e10;

interface IndexedPrice extends ResolvedPrice {
  aliases?: readonly string[];
  samePriceOn?: readonly string[];
  bedrockEndpoint?: 'global' | 'geo';
}

export function createCostEstimator(options: CostEstimatorOptions = {}): CostEstimator {
  const overrides = overrideEntries(options.overrides);
  // Overrides are searched first, so they win over every table name they share.
  const overrideMatcher = createModelMatcher(overrides, samePrices);
  const tableMatcher: ModelMatcher<IndexedPrice> = overrides.length === 0 ? defaultTableMatcher() : createModelMatcher(PRICE_TABLE, samePrices);
  const maxMemo = Math.max(1, Math.floor(options.maxMemoEntries ?? DEFAULT_MAX_MEMO_ENTRIES));
  const onUnknownModel = options.onUnknownModel;

  // provider hint ('' for none) → model name → price (null: known to be unknown).
  const memo = new Map<string, Map<string, IndexedPrice | null>>();
  let memoSize = 0;
  const reportedUnknown = new Set<string>();

  const resolve = (model: string, provider: string | undefined): IndexedPrice | undefined => {
    // Over-long names are never model ids; keeping them out of the memo bounds its memory too.
    if (typeof model !== 'string' || model.length > MAX_MODEL_NAME_LENGTH) return undefined;
    const hint = typeof provider === 'string' ? provider : '';
    let byModel = memo.get(hint);
    const cached = byModel?.get(model);
    if (cached !== undefined) return cached ?? undefined;

    const found = overrideMatcher.match(model, hint || undefined) ?? tableMatcher.match(model, hint || undefined);
    if (memoSize >= maxMemo) {
      // A full reset keeps the memo bounded without per-hit bookkeeping; it refills in one pass.
      memo.clear();
      memoSize = 0;
      byModel = undefined;
    }
    if (!byModel) {
      byModel = new Map();
      memo.set(hint, byModel);
    }
    byModel.set(model, found ?? null);
    memoSize++;
    if (!found) reportUnknown(model);
    return found;
  };

  const reportUnknown = (model: string) => {
    if (!onUnknownModel || reportedUnknown.has(model) || reportedUnknown.size >= MAX_REPORTED_UNKNOWN) return;
    if (model.trim() === '') return;
    reportedUnknown.add(model);
    try {
      onUnknownModel(model);
    } catch {
      /* a logging callback must not break pricing */
    }
  };

  return {
    estimateCostUsd(model, usage, estimateOptions) {
      try {
        const price = resolve(model, estimateOptions?.provider);
        return price ? costFromPrices(price, usage) : undefined;
      } catch {
        return undefined;
      }
    },
    priceFor(model, provider) {
      try {
        const price = resolve(model, provider);
        return price ? publicPrice(price) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** A call's cost as the instrumentation and the exporter ask for it: `provider` '' when unknown. */
export type CallCostEstimate = (model: string, usage: PricingUsage, provider: string) => number | undefined;

/** The estimate with the user's `prices` (otel.config.ts), reporting each unpriced model once. */
export function costEstimatorFor(prices: Readonly<Record<string, PriceOverride>>, onUnknownModel?: (model: string) => void): CallCostEstimate {
  const estimator = createCostEstimator({ overrides: prices, ...(onUnknownModel ? { onUnknownModel } : {}) });
  return (model, usage, provider) => estimator.estimateCostUsd(model, usage, provider ? { provider } : undefined);
}

let defaultEstimator: CostEstimator | undefined;

/** USD for `usage` on `model` with the built-in table (no overrides), or undefined. */
export function estimateCostUsd(model: string, usage: PricingUsage | undefined, options?: EstimateOptions): number | undefined {
  defaultEstimator ??= createCostEstimator();
  return defaultEstimator.estimateCostUsd(model, usage, options);
}

/**
 * USD for `usage` at `prices`, or undefined when usage is missing, empty, malformed or
 * inconsistent, or has tokens of a class `prices` does not price.
 */
export function costFromPrices(prices: ModelPrices, usage: PricingUsage | undefined): number | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const input = tokenCount(usage.inputTokens);
  const output = tokenCount(usage.outputTokens);
  const cacheRead = tokenCount(usage.cacheReadInputTokens);
  const cacheCreation = tokenCount(usage.cacheCreationInputTokens);
  const cacheWrite1h = tokenCount(usage.cacheCreation1hInputTokens);
  const reasoning = tokenCount(usage.reasoningOutputTokens);
  if (input === null || output === null || cacheRead === null || cacheCreation === null || cacheWrite1h === null || reasoning === null) return undefined;

  const inputTokens = input ?? 0;
  const outputTokens = output ?? 0;
  if (inputTokens === 0 && outputTokens === 0) return undefined;
  // Reasoning is part of output; more reasoning than output means output was counted without it.
  if ((reasoning ?? 0) > outputTokens) return undefined;

  const writes = cacheCreation ?? cacheWrite1h ?? 0;
  const writes1h = cacheWrite1h ?? 0;
  const reads = cacheRead ?? 0;
  if (writes1h > writes) return undefined;
  const uncachedInput = inputTokens - reads - writes;
  if (uncachedInput < 0) return undefined;

  // Long-context tiers switch on the request's whole input, cache included, and reprice everything.
  const tier: TokenPrices = prices.longContext && inputTokens > prices.longContext.aboveInputTokens ? prices.longContext : prices;
  const total =
    tokensCost(uncachedInput, tier.input) +
    tokensCost(reads, tier.cacheRead) +
    tokensCost(writes - writes1h, tier.cacheWrite5m) +
    tokensCost(writes1h, tier.cacheWrite1h) +
    tokensCost(outputTokens, tier.output);
  if (!Number.isFinite(total)) return undefined;
  return Math.round((total / PER_MILLION) * ROUNDING) / ROUNDING;
}

/** A count: undefined when absent, null when not a finite non-negative number. */
function tokenCount(value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** tokens × price per 1M (still ×1M); NaN when there are tokens but no price for them. */
function tokensCost(tokens: number, pricePerMillion: number | undefined): number {
  if (tokens === 0) return 0;
  return pricePerMillion === undefined ? Number.NaN : tokens * pricePerMillion;
}

const PRICE_FIELDS = ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h'] as const;

function samePrices(a: ModelPrices, b: ModelPrices): boolean {
  if (!PRICE_FIELDS.every((f) => a[f] === b[f])) return false;
  const la: LongContextTier | undefined = a.longContext;
  const lb: LongContextTier | undefined = b.longContext;
  if (!la || !lb) return la === lb;
  return la.aboveInputTokens === lb.aboveInputTokens && PRICE_FIELDS.every((f) => la[f] === lb[f]);
}

function isPrice(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function validPrices(p: Partial<TokenPrices> | undefined): boolean {
  if (typeof p !== 'object' || p === null || !isPrice(p.input)) return false;
  return PRICE_FIELDS.every((f) => p[f] === undefined || isPrice(p[f]));
}

/** Only the price fields of an override, copied (the user's object may change later). */
function copyPrices(p: ModelPrices): ModelPrices {
  const out: ModelPrices = { input: p.input };
  for (const f of PRICE_FIELDS) if (p[f] !== undefined) out[f] = p[f];
  if (p.longContext) {
    const tier: LongContextTier = { aboveInputTokens: p.longContext.aboveInputTokens, input: p.longContext.input };
    for (const f of PRICE_FIELDS) if (p.longContext[f] !== undefined) tier[f] = p.longContext[f];
    out.longContext = tier;
  }
  return out;
}

/**
 * Overrides as matcher entries. An override inherits every name of the table entries it replaces
 * (so `gpt-4o` also reprices `gpt-4o-2024-08-06`). Invalid overrides are skipped.
 */
function overrideEntries(overrides: CostEstimatorOptions['overrides']): IndexedPrice[] {
  if (typeof overrides !== 'object' || overrides === null) return [];
  const out: IndexedPrice[] = [];
  for (const [key, override] of Object.entries(overrides)) {
    const model = key.trim();
    if (model === '' || model.length > MAX_MODEL_NAME_LENGTH || !validPrices(override)) continue;
    if (override.longContext !== undefined && (!validPrices(override.longContext) || !isPrice(override.longContext.aboveInputTokens))) continue;
    const provider = typeof override.provider === 'string' && override.provider.trim() !== '' ? override.provider.trim().toLowerCase() : ANY_PROVIDER;
    const lower = model.toLowerCase();
    const replaced = PRICE_TABLE.filter(
      (e) => (provider === ANY_PROVIDER || e.provider === provider) && [e.model, ...(e.aliases ?? [])].some((n) => n.toLowerCase() === lower),
    );
    const aliases = new Set<string>();
    for (const e of replaced) for (const n of [e.model, ...(e.aliases ?? [])]) if (n.toLowerCase() !== lower) aliases.add(n);
    for (const n of Array.isArray(override.aliases) ? override.aliases : []) if (typeof n === 'string') aliases.add(n);
    const bedrock = parseBedrockId(lower);
    out.push({
      ...copyPrices(override),
      model,
      provider,
      aliases: [...aliases],
      // An override for a `global.`/`us.` Bedrock id prices that endpoint kind only.
      bedrockEndpoint: bedrock?.endpoint === 'global' || bedrock?.endpoint === 'geo' ? bedrock.endpoint : undefined,
      source: 'otel.config.ts override',
    });
  }
  return out;
}

let tableMatcherCache: ModelMatcher<PriceEntry> | undefined;

/** The matcher over the built-in table, built once per process. */
function defaultTableMatcher(): ModelMatcher<PriceEntry> {
  tableMatcherCache ??= createModelMatcher(PRICE_TABLE, samePrices);
  return tableMatcherCache;
}

function publicPrice(p: IndexedPrice): ResolvedPrice {
  return { ...copyPrices(p), model: p.model, provider: p.provider, source: p.source };
}

/**
 * The offline price table: the one source of truth for what a model's tokens cost, in USD per 1M
 * tokens, for the models we can name on the wire. Pure data; `model-match.ts` finds an entry for a
 * wire name and `cost.ts` turns an entry and a usage into dollars.
 *
 * Rules this table keeps:
 *   - Every price was read from a source named in the entry's `source`, on or before `checked`.
 *     Provider pages were read where a copy could be had; otherwise two maintained public price
 *     lists that transcribe the provider's page (pydantic/genai-prices and the LiteLLM
 *     model_prices_and_context_window.json) were read and only prices on which both agree were
 *     kept. A price we could not confirm is left out: no entry (or no cache price) means no cost,
 *     never a guessed one.
 *   - `input` is the price of UNCACHED input tokens; cache reads and cache writes have their own
 *     prices. Reasoning/thinking tokens are output tokens and are billed at `output`.
 *   - A `longContext` tier replaces the prices of the WHOLE request (every token class, output
 *     included) when the request's total input (cache reads and writes included) is above
 *     `aboveInputTokens`, as Anthropic, Gemini and OpenAI bill it.
 *   - A token class without a price is not free: usage with tokens in it has no cost estimate.
 *   - Aliases are other names for exactly the same model and price (dated snapshots, `-latest`
 *     aliases that Anthropic/xAI pin). A snapshot billed differently (e.g. `gpt-4o-2024-05-13`) is
 *     its own entry.
 *
 * Not modelled (no entry or no estimate rather than a wrong one): batch/flex/priority tiers,
 * audio/image token prices (all input is priced as text), DeepSeek (time-of-day prices), Bedrock
 * in-region ids of models whose regional price differs from the global one.
 */

/** Bump when prices are (re)checked; surfaces in docs and debug output. */
export const PRICE_TABLE_VERSION = '2026-11-28';

/** `gen_ai.provider.name` values that own an entry's price. */
export type PricingProvider =
  | 'openai'
  | 'anthropic'
  | 'gcp.gemini'
  | 'gcp.vertex_ai'
  | 'mistral_ai'
  | 'groq'
  | 'deepseek'
  | 'x_ai'
  | 'cohere'
  | 'aws.bedrock';

/** USD per 1M tokens of each class. */
export interface TokenPrices {
  /** Uncached input tokens. */
  input: number;
  /** Output tokens, reasoning included. Absent for embeddings models (input only). */
  output?: number;
  /** Input tokens read from the prompt cache. */
  cacheRead?: number;
  /** Input tokens written to the cache with the default (5-minute) TTL. */
  cacheWrite5m?: number;
  /** Input tokens written to the cache with a 1-hour TTL (Anthropic). */
  cacheWrite1h?: number;
}

/** Prices that apply to the whole request when its total input is above the threshold. */
export interface LongContextTier extends TokenPrices {
  aboveInputTokens: number;
}

export interface ModelPrices extends TokenPrices {
  longContext?: LongContextTier;
}

export interface PriceEntry extends ModelPrices {
  /** Canonical model id, as the provider's API spells it. */
  model: string;
  provider: PricingProvider;
  /**
   * Other wire names of exactly this model at exactly this price: dated snapshots, pinned
   * `-latest` aliases, and the undated names gateways use (OpenRouter's `claude-3.7-sonnet`).
   */
  aliases?: readonly string[];
  /** Other providers that bill the same id at the same price (e.g. Gemini on Vertex AI). */
  samePriceOn?: readonly PricingProvider[];
  /**
   * Bedrock only: which endpoints this price is for. `global` = the `global.` inference profile;
   * `geo` = the `us.`/`eu.`/`apac.`/... inference profiles. Absent = every endpoint, in-region
   * included, bills this price.
   */
  bedrockEndpoint?: 'global' | 'geo';
  kind?: 'chat' | 'embedding';
  /** URL(s) of what the prices were read from. */
  source: string;
  /** ISO date the prices were last checked against `source`. */
  checked: string;
}

const CHECKED = '2026-11-28';

// Sources. Where a provider page could not be read directly, the source names the two price lists
// that were read and compared, and the provider page they both cite.
const ANTHROPIC_PRICING = 'https://platform.claude.com/docs/en/about-claude/pricing';
const ANTHROPIC_LONG_CONTEXT =
  'https://platform.claude.com/docs/en/about-claude/pricing#long-context-pricing (rates confirmed by https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json)';
const ANTHROPIC_LEGACY =
  'https://github.com/pydantic/genai-prices/blob/main/prices/providers/anthropic.yml (retired model; cites https://www.anthropic.com/pricing#api)';
const ANTHROPIC_5_5 =
  'https://platform.claude.com/docs/en/about-claude/pricing as transcribed on 2026-10-24 in https://github.com/kurofune/claudit/releases/tag/v1.9.2 (agrees with https://docs.rs/synaps/0.10.2/synaps_cli/pricing/index.html)';
const OPENAI =
  'https://github.com/pydantic/genai-prices/blob/main/prices/providers/openai.yml + https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json (both transcribe https://platform.openai.com/docs/pricing)';
const GEMINI =
  'https://github.com/pydantic/genai-prices/blob/main/prices/providers/google.yml + https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json (both transcribe https://ai.google.dev/gemini-api/docs/pricing)';
const MISTRAL =
  'https://github.com/pydantic/genai-prices/blob/main/prices/providers/mistral.yml + https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json (both transcribe https://mistral.ai/pricing#api-pricing)';
const GROQ =
  'https://github.com/pydantic/genai-prices/blob/main/prices/providers/groq.yml + https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json (both transcribe https://groq.com/pricing/)';
const XAI =
  'https://github.com/pydantic/genai-prices/blob/main/prices/providers/x_ai.yml + https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json (both transcribe https://docs.x.ai/docs/models)';
const COHERE =
  'https://github.com/pydantic/genai-prices/blob/main/prices/providers/cohere.yml + https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json (both transcribe https://cohere.com/pricing)';
const BEDROCK =
  'https://github.com/pydantic/genai-prices/blob/main/prices/providers/aws.yml + https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json (both transcribe https://aws.amazon.com/bedrock/pricing/)';

/** Anthropic's Sonnet 4 / 4.5 rates for requests above 200K input tokens (1M-context beta). */
const SONNET_4_LONG_CONTEXT: LongContextTier = {
  aboveInputTokens: 200_000,
  input: 6,
  output: 22.5,
  cacheRead: 0.6,
  cacheWrite5m: 7.5,
  cacheWrite1h: 12,
};

export const PRICE_TABLE: readonly PriceEntry[] = [
  // ---------------------------------------------------------------------------------------------
  // OpenAI. Reasoning models (o-series, gpt-5) bill reasoning tokens as output.
  // ---------------------------------------------------------------------------------------------
  { model: 'gpt-4o', provider: 'openai', aliases: ['gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'], input: 2.5, cacheRead: 1.25, output: 10, source: OPENAI, checked: CHECKED },
  // The first gpt-4o snapshot kept its launch price and has no cache discount.
  { model: 'gpt-4o-2024-05-13', provider: 'openai', input: 5, output: 15, source: OPENAI, checked: CHECKED },
  { model: 'gpt-4o-mini', provider: 'openai', aliases: ['gpt-4o-mini-2024-07-18'], input: 0.15, cacheRead: 0.075, output: 0.6, source: OPENAI, checked: CHECKED },
  { model: 'gpt-4.1', provider: 'openai', aliases: ['gpt-4.1-2025-04-14'], input: 2, cacheRead: 0.5, output: 8, source: OPENAI, checked: CHECKED },
  { model: 'gpt-4.1-mini', provider: 'openai', aliases: ['gpt-4.1-mini-2025-04-14'], input: 0.4, cacheRead: 0.1, output: 1.6, source: OPENAI, checked: CHECKED },
  { model: 'gpt-4.1-nano', provider: 'openai', aliases: ['gpt-4.1-nano-2025-04-14'], input: 0.1, cacheRead: 0.025, output: 0.4, source: OPENAI, checked: CHECKED },
  { model: 'gpt-4-turbo', provider: 'openai', aliases: ['gpt-4-turbo-2024-04-09'], input: 10, output: 30, source: OPENAI, checked: CHECKED },
  { model: 'gpt-4', provider: 'openai', aliases: ['gpt-4-0613'], input: 30, output: 60, source: OPENAI, checked: CHECKED },
  { model: 'gpt-3.5-turbo', provider: 'openai', aliases: ['gpt-3.5-turbo-0125'], input: 0.5, output: 1.5, source: OPENAI, checked: CHECKED },
  { model: 'o1', provider: 'openai', aliases: ['o1-2024-12-17'], input: 15, cacheRead: 7.5, output: 60, source: OPENAI, checked: CHECKED },
  { model: 'o1-pro', provider: 'openai', aliases: ['o1-pro-2025-03-19'], input: 150, output: 600, source: OPENAI, checked: CHECKED },
  // o3 was repriced on 2025-06-10; this is the current price.
  { model: 'o3', provider: 'openai', aliases: ['o3-2025-04-16'], input: 2, cacheRead: 0.5, output: 8, source: OPENAI, checked: CHECKED },
  { model: 'o3-pro', provider: 'openai', aliases: ['o3-pro-2025-06-10'], input: 20, output: 80, source: OPENAI, checked: CHECKED },
  { model: 'o3-mini', provider: 'openai', aliases: ['o3-mini-2025-01-31'], input: 1.1, cacheRead: 0.55, output: 4.4, source: OPENAI, checked: CHECKED },
  { model: 'o4-mini', provider: 'openai', aliases: ['o4-mini-2025-04-16'], input: 1.1, cacheRead: 0.275, output: 4.4, source: OPENAI, checked: CHECKED },
  { model: 'gpt-5', provider: 'openai', aliases: ['gpt-5-2025-08-07', 'gpt-5-chat-latest', 'gpt-5-codex'], input: 1.25, cacheRead: 0.125, output: 10, source: OPENAI, checked: CHECKED },
  { model: 'gpt-5-mini', provider: 'openai', aliases: ['gpt-5-mini-2025-08-07'], input: 0.25, cacheRead: 0.025, output: 2, source: OPENAI, checked: CHECKED },
  { model: 'gpt-5-nano', provider: 'openai', aliases: ['gpt-5-nano-2025-08-07'], input: 0.05, cacheRead: 0.005, output: 0.4, source: OPENAI, checked: CHECKED },
  { model: 'gpt-5-pro', provider: 'openai', aliases: ['gpt-5-pro-2025-10-06'], input: 15, output: 120, source: OPENAI, checked: CHECKED },
  { model: 'gpt-5.1', provider: 'openai', aliases: ['gpt-5.1-2025-11-13', 'gpt-5.1-codex'], input: 1.25, cacheRead: 0.125, output: 10, source: OPENAI, checked: CHECKED },
  { model: 'gpt-5.2', provider: 'openai', aliases: ['gpt-5.2-2025-12-11'], input: 1.75, cacheRead: 0.175, output: 14, source: OPENAI, checked: CHECKED },
  {
    model: 'gpt-5.4',
    provider: 'openai',
    aliases: ['gpt-5.4-2026-03-05'],
    input: 2.5,
    cacheRead: 0.25,
    output: 15,
    longContext: { aboveInputTokens: 272_000, input: 5, cacheRead: 0.5, output: 22.5 },
    source: OPENAI,
    checked: CHECKED,
  },
  { model: 'gpt-5.4-mini', provider: 'openai', aliases: ['gpt-5.4-mini-2026-03-17'], input: 0.75, cacheRead: 0.075, output: 4.5, source: OPENAI, checked: CHECKED },
  { model: 'gpt-5.4-nano', provider: 'openai', aliases: ['gpt-5.4-nano-2026-03-17'], input: 0.2, cacheRead: 0.02, output: 1.25, source: OPENAI, checked: CHECKED },
  { model: 'text-embedding-3-small', provider: 'openai', kind: 'embedding', input: 0.02, source: OPENAI, checked: CHECKED },
  { model: 'text-embedding-3-large', provider: 'openai', kind: 'embedding', input: 0.13, source: OPENAI, checked: CHECKED },
  { model: 'text-embedding-ada-002', provider: 'openai', kind: 'embedding', input: 0.1, source: OPENAI, checked: CHECKED },

  // ---------------------------------------------------------------------------------------------
  // Anthropic (Claude API). 5-minute cache writes are 1.25x input, 1-hour writes 2x, reads 0.1x,
  // except where the page lists otherwise (Fable 5.1, the 5.5 family).
  // ---------------------------------------------------------------------------------------------
  { model: 'claude-fable-5-1', provider: 'anthropic', input: 10, cacheWrite5m: 12.5, cacheWrite1h: 20, cacheRead: 0.25, output: 50, source: ANTHROPIC_PRICING, checked: CHECKED },
  { model: 'claude-fable-5', provider: 'anthropic', input: 10, cacheWrite5m: 12.5, cacheWrite1h: 20, cacheRead: 1, output: 50, source: ANTHROPIC_PRICING, checked: CHECKED },
  { model: 'claude-opus-5-5', provider: 'anthropic', input: 4, cacheWrite5m: 5, cacheWrite1h: 8, cacheRead: 0.2, output: 20, source: ANTHROPIC_5_5, checked: CHECKED },
  { model: 'claude-opus-5', provider: 'anthropic', input: 5, cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5, output: 25, source: ANTHROPIC_PRICING, checked: CHECKED },
  { model: 'claude-opus-4-8', provider: 'anthropic', input: 5, cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5, output: 25, source: ANTHROPIC_PRICING, checked: CHECKED },
  { model: 'claude-opus-4-7', provider: 'anthropic', aliases: ['claude-opus-4-7-20260416'], input: 5, cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5, output: 25, source: ANTHROPIC_PRICING, checked: CHECKED },
  // Opus 4.6 / Sonnet 4.6: the >200K surcharge was removed on 2026-03-13 (flat across 1M).
  { model: 'claude-opus-4-6', provider: 'anthropic', aliases: ['claude-opus-4-6-20260205'], input: 5, cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5, output: 25, source: ANTHROPIC_PRICING, checked: CHECKED },
  { model: 'claude-opus-4-5', provider: 'anthropic', aliases: ['claude-opus-4-5-20251101'], input: 5, cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5, output: 25, source: ANTHROPIC_PRICING, checked: CHECKED },
  { model: 'claude-opus-4-1', provider: 'anthropic', aliases: ['claude-opus-4-1-20250805'], input: 15, cacheWrite5m: 18.75, cacheWrite1h: 30, cacheRead: 1.5, output: 75, source: ANTHROPIC_PRICING, checked: CHECKED },
  { model: 'claude-opus-4-0', provider: 'anthropic', aliases: ['claude-opus-4-20250514', 'claude-opus-4'], input: 15, cacheWrite5m: 18.75, cacheWrite1h: 30, cacheRead: 1.5, output: 75, source: ANTHROPIC_PRICING, checked: CHECKED },
  // Sonnet 5.5: cache hits were cut from $0.20 to $0.10 on 2026-10-07.
  { model: 'claude-sonnet-5-5', provider: 'anthropic', input: 2, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.1, output: 10, source: ANTHROPIC_5_5, checked: CHECKED },
  // Sonnet 5: the launch price ($2/$10) became its standard price (the planned rise was cancelled).
  { model: 'claude-sonnet-5', provider: 'anthropic', input: 2, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.2, output: 10, source: ANTHROPIC_PRICING, checked: CHECKED },
  { model: 'claude-sonnet-4-6', provider: 'anthropic', input: 3, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3, output: 15, source: ANTHROPIC_PRICING, checked: CHECKED },
  {
    model: 'claude-sonnet-4-5',
    provider: 'anthropic',
    aliases: ['claude-sonnet-4-5-20250929'],
    input: 3,
    cacheWrite5m: 3.75,
    cacheWrite1h: 6,
    cacheRead: 0.3,
    output: 15,
    longContext: SONNET_4_LONG_CONTEXT,
    source: `${ANTHROPIC_PRICING}; long context: ${ANTHROPIC_LONG_CONTEXT}`,
    checked: CHECKED,
  },
  {
    model: 'claude-sonnet-4-0',
    provider: 'anthropic',
    aliases: ['claude-sonnet-4-20250514', 'claude-sonnet-4'],
    input: 3,
    cacheWrite5m: 3.75,
    cacheWrite1h: 6,
    cacheRead: 0.3,
    output: 15,
    longContext: SONNET_4_LONG_CONTEXT,
    source: `${ANTHROPIC_PRICING}; long context: ${ANTHROPIC_LONG_CONTEXT}`,
    checked: CHECKED,
  },
  { model: 'claude-3-7-sonnet-20250219', provider: 'anthropic', aliases: ['claude-3-7-sonnet-latest', 'claude-3-7-sonnet'], input: 3, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3, output: 15, source: ANTHROPIC_PRICING, checked: CHECKED },
  { model: 'claude-3-5-sonnet-20241022', provider: 'anthropic', aliases: ['claude-3-5-sonnet-latest', 'claude-3-5-sonnet-v2'], input: 3, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3, output: 15, source: ANTHROPIC_LEGACY, checked: CHECKED },
  { model: 'claude-3-5-sonnet-20240620', provider: 'anthropic', input: 3, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3, output: 15, source: ANTHROPIC_LEGACY, checked: CHECKED },
  { model: 'claude-haiku-4-5', provider: 'anthropic', aliases: ['claude-haiku-4-5-20251001'], input: 1, cacheWrite5m: 1.25, cacheWrite1h: 2, cacheRead: 0.1, output: 5, source: ANTHROPIC_PRICING, checked: CHECKED },
  // Haiku 5.5 bills the whole request at 5x when its prompt (cache reads and writes included) is above 100K tokens.
  {
    model: 'claude-haiku-5-5',
    provider: 'anthropic',
    input: 0.1,
    cacheWrite5m: 0.125,
    cacheWrite1h: 0.2,
    cacheRead: 0.01,
    output: 0.5,
    longContext: { aboveInputTokens: 100_000, input: 0.5, cacheWrite5m: 0.625, cacheWrite1h: 1, cacheRead: 0.05, output: 2.5 },
    source: ANTHROPIC_5_5,
    checked: CHECKED,
  },
  { model: 'claude-3-5-haiku-20241022', provider: 'anthropic', aliases: ['claude-3-5-haiku-latest', 'claude-3-5-haiku'], input: 0.8, cacheWrite5m: 1, cacheWrite1h: 1.6, cacheRead: 0.08, output: 4, source: ANTHROPIC_PRICING, checked: CHECKED },
  { model: 'claude-3-opus-20240229', provider: 'anthropic', aliases: ['claude-3-opus-latest'], input: 15, cacheWrite5m: 18.75, cacheWrite1h: 30, cacheRead: 1.5, output: 75, source: ANTHROPIC_PRICING, checked: CHECKED },
  { model: 'claude-3-haiku-20240307', provider: 'anthropic', input: 0.25, cacheWrite5m: 0.3, cacheWrite1h: 0.5, cacheRead: 0.03, output: 1.25, source: ANTHROPIC_PRICING, checked: CHECKED },

  // ---------------------------------------------------------------------------------------------
  // Google Gemini API. Thinking tokens are output. Vertex AI bills the 2.5 / 3.x models the same.
  // ---------------------------------------------------------------------------------------------
  {
    model: 'gemini-2.5-pro',
    provider: 'gcp.gemini',
    samePriceOn: ['gcp.vertex_ai'],
    input: 1.25,
    cacheRead: 0.125,
    output: 10,
    longContext: { aboveInputTokens: 200_000, input: 2.5, cacheRead: 0.25, output: 15 },
    source: GEMINI,
    checked: CHECKED,
  },
  { model: 'gemini-2.5-flash', provider: 'gcp.gemini', samePriceOn: ['gcp.vertex_ai'], input: 0.3, cacheRead: 0.03, output: 2.5, source: GEMINI, checked: CHECKED },
  { model: 'gemini-2.5-flash-lite', provider: 'gcp.gemini', samePriceOn: ['gcp.vertex_ai'], input: 0.1, cacheRead: 0.01, output: 0.4, source: GEMINI, checked: CHECKED },
  // Vertex AI prices some 2.0 snapshots differently; only the Gemini API price is kept.
  { model: 'gemini-2.0-flash', provider: 'gcp.gemini', aliases: ['gemini-2.0-flash-001'], input: 0.1, cacheRead: 0.025, output: 0.4, source: GEMINI, checked: CHECKED },
  // The two lists disagree on a 2.0 Flash-Lite cache price: none is kept.
  { model: 'gemini-2.0-flash-lite', provider: 'gcp.gemini', aliases: ['gemini-2.0-flash-lite-001'], input: 0.075, output: 0.3, source: GEMINI, checked: CHECKED },
  {
    model: 'gemini-3-pro-preview',
    provider: 'gcp.gemini',
    samePriceOn: ['gcp.vertex_ai'],
    input: 2,
    cacheRead: 0.2,
    output: 12,
    longContext: { aboveInputTokens: 200_000, input: 4, cacheRead: 0.4, output: 18 },
    source: GEMINI,
    checked: CHECKED,
  },
  {
    model: 'gemini-3.1-pro-preview',
    provider: 'gcp.gemini',
    samePriceOn: ['gcp.vertex_ai'],
    input: 2,
    cacheRead: 0.2,
    output: 12,
    longContext: { aboveInputTokens: 200_000, input: 4, cacheRead: 0.4, output: 18 },
    source: GEMINI,
    checked: CHECKED,
  },
  { model: 'gemini-3-flash-preview', provider: 'gcp.gemini', input: 0.5, cacheRead: 0.05, output: 3, source: GEMINI, checked: CHECKED },
  { model: 'gemini-3.1-flash-lite-preview', provider: 'gcp.gemini', input: 0.25, cacheRead: 0.025, output: 1.5, source: GEMINI, checked: CHECKED },
  { model: 'gemini-3.5-flash', provider: 'gcp.gemini', input: 1.5, cacheRead: 0.15, output: 9, source: GEMINI, checked: CHECKED },
  { model: 'gemini-embedding-001', provider: 'gcp.gemini', kind: 'embedding', input: 0.15, source: GEMINI, checked: CHECKED },

  // ---------------------------------------------------------------------------------------------
  // Mistral. Only pinned versions: the `-latest` aliases have moved between differently priced
  // models, so `mistral-large-latest` & co. deliberately resolve to nothing.
  // ---------------------------------------------------------------------------------------------
  { model: 'mistral-large-2512', provider: 'mistral_ai', input: 0.5, output: 1.5, source: MISTRAL, checked: CHECKED },
  { model: 'mistral-large-2411', provider: 'mistral_ai', input: 2, output: 6, source: MISTRAL, checked: CHECKED },
  { model: 'mistral-medium-2505', provider: 'mistral_ai', input: 0.4, output: 2, source: MISTRAL, checked: CHECKED },
  { model: 'codestral-2508', provider: 'mistral_ai', input: 0.3, output: 0.9, source: MISTRAL, checked: CHECKED },
  { model: 'devstral-2512', provider: 'mistral_ai', input: 0.4, output: 2, source: MISTRAL, checked: CHECKED },
  { model: 'magistral-medium-2506', provider: 'mistral_ai', input: 2, output: 5, source: MISTRAL, checked: CHECKED },
  { model: 'magistral-small-2506', provider: 'mistral_ai', input: 0.5, output: 1.5, source: MISTRAL, checked: CHECKED },
  { model: 'pixtral-large-2411', provider: 'mistral_ai', input: 2, output: 6, source: MISTRAL, checked: CHECKED },
  { model: 'mistral-embed', provider: 'mistral_ai', kind: 'embedding', input: 0.1, source: MISTRAL, checked: CHECKED },

  // ---------------------------------------------------------------------------------------------
  // Groq (hosted open models; ids as Groq's API spells them).
  // ---------------------------------------------------------------------------------------------
  { model: 'llama-3.1-8b-instant', provider: 'groq', input: 0.05, output: 0.08, source: GROQ, checked: CHECKED },
  { model: 'llama-3.3-70b-versatile', provider: 'groq', input: 0.59, output: 0.79, source: GROQ, checked: CHECKED },
  { model: 'meta-llama/llama-4-scout-17b-16e-instruct', provider: 'groq', input: 0.11, output: 0.34, source: GROQ, checked: CHECKED },
  { model: 'meta-llama/llama-4-maverick-17b-128e-instruct', provider: 'groq', input: 0.2, output: 0.6, source: GROQ, checked: CHECKED },
  { model: 'meta-llama/llama-guard-4-12b', provider: 'groq', input: 0.2, output: 0.2, source: GROQ, checked: CHECKED },
  { model: 'openai/gpt-oss-120b', provider: 'groq', input: 0.15, cacheRead: 0.075, output: 0.6, source: GROQ, checked: CHECKED },
  { model: 'openai/gpt-oss-20b', provider: 'groq', input: 0.075, cacheRead: 0.0375, output: 0.3, source: GROQ, checked: CHECKED },
  { model: 'qwen/qwen3-32b', provider: 'groq', input: 0.29, output: 0.59, source: GROQ, checked: CHECKED },
  { model: 'moonshotai/kimi-k2-instruct-0905', provider: 'groq', input: 1, cacheRead: 0.5, output: 3, source: GROQ, checked: CHECKED },

  // ---------------------------------------------------------------------------------------------
  // xAI. Grok 4 and later bill long requests at higher rates on a threshold we could not pin down
  // (total vs input tokens), so they are left out.
  // ---------------------------------------------------------------------------------------------
  { model: 'grok-3', provider: 'x_ai', aliases: ['grok-3-latest', 'grok-3-beta'], input: 3, cacheRead: 0.75, output: 15, source: XAI, checked: CHECKED },
  { model: 'grok-3-mini', provider: 'x_ai', aliases: ['grok-3-mini-latest', 'grok-3-mini-beta'], input: 0.3, cacheRead: 0.075, output: 0.5, source: XAI, checked: CHECKED },
  { model: 'grok-3-fast', provider: 'x_ai', aliases: ['grok-3-fast-latest', 'grok-3-fast-beta'], input: 5, cacheRead: 1.25, output: 25, source: XAI, checked: CHECKED },
  { model: 'grok-3-mini-fast', provider: 'x_ai', aliases: ['grok-3-mini-fast-latest', 'grok-3-mini-fast-beta'], input: 0.6, cacheRead: 0.15, output: 4, source: XAI, checked: CHECKED },
  { model: 'grok-code-fast-1', provider: 'x_ai', aliases: ['grok-code-fast-1-0825'], input: 0.2, cacheRead: 0.02, output: 1.5, source: XAI, checked: CHECKED },
  { model: 'grok-2-1212', provider: 'x_ai', aliases: ['grok-2', 'grok-2-latest'], input: 2, output: 10, source: XAI, checked: CHECKED },

  // ---------------------------------------------------------------------------------------------
  // Cohere. Dated ids only: bare `command-r` / `command-r-plus` have pointed at differently priced
  // versions.
  // ---------------------------------------------------------------------------------------------
  { model: 'command-a-03-2025', provider: 'cohere', input: 2.5, output: 10, source: COHERE, checked: CHECKED },
  { model: 'command-r-plus-08-2024', provider: 'cohere', input: 2.5, output: 10, source: COHERE, checked: CHECKED },
  { model: 'command-r-08-2024', provider: 'cohere', input: 0.15, output: 0.6, source: COHERE, checked: CHECKED },
  { model: 'command-r7b-12-2024', provider: 'cohere', input: 0.0375, output: 0.15, source: COHERE, checked: CHECKED },
  { model: 'embed-v4.0', provider: 'cohere', kind: 'embedding', input: 0.12, source: COHERE, checked: CHECKED },

  // ---------------------------------------------------------------------------------------------
  // Amazon Bedrock (on-demand, us-east-1 list prices). From Claude Haiku 4.5 / Sonnet 4.5 / Opus
  // 4.5 on, the `global.` profile bills the base price and geographic profiles (`us.`, `eu.`, ...)
  // 10% more; the in-region price of those models is not agreed between sources, so bare ids of
  // them resolve to nothing.
  // ---------------------------------------------------------------------------------------------
  { model: 'anthropic.claude-3-haiku-20240307-v1:0', provider: 'aws.bedrock', input: 0.25, output: 1.25, source: BEDROCK, checked: CHECKED },
  { model: 'anthropic.claude-3-5-haiku-20241022-v1:0', provider: 'aws.bedrock', input: 0.8, cacheWrite5m: 1, cacheRead: 0.08, output: 4, source: BEDROCK, checked: CHECKED },
  { model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', provider: 'aws.bedrock', input: 3, cacheWrite5m: 3.75, cacheRead: 0.3, output: 15, source: BEDROCK, checked: CHECKED },
  { model: 'anthropic.claude-3-5-sonnet-20241022-v2:0', provider: 'aws.bedrock', input: 3, cacheWrite5m: 3.75, cacheRead: 0.3, output: 15, source: BEDROCK, checked: CHECKED },
  { model: 'anthropic.claude-3-7-sonnet-20250219-v1:0', provider: 'aws.bedrock', input: 3, cacheWrite5m: 3.75, cacheRead: 0.3, output: 15, source: BEDROCK, checked: CHECKED },
  {
    model: 'anthropic.claude-sonnet-4-20250514-v1:0',
    provider: 'aws.bedrock',
    input: 3,
    cacheWrite5m: 3.75,
    cacheRead: 0.3,
    output: 15,
    longContext: { aboveInputTokens: 200_000, input: 6, cacheWrite5m: 7.5, cacheRead: 0.6, output: 22.5 },
    source: BEDROCK,
    checked: CHECKED,
  },
  { model: 'anthropic.claude-opus-4-20250514-v1:0', provider: 'aws.bedrock', input: 15, cacheWrite5m: 18.75, cacheRead: 1.5, output: 75, source: BEDROCK, checked: CHECKED },
  { model: 'anthropic.claude-opus-4-1-20250805-v1:0', provider: 'aws.bedrock', input: 15, cacheWrite5m: 18.75, cacheRead: 1.5, output: 75, source: BEDROCK, checked: CHECKED },
  {
    model: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    provider: 'aws.bedrock',
    bedrockEndpoint: 'global',
    input: 3,
    cacheWrite5m: 3.75,
    cacheRead: 0.3,
    output: 15,
    longContext: { aboveInputTokens: 200_000, input: 6, cacheWrite5m: 7.5, cacheRead: 0.6, output: 22.5 },
    source: BEDROCK,
    checked: CHECKED,
  },
  {
    model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    provider: 'aws.bedrock',
    bedrockEndpoint: 'geo',
    input: 3.3,
    cacheWrite5m: 4.125,
    cacheRead: 0.33,
    output: 16.5,
    longContext: { aboveInputTokens: 200_000, input: 6.6, cacheWrite5m: 8.25, cacheRead: 0.66, output: 24.75 },
    source: BEDROCK,
    checked: CHECKED,
  },
  { model: 'global.anthropic.claude-haiku-4-5-20251001-v1:0', provider: 'aws.bedrock', bedrockEndpoint: 'global', input: 1, cacheWrite5m: 1.25, cacheRead: 0.1, output: 5, source: BEDROCK, checked: CHECKED },
  { model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', provider: 'aws.bedrock', bedrockEndpoint: 'geo', input: 1.1, cacheWrite5m: 1.375, cacheRead: 0.11, output: 5.5, source: BEDROCK, checked: CHECKED },
  { model: 'global.anthropic.claude-opus-4-5-20251101-v1:0', provider: 'aws.bedrock', bedrockEndpoint: 'global', input: 5, cacheWrite5m: 6.25, cacheRead: 0.5, output: 25, source: BEDROCK, checked: CHECKED },
  { model: 'us.anthropic.claude-opus-4-5-20251101-v1:0', provider: 'aws.bedrock', bedrockEndpoint: 'geo', input: 5.5, cacheWrite5m: 6.875, cacheRead: 0.55, output: 27.5, source: BEDROCK, checked: CHECKED },
  { model: 'meta.llama3-8b-instruct-v1:0', provider: 'aws.bedrock', input: 0.3, output: 0.6, source: BEDROCK, checked: CHECKED },
  { model: 'meta.llama3-70b-instruct-v1:0', provider: 'aws.bedrock', input: 2.65, output: 3.5, source: BEDROCK, checked: CHECKED },
  { model: 'meta.llama3-1-8b-instruct-v1:0', provider: 'aws.bedrock', input: 0.22, output: 0.22, source: BEDROCK, checked: CHECKED },
  { model: 'meta.llama3-2-1b-instruct-v1:0', provider: 'aws.bedrock', input: 0.1, output: 0.1, source: BEDROCK, checked: CHECKED },
  { model: 'meta.llama3-2-3b-instruct-v1:0', provider: 'aws.bedrock', input: 0.15, output: 0.15, source: BEDROCK, checked: CHECKED },
  { model: 'meta.llama3-3-70b-instruct-v1:0', provider: 'aws.bedrock', input: 0.72, output: 0.72, source: BEDROCK, checked: CHECKED },
  { model: 'meta.llama4-scout-17b-instruct-v1:0', provider: 'aws.bedrock', input: 0.17, output: 0.66, source: BEDROCK, checked: CHECKED },
  { model: 'meta.llama4-maverick-17b-instruct-v1:0', provider: 'aws.bedrock', input: 0.24, output: 0.97, source: BEDROCK, checked: CHECKED },
  // The lists disagree on Nova cache-read prices: none is kept.
  { model: 'amazon.nova-micro-v1:0', provider: 'aws.bedrock', input: 0.035, output: 0.14, source: BEDROCK, checked: CHECKED },
  { model: 'amazon.nova-lite-v1:0', provider: 'aws.bedrock', input: 0.06, output: 0.24, source: BEDROCK, checked: CHECKED },
  { model: 'amazon.nova-pro-v1:0', provider: 'aws.bedrock', input: 0.8, output: 3.2, source: BEDROCK, checked: CHECKED },
  { model: 'amazon.titan-embed-text-v1', provider: 'aws.bedrock', kind: 'embedding', input: 0.1, source: BEDROCK, checked: CHECKED },
];

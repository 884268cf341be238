import { costFromPrices, createCostEstimator, estimateCostUsd, type PricingUsage } from '../../../src/pricing/cost';
import { PRICE_TABLE, PRICE_TABLE_VERSION } from '../../../src/pricing/price-table';

/**
 * Expected costs are computed here BY HAND from the published per-1M-token prices, written as
 * literals next to the page they come from; the table is never read to compute an expectation.
 * Usage follows the package convention: inputTokens INCLUDES cache reads and writes, outputTokens
 * INCLUDES reasoning tokens.
 */
const M = 1_000_000;

interface Case {
  name: string;
  model: string;
  usage: PricingUsage;
  provider?: string;
  expected: number;
}

// OpenAI, https://platform.openai.com/docs/pricing (as transcribed by pydantic/genai-prices and LiteLLM):
//   gpt-4o $2.50 in / $1.25 cached / $10 out; gpt-4o-2024-05-13 $5 / $15; gpt-4o-mini $0.15 / $0.075 / $0.60;
//   o3 $2 / $0.50 / $8; o4-mini $1.10 / $0.275 / $4.40; gpt-5 $1.25 / $0.125 / $10;
//   gpt-5.4 $2.50 / $0.25 / $15, above 272K input: $5 / $0.50 / $22.50; text-embedding-3-small $0.02.
const openai: Case[] = [
  { name: 'gpt-4o plain', model: 'gpt-4o', usage: { inputTokens: 1000, outputTokens: 500 }, expected: (1000 * 2.5 + 500 * 10) / M },
  {
    name: 'gpt-4o with cached input',
    model: 'gpt-4o-2024-08-06',
    usage: { inputTokens: 10_000, cacheReadInputTokens: 8000, outputTokens: 200 },
    expected: (2000 * 2.5 + 8000 * 1.25 + 200 * 10) / M,
  },
  { name: 'gpt-4o-2024-05-13 keeps its launch price', model: 'gpt-4o-2024-05-13', usage: { inputTokens: 1000, outputTokens: 1000 }, expected: (1000 * 5 + 1000 * 15) / M },
  { name: 'gpt-4o-mini, 1M in and out', model: 'openai/gpt-4o-mini', usage: { inputTokens: M, outputTokens: M }, expected: 0.15 + 0.6 },
  {
    name: 'o3: reasoning tokens billed as output',
    model: 'o3',
    usage: { inputTokens: 2000, outputTokens: 5000, reasoningOutputTokens: 4000 },
    expected: (2000 * 2 + 5000 * 8) / M,
  },
  {
    name: 'o4-mini: cached input and reasoning',
    model: 'o4-mini-2025-04-16',
    usage: { inputTokens: 50_000, cacheReadInputTokens: 40_000, outputTokens: 3000, reasoningOutputTokens: 2800 },
    expected: (10_000 * 1.1 + 40_000 * 0.275 + 3000 * 4.4) / M,
  },
  {
    name: 'gpt-5: cached input and reasoning',
    model: 'gpt-5',
    provider: 'openai',
    usage: { inputTokens: 100_000, cacheReadInputTokens: 90_000, outputTokens: 3000, reasoningOutputTokens: 2500 },
    expected: (10_000 * 1.25 + 90_000 * 0.125 + 3000 * 10) / M,
  },
  {
    name: 'gpt-5.4 at exactly 272K input: base prices',
    model: 'gpt-5.4',
    usage: { inputTokens: 272_000, outputTokens: 1000 },
    expected: (272_000 * 2.5 + 1000 * 15) / M,
  },
  {
    name: 'gpt-5.4 above 272K input: the whole request at long-context prices',
    model: 'gpt-5.4',
    usage: { inputTokens: 300_000, cacheReadInputTokens: 100_000, outputTokens: 10_000 },
    expected: (200_000 * 5 + 100_000 * 0.5 + 10_000 * 22.5) / M,
  },
  { name: 'text-embedding-3-small (input only)', model: 'text-embedding-3-small', usage: { inputTokens: 5000 }, expected: (5000 * 0.02) / M },
];

// Anthropic, https://platform.claude.com/docs/en/about-claude/pricing (base / 5m write / 1h write / cache hit / output):
//   Sonnet 4.5 $3 / $3.75 / $6 / $0.30 / $15; above 200K input (long context): $6 / $7.50 / $12 / $0.60 / $22.50;
//   Opus 4.5 $5 / $6.25 / $10 / $0.50 / $25; Haiku 3.5 $0.80 / $1 / $1.60 / $0.08 / $4;
//   Sonnet 4.6 $3 / $3.75 / $6 / $0.30 / $15 flat across 1M.
//   Haiku 5.5 (as transcribed 2026-10-24): up to 100K prompt $0.10 / $0.125 / $0.20 / $0.01 / $0.50; above: $0.50 / $0.625 / $1 / $0.05 / $2.50.
const anthropic: Case[] = [
  {
    name: 'Sonnet 4.5: cache reads and 5-minute writes',
    model: 'claude-sonnet-4-5',
    usage: { inputTokens: 26_000, cacheReadInputTokens: 20_000, cacheCreationInputTokens: 5000, outputTokens: 800 },
    expected: (1000 * 3 + 20_000 * 0.3 + 5000 * 3.75 + 800 * 15) / M,
  },
  {
    name: 'Opus 4.5: 5-minute and 1-hour writes',
    model: 'claude-opus-4-5-20251101',
    usage: { inputTokens: 12_000, cacheCreationInputTokens: 10_000, cacheCreation1hInputTokens: 4000, outputTokens: 1000 },
    expected: (2000 * 5 + 6000 * 6.25 + 4000 * 10 + 1000 * 25) / M,
  },
  {
    name: 'Haiku 3.5: all 1-hour writes, cache creation total omitted',
    model: 'claude-3-5-haiku-latest',
    usage: { inputTokens: 3000, cacheCreation1hInputTokens: 2000, outputTokens: 100 },
    expected: (1000 * 0.8 + 2000 * 1.6 + 100 * 4) / M,
  },
  {
    name: 'Sonnet 4.5 at exactly 200K input: base prices',
    model: 'claude-sonnet-4-5-20250929',
    usage: { inputTokens: 200_000, outputTokens: 1000 },
    expected: (200_000 * 3 + 1000 * 15) / M,
  },
  {
    name: 'Sonnet 4.5 above 200K input (cache included): every class at long-context prices',
    model: 'claude-sonnet-4-5-20250929',
    usage: { inputTokens: 250_000, cacheReadInputTokens: 80_000, cacheCreationInputTokens: 20_000, cacheCreation1hInputTokens: 5000, outputTokens: 2000 },
    expected: (150_000 * 6 + 80_000 * 0.6 + 15_000 * 7.5 + 5000 * 12 + 2000 * 22.5) / M,
  },
  {
    name: 'Sonnet 4.5 crosses 200K only through cache reads',
    model: 'claude-sonnet-4-5',
    usage: { inputTokens: 210_000, cacheReadInputTokens: 200_000, outputTokens: 0 },
    expected: (10_000 * 6 + 200_000 * 0.6) / M,
  },
  {
    name: 'Sonnet 4.6: no long-context surcharge',
    model: 'claude-sonnet-4-6',
    usage: { inputTokens: 500_000, outputTokens: 1000 },
    expected: (500_000 * 3 + 1000 * 15) / M,
  },
  {
    name: 'Haiku 5.5 at 100K prompt: base band',
    model: 'claude-haiku-5-5',
    usage: { inputTokens: 100_000, outputTokens: 1000 },
    expected: (100_000 * 0.1 + 1000 * 0.5) / M,
  },
  {
    name: 'Haiku 5.5 above 100K prompt: the whole request at the upper band',
    model: 'claude-haiku-5-5',
    usage: { inputTokens: 120_000, cacheReadInputTokens: 60_000, cacheCreationInputTokens: 10_000, outputTokens: 1000 },
    expected: (50_000 * 0.5 + 60_000 * 0.05 + 10_000 * 0.625 + 1000 * 2.5) / M,
  },
  {
    name: 'Vertex-style name, thinking included in output',
    model: 'claude-sonnet-4-5@20250929',
    usage: { inputTokens: 4000, outputTokens: 3000, reasoningOutputTokens: 2000 },
    expected: (4000 * 3 + 3000 * 15) / M,
  },
];

// Google, https://ai.google.dev/gemini-api/docs/pricing (as transcribed by pydantic/genai-prices and LiteLLM):
//   gemini-2.5-pro up to 200K prompt $1.25 in / $0.125 cached / $10 out; above: $2.50 / $0.25 / $15;
//   gemini-2.5-flash $0.30 / $0.03 / $2.50; gemini-embedding-001 $0.15.
const gemini: Case[] = [
  {
    name: 'gemini-2.5-pro below 200K, cached and thinking',
    model: 'models/gemini-2.5-pro',
    usage: { inputTokens: 100_000, cacheReadInputTokens: 50_000, outputTokens: 2000, reasoningOutputTokens: 1500 },
    expected: (50_000 * 1.25 + 50_000 * 0.125 + 2000 * 10) / M,
  },
  {
    name: 'gemini-2.5-pro above 200K',
    model: 'gemini-2.5-pro',
    usage: { inputTokens: 300_000, cacheReadInputTokens: 100_000, outputTokens: 5000 },
    expected: (200_000 * 2.5 + 100_000 * 0.25 + 5000 * 15) / M,
  },
  {
    name: 'gemini-2.5-pro on Vertex AI bills the same',
    model: 'publishers/google/models/gemini-2.5-pro',
    provider: 'gcp.vertex_ai',
    usage: { inputTokens: 1000, outputTokens: 1000 },
    expected: (1000 * 1.25 + 1000 * 10) / M,
  },
  { name: 'gemini-2.5-flash', model: 'gemini-2.5-flash', usage: { inputTokens: 10_000, outputTokens: 1000 }, expected: (10_000 * 0.3 + 1000 * 2.5) / M },
  { name: 'gemini-embedding-001', model: 'gemini-embedding-001', usage: { inputTokens: 1000 }, expected: (1000 * 0.15) / M },
];

// Mistral (mistral.ai/pricing): mistral-large-2411 $2 / $6, mistral-embed $0.10.
// Groq (groq.com/pricing): llama-3.3-70b-versatile $0.59 / $0.79.
// xAI (docs.x.ai): grok-3-mini $0.30 in / $0.075 cached / $0.50 out.
// Cohere (cohere.com/pricing): command-r-08-2024 $0.15 / $0.60; embed-v4.0 $0.12.
const others: Case[] = [
  { name: 'mistral-large-2411', model: 'mistral-large-2411', usage: { inputTokens: 1000, outputTokens: 1000 }, expected: (1000 * 2 + 1000 * 6) / M },
  { name: 'mistral-embed', model: 'mistral-embed', provider: 'mistral_ai', usage: { inputTokens: 2000 }, expected: (2000 * 0.1) / M },
  { name: 'Groq llama-3.3-70b-versatile', model: 'llama-3.3-70b-versatile', usage: { inputTokens: M, outputTokens: M }, expected: 0.59 + 0.79 },
  {
    name: 'grok-3-mini: cached input and reasoning',
    model: 'grok-3-mini',
    usage: { inputTokens: 10_000, cacheReadInputTokens: 5000, outputTokens: 1000, reasoningOutputTokens: 800 },
    expected: (5000 * 0.3 + 5000 * 0.075 + 1000 * 0.5) / M,
  },
  { name: 'Cohere command-r-08-2024', model: 'command-r-08-2024', usage: { inputTokens: 2000, outputTokens: 500 }, expected: (2000 * 0.15 + 500 * 0.6) / M },
  { name: 'Cohere embed-v4.0', model: 'embed-v4.0', usage: { inputTokens: 1000 }, expected: (1000 * 0.12) / M },
];

// Amazon Bedrock, https://aws.amazon.com/bedrock/pricing/ (as transcribed by pydantic/genai-prices and LiteLLM):
//   Claude 3.5 Sonnet v2 $3 / $3.75 write / $0.30 read / $15; Claude Haiku 4.5 global $1 / $5, geo profiles +10%: $1.10 / $5.50;
//   Llama 3.3 70B $0.72 / $0.72; Nova Pro $0.80 / $3.20; Titan Embeddings G1 Text $0.10.
const bedrock: Case[] = [
  {
    name: 'Claude 3.5 Sonnet v2 via a geo profile, cache read and write',
    model: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
    provider: 'aws.bedrock',
    usage: { inputTokens: 10_000, cacheReadInputTokens: 6000, cacheCreationInputTokens: 2000, outputTokens: 500 },
    expected: (2000 * 3 + 6000 * 0.3 + 2000 * 3.75 + 500 * 15) / M,
  },
  { name: 'Haiku 4.5, global profile', model: 'global.anthropic.claude-haiku-4-5-20251001-v1:0', usage: { inputTokens: 1000, outputTokens: 1000 }, expected: (1000 * 1 + 1000 * 5) / M },
  { name: 'Haiku 4.5, EU profile (+10%)', model: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0', usage: { inputTokens: 1000, outputTokens: 1000 }, expected: (1000 * 1.1 + 1000 * 5.5) / M },
  { name: 'Llama 3.3 70B', model: 'meta.llama3-3-70b-instruct-v1:0', usage: { inputTokens: M, outputTokens: M }, expected: 0.72 + 0.72 },
  { name: 'Nova Pro', model: 'amazon.nova-pro-v1:0', usage: { inputTokens: 1000, outputTokens: 1000 }, expected: (1000 * 0.8 + 1000 * 3.2) / M },
  { name: 'Titan text embeddings v1', model: 'amazon.titan-embed-text-v1', usage: { inputTokens: 1000 }, expected: (1000 * 0.1) / M },
];

describe('estimateCostUsd: model × usage → USD from published prices', () => {
  for (const [group, cases] of Object.entries({ openai, anthropic, gemini, others, bedrock })) {
    describe(group, () => {
      for (const c of cases) {
        it(c.name, () => {
          const cost = estimateCostUsd(c.model, c.usage, c.provider ? { provider: c.provider } : undefined);
          expect(cost).toBeDefined();
          expect(cost).toBeCloseTo(c.expected, 12);
        });
      }
    });
  }
});

describe('estimateCostUsd: no number rather than a wrong one', () => {
  const none: Array<[why: string, model: string, usage: unknown, provider?: string]> = [
    ['unknown model', 'my-own-model', { inputTokens: 1000, outputTokens: 1000 }],
    ['gpt-4o served by another provider', 'gpt-4o', { inputTokens: 1000, outputTokens: 1000 }, 'azure.ai.openai'],
    ['in-region Bedrock id of a model priced per endpoint', 'anthropic.claude-haiku-4-5-20251001-v1:0', { inputTokens: 1000, outputTokens: 1000 }],
    ['no usage', 'gpt-4o', undefined],
    ['null usage', 'gpt-4o', null],
    ['usage without tokens', 'gpt-4o', {}],
    ['zero tokens', 'gpt-4o', { inputTokens: 0, outputTokens: 0 }],
    ['negative tokens', 'gpt-4o', { inputTokens: -1, outputTokens: 10 }],
    ['NaN tokens', 'gpt-4o', { inputTokens: Number.NaN, outputTokens: 10 }],
    ['infinite tokens', 'gpt-4o', { inputTokens: Number.POSITIVE_INFINITY }],
    ['tokens as a string', 'gpt-4o', { inputTokens: '1000' }],
    ['cache reads larger than the input they are part of', 'gpt-4o', { inputTokens: 100, cacheReadInputTokens: 200, outputTokens: 10 }],
    ['cache reads and writes larger than the input', 'claude-sonnet-4-5', { inputTokens: 100, cacheReadInputTokens: 60, cacheCreationInputTokens: 60 }],
    ['1-hour writes larger than all writes', 'claude-sonnet-4-5', { inputTokens: 1000, cacheCreationInputTokens: 100, cacheCreation1hInputTokens: 200 }],
    ['reasoning larger than the output it is part of', 'o3', { inputTokens: 1000, outputTokens: 100, reasoningOutputTokens: 500 }],
    ['cache writes on a model with no cache-write price', 'gpt-4o', { inputTokens: 1000, cacheCreationInputTokens: 500, outputTokens: 10 }],
    ['cache reads on a snapshot with no cache price', 'gpt-4o-2024-05-13', { inputTokens: 1000, cacheReadInputTokens: 500, outputTokens: 10 }],
    ['1-hour writes where only 5-minute writes are priced', 'anthropic.claude-3-7-sonnet-20250219-v1:0', { inputTokens: 1000, cacheCreationInputTokens: 500, cacheCreation1hInputTokens: 500 }],
    ['output tokens on an embeddings model', 'text-embedding-3-small', { inputTokens: 1000, outputTokens: 10 }],
  ];
  // Rows padded to one length: jest stalls formatting titles of ragged it.each rows.
  it.each(none.map(([why, model, usage, provider]) => [why, model, usage, provider ?? ''] as const))('%s', (_why, model, usage, provider) => {
    expect(estimateCostUsd(model, usage as PricingUsage, provider ? { provider } : undefined)).toBeUndefined();
  });

  it('never throws, whatever it is given', () => {
    const throwing = {
      get inputTokens(): number {
        throw new Error('boom');
      },
    };
    const inputs: unknown[][] = [
      [undefined, { inputTokens: 1 }],
      [null, { inputTokens: 1 }],
      [42, { inputTokens: 1 }],
      ['gpt-4o', throwing],
      ['gpt-4o', 'usage'],
      ['gpt-4o', 42],
      ['gpt-4o', { inputTokens: 1 }, { provider: 42 }],
      ['gpt-4o', { inputTokens: 1 }, null],
      ['x'.repeat(100_000), { inputTokens: 1 }],
    ];
    for (const args of inputs) {
      expect(() => (estimateCostUsd as (...a: unknown[]) => unknown)(...args)).not.toThrow();
    }
    expect(estimateCostUsd('gpt-4o', throwing as PricingUsage)).toBeUndefined();
  });

  it('results carry no float noise', () => {
    // 3 × 0.1 is 0.30000000000000004 in floating point.
    expect(costFromPrices({ input: 0.1 }, { inputTokens: 3 * M })).toBe(0.3);
    // gpt-4.1-nano: $0.10 in / $0.40 out → 7 × 0.1 + 3 × 0.4 = 1.9 per 1M.
    expect(estimateCostUsd('gpt-4.1-nano', { inputTokens: 7, outputTokens: 3 })).toBe(1.9e-6);
  });
});

describe('createCostEstimator', () => {
  it('an override replaces a model under every name of it', () => {
    const e = createCostEstimator({ overrides: { 'gpt-4o': { input: 1, output: 2 } } });
    const usage = { inputTokens: M, outputTokens: M };
    expect(e.estimateCostUsd('gpt-4o', usage)).toBe(3);
    expect(e.estimateCostUsd('gpt-4o-2024-11-20', usage)).toBe(3);
    expect(e.estimateCostUsd('openai/gpt-4o', usage)).toBe(3);
    expect(e.estimateCostUsd('gpt-4o', usage, { provider: 'openai' })).toBe(3);
    // Only the named model: the mini and the 2024-05-13 snapshot keep their table prices.
    expect(e.estimateCostUsd('gpt-4o-mini', usage)).toBeCloseTo(0.15 + 0.6, 12);
    expect(e.priceFor('gpt-4o')?.source).toBe('otel.config.ts override');
  });

  it('an override adds a model, for its provider only when it names one', () => {
    const e = createCostEstimator({
      overrides: {
        'acme-chat-1': { provider: 'openai', input: 3, output: 4, cacheRead: 1 },
        'my-vertex-claude': { input: 2, output: 8, longContext: { aboveInputTokens: 1000, input: 4, output: 16 } },
      },
    });
    expect(e.estimateCostUsd('acme-chat-1', { inputTokens: M, cacheReadInputTokens: M / 2, outputTokens: M })).toBe(1.5 + 0.5 + 4);
    expect(e.estimateCostUsd('acme-chat-1', { inputTokens: M }, { provider: 'anthropic' })).toBeUndefined();
    expect(e.estimateCostUsd('my-vertex-claude', { inputTokens: 1000, outputTokens: 1000 }, { provider: 'gcp.vertex_ai' })).toBe((1000 * 2 + 1000 * 8) / M);
    expect(e.estimateCostUsd('my-vertex-claude', { inputTokens: 1001, outputTokens: 1000 })).toBe((1001 * 4 + 1000 * 16) / M);
  });

  it('an override can price a provider the table leaves out, without touching the table for others', () => {
    const e = createCostEstimator({ overrides: { 'claude-sonnet-4-5': { provider: 'gcp.vertex_ai', input: 3.3, output: 16.5 } } });
    const usage = { inputTokens: 100_000, outputTokens: 1000 };
    expect(e.estimateCostUsd('claude-sonnet-4-5@20250929', usage, { provider: 'gcp.vertex_ai' })).toBeCloseTo((100_000 * 3.3 + 1000 * 16.5) / M, 12);
    // The table's Anthropic price ($3 / $15) still applies to Anthropic's own API.
    expect(e.estimateCostUsd('claude-sonnet-4-5', usage, { provider: 'anthropic' })).toBeCloseTo((100_000 * 3 + 1000 * 15) / M, 12);
  });

  it('ignores an invalid override rather than pricing with it', () => {
    const e = createCostEstimator({
      overrides: {
        'gpt-4o': { input: -1, output: 2 },
        'bad-tier': { input: 1, output: 1, longContext: { aboveInputTokens: Number.NaN, input: 2 } },
        'not-a-price': { input: '1' as unknown as number },
      },
    });
    expect(e.estimateCostUsd('gpt-4o', { inputTokens: M })).toBe(2.5);
    expect(e.estimateCostUsd('bad-tier', { inputTokens: M })).toBeUndefined();
    expect(e.estimateCostUsd('not-a-price', { inputTokens: M })).toBeUndefined();
  });

  it('calls onUnknownModel once per distinct unknown model, never for known ones', () => {
    const unknown: string[] = [];
    const e = createCostEstimator({ onUnknownModel: (m) => unknown.push(m) });
    for (let i = 0; i < 3; i++) {
      e.estimateCostUsd('foo-1', { inputTokens: 10 });
      e.estimateCostUsd('bar-2', { inputTokens: 10 }, { provider: 'openai' });
      e.estimateCostUsd('gpt-4o', { inputTokens: 10 });
    }
    e.estimateCostUsd('foo-1', { inputTokens: 10 }, { provider: 'groq' });
    e.estimateCostUsd('', { inputTokens: 10 });
    e.estimateCostUsd('x'.repeat(1000), { inputTokens: 10 });
    expect(unknown).toEqual(['foo-1', 'bar-2']);
  });

  it('a throwing onUnknownModel does not break estimation', () => {
    const e = createCostEstimator({
      onUnknownModel: () => {
        throw new Error('logger down');
      },
    });
    expect(e.estimateCostUsd('foo', { inputTokens: 10 })).toBeUndefined();
    expect(e.estimateCostUsd('gpt-4o', { inputTokens: M })).toBe(2.5);
  });

  it('stays correct when the memo is smaller than the set of names', () => {
    const e = createCostEstimator({ maxMemoEntries: 2 });
    const names = ['gpt-4o', 'gpt-4o-mini', 'claude-haiku-4-5', 'gemini-2.5-flash', 'unknown-x'];
    const expected = [2.5, 0.15, 1, 0.3, undefined];
    for (let round = 0; round < 3; round++) {
      names.forEach((n, i) => expect(e.estimateCostUsd(n, { inputTokens: M })).toBe(expected[i]));
    }
  });

  it('a memoised lookup is cheap (the bench measures it; this only catches a gross regression)', () => {
    const e = createCostEstimator();
    const names = ['gpt-4o', 'gpt-4o-mini-2024-07-18', 'claude-sonnet-4-5-20250929', 'us.anthropic.claude-3-7-sonnet-20250219-v1:0', 'models/gemini-2.5-pro', 'unknown-model'];
    const usage = { inputTokens: 1200, cacheReadInputTokens: 200, outputTokens: 300 };
    let sink = 0;
    for (let i = 0; i < 20_000; i++) sink += e.estimateCostUsd(names[i % names.length], usage) ?? 0;
    const n = 200_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink += e.estimateCostUsd(names[i % names.length], usage) ?? 0;
    const nsPerCall = Number(process.hrtime.bigint() - start) / n;
    expect(sink).toBeGreaterThan(0);
    expect(nsPerCall).toBeLessThan(5000);
  });
});

describe('the price table', () => {
  it('has a dated version', () => {
    expect(PRICE_TABLE_VERSION).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it.each(PRICE_TABLE.map((e) => [`${e.provider} ${e.model}`, e] as const))('%s: source, date and sane prices', (_label, entry) => {
    expect(entry.source).toMatch(/^https:\/\/\S+/);
    expect(entry.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number.isNaN(Date.parse(entry.checked))).toBe(false);
    expect(entry.checked <= PRICE_TABLE_VERSION).toBe(true);
    const tiers = entry.longContext ? [entry, entry.longContext] : [entry];
    for (const prices of tiers) {
      for (const field of ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h'] as const) {
        const value = prices[field];
        if (value !== undefined) {
          expect(Number.isFinite(value)).toBe(true);
          expect(value).toBeGreaterThanOrEqual(0);
        }
      }
      expect(prices.input).toBeDefined();
      // Chat models price output; embeddings models are input-only.
      if (entry.kind === 'embedding') expect(prices.output).toBeUndefined();
      else expect(prices.output).toBeDefined();
    }
    if (entry.longContext) {
      expect(Number.isInteger(entry.longContext.aboveInputTokens)).toBe(true);
      expect(entry.longContext.aboveInputTokens).toBeGreaterThan(0);
      // A tier prices every class the base price does.
      for (const field of ['cacheRead', 'cacheWrite5m', 'cacheWrite1h'] as const) {
        if (entry[field] !== undefined) expect(entry.longContext[field]).toBeDefined();
      }
    }
  });

  it('names each model once per provider', () => {
    const seen = new Set<string>();
    for (const entry of PRICE_TABLE) {
      for (const name of [entry.model, ...(entry.aliases ?? [])]) {
        const key = `${entry.provider} ${name.toLowerCase()}`;
        expect(seen.has(key) ? key : 'unique').toBe('unique');
        seen.add(key);
      }
    }
  });

  it('covers every provider the issue names', () => {
    const providers = new Set(PRICE_TABLE.map((e) => e.provider));
    for (const p of ['openai', 'anthropic', 'gcp.gemini', 'mistral_ai', 'groq', 'x_ai', 'cohere', 'aws.bedrock']) expect(providers.has(p as never)).toBe(true);
  });
});

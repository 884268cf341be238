import { createCostEstimator } from '../../../src/pricing/cost';
import { candidateNames, createModelMatcher, parseBedrockId, type MatchableEntry } from '../../../src/pricing/model-match';
import { PRICE_TABLE } from '../../../src/pricing/price-table';

const estimator = createCostEstimator();
/** The canonical id of the entry a wire name resolves to (undefined: no price). */
const resolved = (model: string, provider?: string) => estimator.priceFor(model, provider)?.model;

describe('model name matching: every name form resolves to the right entry', () => {
  const cases: Array<[wire: string, expected: string, provider?: string]> = [
    // Exact ids and dated snapshots.
    ['gpt-4o', 'gpt-4o'],
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-2024-11-20', 'gpt-4o'],
    ['gpt-4o-2024-05-13', 'gpt-4o-2024-05-13'], // its own (higher) price, not gpt-4o's
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['gpt-4o-mini-2099-01-01', 'gpt-4o-mini'], // a future snapshot: date stripped, still the mini
    ['gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini'],
    ['o3-2025-04-16', 'o3'],
    ['o3-mini-2025-01-31', 'o3-mini'],
    ['o4-mini', 'o4-mini'],
    ['gpt-5-mini-2025-08-07', 'gpt-5-mini'],
    ['claude-3-5-haiku-20241022', 'claude-3-5-haiku-20241022'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-20250514', 'claude-sonnet-4-0'],
    ['claude-opus-4-1-20250805', 'claude-opus-4-1'],
    ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['claude-sonnet-4-5-20991231', 'claude-sonnet-4-5'], // undated base name after the date is stripped
    // Case and whitespace.
    ['  GPT-4O  ', 'gpt-4o'],
    ['Claude-Sonnet-4-5', 'claude-sonnet-4-5'],
    // Provider / gateway prefixes.
    ['openai/gpt-4o', 'gpt-4o'],
    ['OpenAI/gpt-4o-mini', 'gpt-4o-mini'],
    ['anthropic/claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ['google/gemini-2.5-pro', 'gemini-2.5-pro'],
    ['models/gemini-2.5-flash', 'gemini-2.5-flash'],
    ['publishers/google/models/gemini-2.5-pro', 'gemini-2.5-pro'],
    ['projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-flash-lite', 'gemini-2.5-flash-lite'],
    ['gemini/gemini-2.0-flash-001', 'gemini-2.0-flash'],
    // OpenRouter-style `vendor/model`, with dotted Claude versions.
    ['anthropic/claude-3.7-sonnet', 'claude-3-7-sonnet-20250219'],
    ['anthropic/claude-sonnet-4.5', 'claude-sonnet-4-5'],
    ['anthropic/claude-opus-4.1', 'claude-opus-4-1'],
    ['anthropic/claude-3.5-haiku', 'claude-3-5-haiku-20241022'],
    ['openrouter/openai/gpt-4.1-nano', 'gpt-4.1-nano'],
    // Model ids that contain a slash themselves (Groq).
    ['openai/gpt-oss-120b', 'openai/gpt-oss-120b'],
    ['groq/meta-llama/llama-4-scout-17b-16e-instruct', 'meta-llama/llama-4-scout-17b-16e-instruct'],
    // Vertex `@` snapshots.
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
    ['claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet-20241022'],
    ['claude-opus-4-1@20250805', 'claude-opus-4-1'],
    ['claude-3-7-sonnet@20250219', 'claude-3-7-sonnet-20250219'],
    // `-latest` aliases the provider pins to one model.
    ['claude-3-5-haiku-latest', 'claude-3-5-haiku-20241022'],
    ['claude-3-7-sonnet-latest', 'claude-3-7-sonnet-20250219'],
    ['grok-3-latest', 'grok-3'],
    ['grok-3-mini-latest', 'grok-3-mini'],
    // Bedrock ids: version suffixes, inference-profile prefixes, ARNs.
    ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic.claude-3-5-sonnet-20240620-v1:0'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic.claude-3-5-sonnet-20241022-v2:0'],
    ['anthropic.claude-3-7-sonnet-20250219-v1', 'anthropic.claude-3-7-sonnet-20250219-v1:0'],
    ['anthropic.claude-3-7-sonnet-20250219', 'anthropic.claude-3-7-sonnet-20250219-v1:0'],
    ['us.anthropic.claude-3-7-sonnet-20250219-v1:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0'],
    ['eu.anthropic.claude-3-7-sonnet-20250219-v1:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0'],
    ['apac.anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic.claude-3-5-sonnet-20241022-v2:0'],
    ['global.anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic.claude-sonnet-4-20250514-v1:0'],
    ['US.Anthropic.Claude-Opus-4-1-20250805-V1:0', 'anthropic.claude-opus-4-1-20250805-v1:0'],
    ['arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0'],
    ['arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0'],
    ['global.anthropic.claude-haiku-4-5-20251001-v1:0', 'global.anthropic.claude-haiku-4-5-20251001-v1:0'],
    ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'us.anthropic.claude-haiku-4-5-20251001-v1:0'],
    ['eu.anthropic.claude-haiku-4-5-20251001-v1:0', 'us.anthropic.claude-haiku-4-5-20251001-v1:0'], // every geo profile bills alike
    ['jp.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['us.meta.llama3-3-70b-instruct-v1:0', 'meta.llama3-3-70b-instruct-v1:0'],
    ['amazon.nova-pro-v1:0', 'amazon.nova-pro-v1:0'],
    ['us.amazon.nova-lite-v1:0', 'amazon.nova-lite-v1:0'],
    ['amazon.titan-embed-text-v1', 'amazon.titan-embed-text-v1'],
    // A provider hint that owns (or bills the same as) the entry.
    ['gpt-4o', 'gpt-4o', 'openai'],
    ['claude-haiku-4-5', 'claude-haiku-4-5', 'anthropic'],
    ['gemini-2.5-pro', 'gemini-2.5-pro', 'gcp.gemini'],
    ['publishers/google/models/gemini-2.5-pro', 'gemini-2.5-pro', 'gcp.vertex_ai'],
    ['us.anthropic.claude-3-7-sonnet-20250219-v1:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0', 'aws.bedrock'],
    ['llama-3.3-70b-versatile', 'llama-3.3-70b-versatile', 'groq'],
    ['mistral-large-2411', 'mistral-large-2411', 'mistral_ai'],
    ['grok-code-fast-1', 'grok-code-fast-1', 'x_ai'],
    ['command-r-08-2024', 'command-r-08-2024', 'cohere'],
  ];

  // Every row gets its third value: jest stalls formatting a title with more placeholders than values.
  const rows = cases.map(([wire, expected, provider]) => [wire, expected, provider ?? 'any'] as const);
  it.each(rows)('%s → %s (provider: %s)', (wire, expected, provider) => {
    expect(resolved(wire, provider === 'any' ? undefined : provider)).toBe(expected);
  });

  // Not in the table above: no `%` in it.each values (they are titles).
  it('a URL-encoded Bedrock id (`%3A` for `:`, as in Bedrock URL paths)', () => {
    expect(resolved('anthropic.claude-3-7-sonnet-20250219-v1%3A0')).toBe('anthropic.claude-3-7-sonnet-20250219-v1:0');
    expect(resolved('us.anthropic.claude-3-5-haiku-20241022-v1%3a0')).toBe('anthropic.claude-3-5-haiku-20241022-v1:0');
  });
});

describe('model name matching: never another model’s price', () => {
  const distinct: Array<[wire: string, expected: string]> = [
    ['gpt-4o-mini', 'gpt-4o-mini'],
    ['gpt-4o', 'gpt-4o'],
    ['gpt-4', 'gpt-4'],
    ['gpt-4-turbo', 'gpt-4-turbo'],
    ['gpt-4.1', 'gpt-4.1'],
    ['gpt-4.1-mini', 'gpt-4.1-mini'],
    ['gpt-4.1-nano', 'gpt-4.1-nano'],
    ['o3', 'o3'],
    ['o3-mini', 'o3-mini'],
    ['o3-pro', 'o3-pro'],
    ['gpt-5', 'gpt-5'],
    ['gpt-5-mini', 'gpt-5-mini'],
    ['gpt-5-nano', 'gpt-5-nano'],
    ['claude-opus-4', 'claude-opus-4-0'],
    ['claude-opus-4-1', 'claude-opus-4-1'],
    ['claude-opus-4-5', 'claude-opus-4-5'],
    ['claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-6', 'claude-sonnet-4-6'],
    ['gemini-2.5-flash', 'gemini-2.5-flash'],
    ['gemini-2.5-flash-lite', 'gemini-2.5-flash-lite'],
    ['gemini-2.0-flash-lite', 'gemini-2.0-flash-lite'],
    ['grok-3-mini', 'grok-3-mini'],
    ['grok-3-mini-fast', 'grok-3-mini-fast'],
  ];
  it.each(distinct)('%s resolves to %s', (wire, expected) => {
    expect(resolved(wire)).toBe(expected);
  });

  const unknown: Array<[wire: string, why: string]> = [
    ['o1-mini', 'not in the table, and must not fall back to o1'],
    ['o1-preview', 'not in the table, and must not fall back to o1'],
    ['gpt-4o-audio-preview', 'audio model, not gpt-4o'],
    ['gpt-4o-realtime-preview-2024-12-17', 'realtime model, not gpt-4o'],
    ['gpt-4o-search-preview', 'search model, not gpt-4o'],
    ['chatgpt-4o-latest', 'billed differently from gpt-4o'],
    ['gpt-4o-2024-08-06-extra', 'a longer name is another model'],
    ['gpt-5.5', 'left out of the table (long-context terms not agreed)'],
    ['mistral-large-latest', 'the alias has moved between prices'],
    ['codestral-latest', 'the alias has moved between prices'],
    ['command-r', 'the bare alias has moved between prices'],
    ['grok-4', 'left out of the table'],
    ['deepseek-chat', 'DeepSeek prices by time of day: left out'],
    ['claude-3-5-sonnet', 'undated 3.5 Sonnet names two snapshots'],
    ['gemini-2.5-pro-preview-06-05', 'a preview snapshot is not the GA model'],
    ['anthropic.claude-haiku-4-5-20251001-v1:0', 'in-region price of this model is not agreed'],
    ['anthropic.claude-sonnet-4-5-20250929-v1:0', 'a Bedrock id never takes the first-party price'],
    ['arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123', 'no model in the name'],
    ['evil.claude-3-haiku-20240307', 'not a Bedrock vendor'],
    ['banana', 'nonsense'],
    ['', 'empty'],
    ['   ', 'blank'],
    ['/', 'separator only'],
    ['@@@', 'separators only'],
    ['-latest', 'suffix only'],
    ['gpt-4o/../../etc/passwd', 'path-like junk'],
  ];
  it.each(unknown)('%s → unknown (%s)', (wire) => {
    expect(resolved(wire)).toBeUndefined();
  });

  // Kept out of test titles: a 100K-character title stalls the reporter.
  it('too long and huge names → unknown, quickly', () => {
    const start = process.hrtime.bigint();
    expect(resolved('gpt-4o'.repeat(60))).toBeUndefined();
    expect(resolved('x'.repeat(100_000))).toBeUndefined();
    expect(resolved(`openai/${'a/'.repeat(50_000)}gpt-4o`)).toBeUndefined();
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(100);
  });

  it('a provider hint that does not bill the entry gives no price', () => {
    expect(resolved('gpt-4o', 'azure.ai.openai')).toBeUndefined();
    expect(resolved('gpt-4o', 'anthropic')).toBeUndefined();
    expect(resolved('claude-sonnet-4-5@20250929', 'gcp.vertex_ai')).toBeUndefined(); // Vertex bills Claude its own way
    expect(resolved('gemini-2.0-flash', 'gcp.vertex_ai')).toBeUndefined(); // Vertex prices 2.0 Flash differently
    expect(resolved('anthropic.claude-3-haiku-20240307-v1:0', 'anthropic')).toBeUndefined();
    expect(resolved('claude-3-haiku-20240307', 'aws.bedrock')).toBeUndefined();
  });

  it('an empty provider hint is no hint', () => {
    expect(resolved('gpt-4o', '')).toBe('gpt-4o');
    expect(resolved('gpt-4o', '   ')).toBe('gpt-4o');
  });

  it('never throws on values that are not strings', () => {
    for (const bad of [undefined, null, 42, {}, [], Symbol('x'), () => 'gpt-4o'] as unknown[]) {
      expect(() => estimator.priceFor(bad as string)).not.toThrow();
      expect(estimator.priceFor(bad as string)).toBeUndefined();
      // A provider hint that is not a string is no hint.
      expect(estimator.priceFor('gpt-4o', bad as string)?.model).toBe('gpt-4o');
    }
  });
});

describe('every table name resolves to its own entry', () => {
  for (const entry of PRICE_TABLE) {
    for (const name of [entry.model, ...(entry.aliases ?? [])]) {
      it(`${name} (${entry.provider})`, () => {
        expect(estimator.priceFor(name, entry.provider)?.model).toBe(entry.model);
        expect(estimator.priceFor(name)?.model).toBe(entry.model);
      });
    }
  }
});

describe('createModelMatcher', () => {
  interface E extends MatchableEntry {
    price: number;
  }
  const same = (a: E, b: E) => a.price === b.price;

  it('a name claimed at two different prices is unknown, unless the provider hint picks one', () => {
    const m = createModelMatcher<E>(
      [
        { model: 'shared-model', provider: 'groq', price: 1 },
        { model: 'shared-model', provider: 'mistral_ai', price: 2 },
      ],
      same,
    );
    expect(m.match('shared-model')).toBeUndefined();
    expect(m.match('shared-model', 'groq')?.price).toBe(1);
    expect(m.match('shared-model', 'mistral_ai')?.price).toBe(2);
    expect(m.match('shared-model', 'openai')).toBeUndefined();
  });

  it('a name claimed at the same price by two entries resolves', () => {
    const m = createModelMatcher<E>(
      [
        { model: 'twin', provider: 'groq', price: 1 },
        { model: 'twin', provider: 'openai', price: 1 },
      ],
      same,
    );
    expect(m.match('twin')?.price).toBe(1);
  });

  it('Bedrock ids with a different version are different models', () => {
    const m = createModelMatcher<E>(
      [
        { model: 'amazon.titan-embed-text-v1', provider: 'aws.bedrock', price: 0.1 },
        { model: 'amazon.titan-embed-text-v2:0', provider: 'aws.bedrock', price: 0.02 },
      ],
      same,
    );
    expect(m.match('amazon.titan-embed-text-v1')?.price).toBe(0.1);
    expect(m.match('amazon.titan-embed-text-v2:0')?.price).toBe(0.02);
    expect(m.match('amazon.titan-embed-text')).toBeUndefined(); // the versionless name is ambiguous
  });
});

describe('name helpers', () => {
  it('candidateNames: the name first, then prefix-less, `@`, dotted-Claude, `-latest` and dated forms', () => {
    expect(candidateNames('openai/gpt-4o-2024-08-06')).toEqual(['openai/gpt-4o-2024-08-06', 'openai/gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4o']);
    expect(candidateNames('claude-sonnet-4-5@20250929')).toEqual(['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5']);
    expect(candidateNames('anthropic/claude-3.7-sonnet')).toEqual(['anthropic/claude-3.7-sonnet', 'claude-3.7-sonnet', 'claude-3-7-sonnet']);
    expect(candidateNames('grok-3-latest')).toEqual(['grok-3-latest', 'grok-3']);
    // Dots stay in non-Claude names: gpt-4.1 is not gpt-4-1.
    expect(candidateNames('gpt-4.1')).toEqual(['gpt-4.1']);
  });

  it('parseBedrockId: endpoint kind, id and versionless base', () => {
    expect(parseBedrockId('us.anthropic.claude-3-5-haiku-20241022-v1:0')).toEqual({
      endpoint: 'geo',
      id: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      base: 'anthropic.claude-3-5-haiku-20241022',
    });
    expect(parseBedrockId('global.anthropic.claude-haiku-4-5-20251001-v1:0')?.endpoint).toBe('global');
    expect(parseBedrockId('meta.llama3-3-70b-instruct-v1:0')).toEqual({ endpoint: 'in-region', id: 'meta.llama3-3-70b-instruct-v1:0', base: 'meta.llama3-3-70b-instruct' });
    expect(parseBedrockId('gpt-4o')).toBeUndefined();
    expect(parseBedrockId('openai/gpt-4o')).toBeUndefined();
  });
});

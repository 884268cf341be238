'use strict';
/**
 * Cost-lookup micro-benchmark, on the built dist/ (`npm run build` first):
 *   node bench/pricing.js
 * Measures ns per `estimator.estimateCostUsd(model, usage)` over a mix of 20 wire model names
 * (dated snapshots, gateway prefixes, Bedrock profiles, one unknown name), with the memo warm: the
 * steady state of a process that prices every span. Target: well under 1 µs per span.
 * Prints one line; `measurePricing()` returns `{ nsPerLookup }` for bench/run.js.
 */
const path = require('node:path');

const { createCostEstimator } = require(path.join(__dirname, '..', 'dist', 'src', 'pricing', 'cost.js'));

const MODELS = [
  'gpt-4o',
  'gpt-4o-2024-08-06',
  'gpt-4o-mini-2024-07-18',
  'openai/gpt-4.1-mini',
  'o4-mini',
  'gpt-5',
  'text-embedding-3-small',
  'claude-sonnet-4-5-20250929',
  'claude-3-5-haiku-latest',
  'claude-opus-4-1@20250805',
  'anthropic/claude-3.7-sonnet',
  'models/gemini-2.5-pro',
  'publishers/google/models/gemini-2.5-flash',
  'us.anthropic.claude-3-7-sonnet-20250219-v1:0',
  'global.anthropic.claude-haiku-4-5-20251001-v1:0',
  'meta.llama3-3-70b-instruct-v1:0',
  'llama-3.3-70b-versatile',
  'mistral-large-2411',
  'grok-3-mini',
  'some-unknown-model', // unknown names are memoised too
];
const USAGE = { inputTokens: 12_000, cacheReadInputTokens: 8_000, cacheCreationInputTokens: 1_000, outputTokens: 600, reasoningOutputTokens: 200 };
const TRIALS = Number(process.env.BENCH_PRICING_TRIALS || 7);
const ITERATIONS = Number(process.env.BENCH_PRICING_ITERATIONS || 1_000_000);

/** Median ns per estimate over TRIALS timed batches, after one untimed batch fills the memo and warms the JIT. */
async function measurePricing() {
  const estimator = createCostEstimator();
  let sink = 0;
  const batch = () => {
    for (let i = 0; i < ITERATIONS; i++) sink += estimator.estimateCostUsd(MODELS[i % MODELS.length], USAGE) ?? 0;
  };
  batch();
  const trials = [];
  for (let t = 0; t < TRIALS; t++) {
    const start = process.hrtime.bigint();
    batch();
    trials.push(Number(process.hrtime.bigint() - start) / ITERATIONS);
    await new Promise((resolve) => setImmediate(resolve)); // let a caller's event loop breathe between trials
  }
  if (!(sink > 0)) throw new Error('pricing bench priced nothing: is dist/ built?');
  trials.sort((a, b) => a - b);
  return { nsPerLookup: trials[Math.floor(trials.length / 2)] };
}

module.exports = { measurePricing };

if (require.main === module) {
  measurePricing().then(
    ({ nsPerLookup }) => {
      const verdict = nsPerLookup < 1000 ? 'OK (< 1 µs)' : 'OVER 1 µs';
      console.log(`pricing: ${nsPerLookup.toFixed(1)} ns per cost estimate (${MODELS.length} model names, warm memo, median of ${TRIALS}) ${verdict}`);
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}

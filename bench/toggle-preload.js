'use strict';
/**
 * Preload for the benchmark's in-process A/B: the same setup as instrumentation/preload.ts (NodeSDK,
 * GenAiInstrumentation first, instrumentation-http, instrumentation-undici, GenAiSpanProcessor,
 * the bench's route config), built from dist/ here so that the bench can switch the GenAI layer off
 * and on between batches of requests in ONE process: `global.__benchGenAi(false)` disables the
 * instrumentation (unwraps node:http and fetch, unsubscribes its channels) and swaps
 * GenAiSpanProcessor for a no-op processor; `true` restores both. Spans are recorded either way.
 * Same-process alternation removes process-to-process differences and most drift, which the
 * separate-process comparison cannot resolve at the ±2 µs scale on a noisy machine.
 */
const path = require('node:path');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici');

const dist = path.join(__dirname, '..', 'dist');
const { resolveConfig } = require(path.join(dist, 'src', 'config.js'));
const { GenAiInstrumentation } = require(path.join(dist, 'instrumentation', 'genai-instrumentation.js'));
const { GenAiSpanProcessor } = require(path.join(dist, 'instrumentation', 'span-processor.js'));

const { config } = resolveConfig(require('./genai-routes.json'), process.env);
const instrumentation = new GenAiInstrumentation(config);
const genAiProcessor = new GenAiSpanProcessor();
const noopProcessor = { onStart() {}, onEnd() {}, forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
const processors = [genAiProcessor]; // TracerProvider keeps this very array

new NodeSDK({
  instrumentations: [instrumentation, new HttpInstrumentation(), new UndiciInstrumentation()],
  spanProcessors: processors,
  metricReaders: [],
  logRecordProcessors: [],
}).start();
require('node:http');
require('node:https');

let on = true;
global.__benchGenAi = (enable) => {
  if (enable === on) return;
  on = enable;
  if (enable) {
    instrumentation.enable();
    processors[0] = genAiProcessor;
  } else {
    instrumentation.disable();
    processors[0] = noopProcessor;
  }
};

'use strict';
/**
 * The benchmark's baseline OpenTelemetry setup: the same NodeSDK setup as instrumentation/preload.ts
 * (instrumentation-http + instrumentation-undici, no metric/log pipelines, OTEL_TRACES_EXPORTER=none)
 * but WITHOUT GenAiInstrumentation and GenAiSpanProcessor. Started by baseline-preload.js as it is,
 * and by floor-preload.js with hooks.
 *
 * NodeSDK registers a tracer provider only when it has at least one span processor; the real preload
 * always has GenAiSpanProcessor, so here a no-op processor stands in for it. Spans are therefore
 * created and recorded exactly as with our layer, and only our layer's work differs.
 */
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici');

const noopProcessor = {
  onStart() {},
  onEnd() {},
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/** Starts the baseline SDK; `http` and `undici` are the two instrumentations' configs (hooks). */
function startBaseline({ http = {}, undici = {} } = {}) {
  const sdk = new NodeSDK({
    instrumentations: [new HttpInstrumentation(http), new UndiciInstrumentation(undici)],
    spanProcessors: [noopProcessor],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  require('node:http');
  require('node:https');
  return sdk;
}

module.exports = { startBaseline };

'use strict';
/**
 * The OpenTelemetry JS 3.x side of the dialect comparison (test/integration/dialects.test.ts): the openai SDK
 * traced by @opentelemetry/instrumentation-openai alone (no HTTP instrumentation, nothing of ours but the
 * exporter), its spans turned into Braintrust records by otel-genai-braintrust's BraintrustSpanProcessor
 * (BRAINTRUST_API_KEY, BRAINTRUST_API_URL, BRAINTRUST_PROJECT). The calls are those of ../dialects/calls.js.
 *
 * instrumentation-openai writes message content (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true) as
 * log records, which a span processor never sees. With LOG_BRIDGE=1 the app adds a log record processor that
 * copies each GenAI event onto the span it belongs to (name, attributes, body as `gen_ai.event.content` JSON),
 * as an app that wants content in its traces would.
 *
 * Our package is required from OTEL_GENAI_BRAINTRUST (a copy laid inside this app's node_modules, so that it
 * resolves the app's single @opentelemetry/api), else by name.
 */
const api = require('@opentelemetry/api');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
const { BraintrustSpanProcessor } = require(process.env.OTEL_GENAI_BRAINTRUST || 'otel-genai-braintrust');
const { runCalls } = require('../dialects/calls');

/** Log records (GenAI events) → events of the span in their context. */
const logsToSpanEvents = {
  onEmit(record, ctx) {
    const span = api.trace.getSpan(ctx ?? api.context.active());
    const name = record.eventName ?? record.attributes?.['event.name'];
    if (!span || !span.isRecording() || typeof name !== 'string') return;
    span.addEvent(name, { ...record.attributes, 'gen_ai.event.content': JSON.stringify(record.body ?? {}) }, record.hrTime);
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};

const sdk = new NodeSDK({
  instrumentations: [new OpenAIInstrumentation()],
  spanProcessors: [new BraintrustSpanProcessor()],
  metricReaders: [],
  logRecordProcessors: process.env.LOG_BRIDGE === '1' ? [logsToSpanEvents] : [],
});
sdk.start();

// Loaded after start(), so that the instrumentation's require hook patches it.
const OpenAI = require('openai').default;

(async () => {
  const results = await runCalls({ api, OpenAI });
  await sdk.shutdown();
  process.stdout.write(`${JSON.stringify(results)}\n`);
})();

'use strict';
/**
 * An app on the OpenTelemetry JS 2.x line whose openai SDK is traced by ONE other GenAI instrumentation,
 * chosen by env DIALECT: `openllmetry` (@traceloop/instrumentation-openai) or `openinference`
 * (@arizeai/openinference-instrumentation-openai). No HTTP instrumentation and nothing of ours but the
 * exporter: otel-genai-braintrust's BraintrustSpanProcessor (configured by BRAINTRUST_API_KEY,
 * BRAINTRUST_API_URL, BRAINTRUST_PROJECT) turns the instrumentation's spans into Braintrust records.
 * The calls are in calls.js; the provider is shut down (records flushed) before exit.
 *
 * Our built package is laid into node_modules/otel-genai-braintrust by test/integration/dialects.test.ts, as
 * test/integration/otel3.test.ts does for the 3.x app, so that it resolves this app's @opentelemetry/api.
 */
const api = require('@opentelemetry/api');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { BraintrustSpanProcessor } = require('otel-genai-braintrust');
const { runCalls } = require('./calls');

const provider = new NodeTracerProvider({ spanProcessors: [new BraintrustSpanProcessor()] });
provider.register();

const dialect = process.env.DIALECT;
let instrumentation;
if (dialect === 'openllmetry') {
  const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');
  instrumentation = new OpenAIInstrumentation();
} else if (dialect === 'openinference') {
  const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai');
  instrumentation = new OpenAIInstrumentation();
} else {
  throw new Error(`DIALECT must be openllmetry or openinference, not ${dialect}`);
}
instrumentation.setTracerProvider(provider);

// Loaded after the instrumentation is enabled, so that its require hook patches the SDK.
const OpenAI = require('openai').default;

(async () => {
  const results = await runCalls({ api, OpenAI });
  await provider.shutdown();
  process.stdout.write(`${JSON.stringify(results)}\n`);
})();

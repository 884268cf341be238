'use strict';
/**
 * An app on the OpenTelemetry JS 3.x line that adds otel-genai-braintrust to its own pipeline, next
 * to @opentelemetry/instrumentation-openai. Makes a chat call over node:http, one over fetch, and
 * one with the openai SDK (traced by instrumentation-openai), then shuts down.
 */
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
const { GenAiInstrumentation, GenAiSpanProcessor } = require('otel-genai-braintrust');

const base = process.env.REPLAY_URL;
const routes = [{ host: '127.0.0.1', pathPrefix: '/openai/', provider: 'openai' }];
const sdk = new NodeSDK({
  instrumentations: [new GenAiInstrumentation({ routes }), new HttpInstrumentation(), new UndiciInstrumentation(), new OpenAIInstrumentation()],
  spanProcessors: [new GenAiSpanProcessor(), new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), scheduledDelayMillis: 20 })],
  metricReaders: [],
  logRecordProcessors: [],
});
sdk.start();
// Loaded after start(), as in any OTel setup, so that instrumentation-http patches it.
const http = require('node:http');

const fixture = 'openai/openai-chat-completions-adds-genai-conventions';
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Answer in up to 3 words: Which ocean contains Bouvet Island?' }] });
const headers = { 'content-type': 'application/json', 'x-replay-fixture': fixture };

function viaHttp() {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/openai/v1/chat/completions`, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
}

(async () => {
  await viaHttp();
  await (await fetch(`${base}/openai/v1/chat/completions`, { method: 'POST', headers, body })).json();
  const OpenAI = require('openai').default;
  const client = new OpenAI({ apiKey: 'sk-compat', baseURL: `${base}/openai/v1`, defaultHeaders: { 'x-replay-fixture': fixture } });
  await client.chat.completions.create(JSON.parse(body));
  await sdk.shutdown();
  const apiEntry = require.resolve('@opentelemetry/api');
  const apiRoot = apiEntry.slice(0, apiEntry.indexOf('@opentelemetry/api') + '@opentelemetry/api'.length);
  const { version } = JSON.parse(require('node:fs').readFileSync(`${apiRoot}/package.json`, 'utf8'));
  process.stdout.write(`api ${version} from ${apiEntry}\n`);
})();

'use strict';
/**
 * The calls the dialect apps make (this folder's app.js and ../otel3/dialect-app.js): for each recorded
 * OpenAI chat exchange named in env FIXTURES (comma-separated `openai/<name>` ids of test/fixtures/llm-exchanges),
 * one `openai.chat.completions.create` with the recorded request body against the replay server, under a root
 * span `call <id>`, a stream read to its end. Prints one JSON line: [{ id, traceId, ok, error? }].
 *
 * It requires nothing but Node's own modules: each app passes its own @opentelemetry/api and openai, so no
 * second copy of either is loaded.
 */
const fs = require('node:fs');
const path = require('node:path');

const FIXTURE_DIR = path.join(__dirname, '..', '..', 'fixtures', 'llm-exchanges');

async function runCalls({ api, OpenAI }) {
  const base = process.env.REPLAY_URL;
  const ids = (process.env.FIXTURES || '').split(',').filter(Boolean);
  const tracer = api.trace.getTracer('dialect-app');
  const results = [];
  for (const id of ids) {
    const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, `${id}.json`), 'utf8'));
    const family = id.split('/')[0];
    const client = new OpenAI({ apiKey: 'sk-compat-dialects', baseURL: `${base}/${family}/v1`, maxRetries: 0, defaultHeaders: { 'x-replay-fixture': id } });
    const params = JSON.parse(fixture.request.body);
    const result = await tracer.startActiveSpan(`call ${id}`, async (span) => {
      const out = { id, traceId: span.spanContext().traceId, ok: true };
      try {
        const response = await client.chat.completions.create(params);
        if (params.stream) for await (const _chunk of response);
      } catch (err) {
        out.ok = false;
        out.error = String(err && err.message);
      }
      span.end();
      return out;
    });
    results.push(result);
  }
  return results;
}

module.exports = { runCalls };

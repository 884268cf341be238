'use strict';
/**
 * A small app that makes LLM calls with real clients against the replay server. Run under the real
 * preload by the integration tests. It knows nothing about our package: it only uses
 * @opentelemetry/api to put each call under a root span named after the call (so tests can find
 * the call's trace), as an app with its own spans would.
 *
 * Input: env APP_PLAN = path to JSON { replayUrl, replayH2Url?, steps: [{ id, fixture, client, fault?, abandonAfterChunks?, abortAfterMs?, baseUrl?, query? }] }
 * (`fixture`: `<dir-name>/<file>` of test/fixtures/llm-exchanges or test/fixtures/documented-exchanges).
 * (`baseUrl`: call this server instead of the replay server, e.g. a closed port).
 * (`query`: appended to the URL's query string, e.g. `key=AIza…` as Gemini clients send their API key;
 * the replay server picks the exchange by header, so it does not change what is served).
 * (`replayH2Url`: the HTTP/2 replay server, for the `bedrock-h2` and `http2` clients).
 * Output: one JSON line on stdout: [{ id, ok, status?, bodyBase64?, chunks?, error? }].
 */
const fs = require('node:fs');
const http = require('node:http');
const http2 = require('node:http2');
const { trace, context } = require('@opentelemetry/api');

const SECRET_KEY = process.env.APP_SECRET_KEY || 'sk-test-DO-NOT-LEAK-0123456789';
const plan = JSON.parse(fs.readFileSync(process.env.APP_PLAN, 'utf8'));
const replayServer = require('../helpers/replay-server.js');
// Both corpora; loadFixtureDirs refuses an id that exists in both.
const fixtures = replayServer.loadFixtureDirs([replayServer.FIXTURE_DIR, replayServer.DOCUMENTED_DIR]);
const tracer = trace.getTracer('llm-client-app');

function fixtureUrl(fixture, base, query) {
  base = base || plan.replayUrl;
  const url = new URL(fixture.request.url);
  const search = query ? `${url.search ? `${url.search}&` : '?'}${query}` : url.search;
  return `${base}/${fixture.family}${url.pathname}${search}`;
}

function headersFor(step) {
  const h = { 'content-type': 'application/json', authorization: `Bearer ${SECRET_KEY}`, 'x-api-key': SECRET_KEY, 'x-replay-fixture': step.fixture };
  if (step.fault) h['x-replay-fault'] = step.fault;
  return h;
}

async function viaFetch(step, fixture) {
  const controller = new AbortController();
  const timer = step.abortAfterMs ? setTimeout(() => controller.abort(), step.abortAfterMs) : undefined;
  try {
    const res = await fetch(fixtureUrl(fixture, step.baseUrl, step.query), { method: 'POST', headers: headersFor(step), body: fixture.request.body, signal: controller.signal });
    const parts = [];
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(Buffer.from(value));
      if (step.abandonAfterChunks && parts.length >= step.abandonAfterChunks) {
        await reader.cancel();
        break;
      }
    }
    return { ok: true, status: res.status, bodyBase64: Buffer.concat(parts).toString('base64'), chunks: parts.length };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function viaHttp(step, fixture) {
  return new Promise((resolve) => {
    const req = http.request(fixtureUrl(fixture, step.baseUrl, step.query), { method: 'POST', headers: headersFor(step) }, (res) => {
      const parts = [];
      res.on('data', (c) => {
        parts.push(c);
        if (step.abandonAfterChunks && parts.length >= step.abandonAfterChunks) res.destroy();
      });
      const done = (extra) => resolve({ ok: true, status: res.statusCode, bodyBase64: Buffer.concat(parts).toString('base64'), chunks: parts.length, ...extra });
      res.on('end', () => done({}));
      res.on('close', () => done({ closed: true }));
      res.on('error', () => {});
    });
    req.on('error', (err) => resolve({ ok: false, error: err.code || err.name }));
    if (step.abortAfterMs) setTimeout(() => req.destroy(new Error('aborted by app')), step.abortAfterMs);
    // Written in two pieces, as streaming clients do.
    const body = Buffer.from(fixture.request.body, 'utf8');
    req.write(body.subarray(0, Math.floor(body.length / 2)));
    req.end(body.subarray(Math.floor(body.length / 2)));
  });
}

/** Raw node:http2: one session per call, body written in two pieces; `abandonAfterChunks` closes the stream. */
function viaHttp2(step, fixture) {
  return new Promise((resolve) => {
    const url = new URL(fixtureUrl(fixture, plan.replayH2Url, step.query));
    const session = http2.connect(url.origin);
    session.on('error', () => {});
    const finish = (result) => {
      session.close();
      resolve(result);
    };
    const stream = session.request({ ':method': 'POST', ':path': `${url.pathname}${url.search}`, ...headersFor(step) });
    let status;
    const parts = [];
    const done = (extra) => finish({ ok: true, status, bodyBase64: Buffer.concat(parts).toString('base64'), chunks: parts.length, ...extra });
    stream.on('response', (headers) => (status = headers[':status']));
    stream.on('data', (c) => {
      parts.push(c);
      if (step.abandonAfterChunks && parts.length >= step.abandonAfterChunks) stream.close();
    });
    stream.on('end', () => done({}));
    stream.on('close', () => done({ closed: true }));
    stream.on('error', (err) => finish({ ok: false, status, error: err.code || err.name }));
    const body = Buffer.from(fixture.request.body, 'utf8');
    stream.write(body.subarray(0, Math.floor(body.length / 2)));
    stream.end(body.subarray(Math.floor(body.length / 2)));
  });
}

async function viaOpenAI(step, fixture, OpenAI) {
  const client = new OpenAI({ apiKey: SECRET_KEY, baseURL: `${plan.replayUrl}/${fixture.family}/v1`, maxRetries: 0, defaultHeaders: headersFor(step) });
  const params = JSON.parse(fixture.request.body);
  const path = new URL(fixture.request.url).pathname;
  const api = path.endsWith('/chat/completions')
    ? client.chat.completions
    : path.endsWith('/responses')
      ? client.responses
      : path.endsWith('/embeddings')
        ? client.embeddings
        : client.completions;
  const result = await api.create(params);
  if (params.stream) {
    let events = 0;
    for await (const _event of result) events++;
    return { ok: true, events };
  }
  return { ok: true, responseId: result.id ?? null };
}

async function viaAnthropic(step, fixture) {
  const Anthropic = require('@anthropic-ai/sdk');
  const client = new Anthropic({ apiKey: SECRET_KEY, baseURL: `${plan.replayUrl}/anthropic`, maxRetries: 0, defaultHeaders: headersFor(step) });
  const params = JSON.parse(fixture.request.body);
  const beta = new URL(fixture.request.url).searchParams.get('beta') === 'true';
  const result = await (beta ? client.beta.messages : client.messages).create(params);
  if (params.stream) {
    let events = 0;
    for await (const _event of result) events++;
    return { ok: true, events };
  }
  return { ok: true, responseId: result.id };
}

async function viaBedrock(step, fixture, h2 = false) {
  const br = require('@aws-sdk/client-bedrock-runtime');
  const client = new br.BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: `${h2 ? plan.replayH2Url : plan.replayUrl}/aws-bedrock`,
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET_KEY },
    maxAttempts: 1,
    // `bedrock`: HTTP/1.1, traced by instrumentation-http. `bedrock-h2`: the SDK's default HTTP/2
    // handler (NodeHttp2Handler), which only our own HTTP/2 capture traces.
    ...(h2 ? {} : { requestHandler: new (require('@smithy/node-http-handler').NodeHttpHandler)() }),
  });
  client.middlewareStack.add(
    (next) => (args) => {
      Object.assign(args.request.headers, { 'x-replay-fixture': step.fixture, ...(step.fault ? { 'x-replay-fault': step.fault } : {}) });
      return next(args);
    },
    { step: 'build' },
  );
  const url = new URL(fixture.request.url);
  const parts = url.pathname.split('/');
  const action = parts.pop();
  const modelId = decodeURIComponent(parts.pop());
  const body = fixture.request.body;
  let command;
  if (action === 'invoke') command = new br.InvokeModelCommand({ modelId, body, contentType: 'application/json', accept: 'application/json' });
  else if (action === 'invoke-with-response-stream') command = new br.InvokeModelWithResponseStreamCommand({ modelId, body, contentType: 'application/json', accept: 'application/json' });
  else if (action === 'converse') command = new br.ConverseCommand({ modelId, ...JSON.parse(body) });
  else command = new br.ConverseStreamCommand({ modelId, ...JSON.parse(body) });
  try {
    const result = await client.send(command);
    let events = 0;
    const stream = result.body && typeof result.body[Symbol.asyncIterator] === 'function' ? result.body : result.stream;
    if (stream) for await (const _e of stream) events++;
    return { ok: true, events };
  } catch (err) {
    return { ok: false, error: err.name, message: String(err.message).slice(0, 300), status: err.$metadata && err.$metadata.httpStatusCode };
  } finally {
    if (h2) client.destroy();
  }
}

async function run(step) {
  const fixture = fixtures.get(step.fixture);
  if (!fixture) return { ok: false, error: `unknown fixture ${step.fixture}` };
  switch (step.client) {
    case 'fetch':
      return viaFetch(step, fixture);
    case 'http':
      return viaHttp(step, fixture);
    case 'openai':
      return viaOpenAI(step, fixture, require('openai').default || require('openai'));
    case 'openai-v4':
      return viaOpenAI(step, fixture, require('openai-v4').default || require('openai-v4'));
    case 'anthropic':
      return viaAnthropic(step, fixture);
    case 'bedrock':
      return viaBedrock(step, fixture);
    case 'bedrock-h2':
      return viaBedrock(step, fixture, true);
    case 'http2':
      return viaHttp2(step, fixture);
    default:
      return { ok: false, error: `unknown client ${step.client}` };
  }
}

async function main() {
  const results = [];
  for (const step of plan.steps) {
    const span = tracer.startSpan(`call ${step.id}`);
    let result;
    try {
      result = await context.with(trace.setSpan(context.active(), span), () => run(step));
    } catch (err) {
      result = { ok: false, error: err && (err.name || String(err)), status: err && err.status };
    }
    span.end();
    results.push({ id: step.id, traceId: span.spanContext().traceId, ...result });
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main();

'use strict';
/**
 * A local stand-in for the OpenAI API, so the gateway demo runs with no network and no keys.
 *
 * `POST <mount>/v1/chat/completions` and `POST <mount>/v1/responses` answer with responses really
 * recorded from api.openai.com (test/fixtures/llm-exchanges/openai): the recording whose prompt is
 * the one asked, else the next one for that endpoint and stream flag. The recorded status, headers
 * and body bytes go out as recorded (gzip'd JSON stays gzip'd); SSE streams go out one event per
 * write, 10–30 ms apart, after a short "thinking" pause, so time to first token is real.
 *
 * Like the real API it wants `authorization: Bearer <key>` (when started with an `apiKey`), and a
 * model that is over its rate limit (env UPSTREAM_RATE_LIMITED_MODEL, default gpt-4o) gets OpenAI's
 * 429 `rate_limit_exceeded` error with `retry-after`.
 *
 * Standalone: `node examples/gateway/upstream.js [port]` prints {"url": ...}.
 */
const http = require('node:http');
const { loadFixtures, wireChunks, FIXTURE_DIR } = require('../../test/helpers/replay-server.js');

/** Where the API is mounted: a path prefix a route rule can name unambiguously (see otel.config.js). */
const MOUNT = '/upstream/openai';
const RATE_LIMITED_MODEL = process.env.UPSTREAM_RATE_LIMITED_MODEL || 'gpt-4o';

/** Recordings that read well, by endpoint and stream flag (fixture names in llm-exchanges/openai). */
const CATALOG = {
  'chat/completions': {
    false: [
      'openai-chat-completions-adds-genai-conventions', // Which ocean contains Bouvet Island?
      'test-sdk-decorators-should-create-spans-for-workflows-using-decoration-syntax-1', // a fact about JavaScript
      'test-agent-decorator-should-create-spans-for-agents-using-decoration-syntax', // a joke about OpenTelemetry
      'test-sdk-decorators-should-not-mix-association-properties-for-traces-that-run-in-parallel-1', // a joke about TypeScript
    ],
    true: [
      'openai-streaming-chat-completions-records-usage', // Bouvet Island, with usage
      'test-openai-instrumentation-should-set-attributes-in-span-for-streaming-chat', // a joke, 25 events
    ],
  },
  responses: {
    false: [
      'openai-responses-adds-genai-conventions', // Bouvet Island
      'test-sdk-decorators-should-fix-vercel-ai-spans-to-match-openllmetry-format', // capital of France
      'test-ai-sdk-integration-with-recording-should-capture-openai-provider-spans-correctly-with-recording', // 2+2
      'test-openai-instrumentation-should-set-cache-read-input-tokens-in-span-for-responses-with-cached-tokens', // a joke, cached tokens
    ],
    true: [
      'openai-streaming-responses-records-usage', // Bouvet Island
      'test-ai-sdk-agent-integration-with-recording-should-use-agent-name-for-streamtext-with-agent-metadata', // a poem, 111 events
    ],
  },
};

/** The last thing the user said, as plain text: what picks the recording. */
function promptOf(body) {
  const last = (list) => [...list].reverse().find((m) => m && (m.role === 'user' || m.role === undefined));
  const text = (content) => (typeof content === 'string' ? content : Array.isArray(content) ? content.map((p) => p.text ?? '').join('') : '');
  if (Array.isArray(body.messages)) return text(last(body.messages)?.content);
  if (typeof body.input === 'string') return body.input;
  if (Array.isArray(body.input)) return text(last(body.input)?.content);
  return '';
}

function openAiError(res, status, message, type, code, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1));
const HOP_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/**
 * @param {{ port?: number, apiKey?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<{ url: string, baseURL: string, close(): Promise<void> }>}
 */
function startUpstream(options = {}) {
  const fixtures = loadFixtures(FIXTURE_DIR);
  const catalog = {};
  for (const [endpoint, byStream] of Object.entries(CATALOG)) {
    catalog[endpoint] = {};
    for (const [stream, names] of Object.entries(byStream)) {
      catalog[endpoint][stream] = names.map((name) => {
        const fixture = fixtures.get(`openai/${name}`);
        if (!fixture) throw new Error(`upstream: no recording openai/${name}`);
        return { fixture, prompt: promptOf(JSON.parse(fixture.request.body)), chunks: wireChunks(fixture).length };
      });
    }
  }
  const turn = new Map(); // endpoint+stream → next recording when the prompt is not one we have

  const log = options.log ?? (() => {});
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      log(`${req.method} ${req.url} failed: ${err.message}`);
      res.destroy();
    });
  });

  async function handle(req, res) {
    const parts = [];
    for await (const part of req) parts.push(part);
    const endpoint = req.method === 'POST' && req.url.startsWith(`${MOUNT}/v1/`) ? req.url.slice(MOUNT.length + 4) : '';
    if (!Object.hasOwn(catalog, endpoint)) return openAiError(res, 404, `Invalid URL (${req.method} ${req.url})`, 'invalid_request_error', null);
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return openAiError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    let body;
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {
      return openAiError(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
    }
    if (body.model === RATE_LIMITED_MODEL) {
      return openAiError(
        res,
        429,
        `Rate limit reached for ${body.model} in organization org-demo on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        'requests',
        'rate_limit_exceeded',
        { 'retry-after': '1', 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '120ms' },
      );
    }
    await sleep(between(60, 160)); // the model "thinking" before the first byte
    const stream = body.stream === true;
    const choices = catalog[endpoint][stream];
    const prompt = promptOf(body);
    let pick = choices.find((c) => c.prompt === prompt);
    if (!pick) {
      const key = `${endpoint} ${stream}`;
      const i = turn.get(key) ?? 0;
      turn.set(key, i + 1);
      pick = choices[i % choices.length];
    }
    const sent = await replay(pick.fixture, res);
    if (sent < pick.chunks) log(`caller hung up after ${sent} of ${pick.chunks} events; stopped generating`);
  }

  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      resolve({
        url,
        baseURL: `${url}${MOUNT}/v1`,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** The recorded response: head as recorded, then the body in the chunks the provider flushed. Returns the chunks sent. */
async function replay(fixture, res) {
  const headers = {};
  for (const [name, value] of Object.entries(fixture.response.headers)) if (!HOP_HEADERS.has(name.toLowerCase())) headers[name] = value;
  res.writeHead(fixture.response.status, headers);
  const chunks = wireChunks(fixture); // one per SSE event; a JSON (or gzip'd) body is one chunk
  for (let i = 0; i < chunks.length; i++) {
    if (i > 0) await sleep(between(10, 30));
    if (res.destroyed) return i; // the caller hung up: stop generating
    res.write(chunks[i]);
  }
  res.end();
  return chunks.length;
}

module.exports = { startUpstream, MOUNT, RATE_LIMITED_MODEL };

if (require.main === module) {
  const log = (line) => process.stderr.write(`${line}\n`);
  startUpstream({ port: Number(process.argv[2] || 0), apiKey: process.env.UPSTREAM_API_KEY, log }).then((upstream) => {
    process.stdout.write(`${JSON.stringify({ url: upstream.baseURL })}\n`);
  });
}

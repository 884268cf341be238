'use strict';
/**
 * An OpenAI-compatible LLM gateway, the kind a team puts in front of its provider: clients use the
 * openai SDK with `baseURL: <gateway>/v1` and their gateway key; the gateway authenticates them,
 * applies their plan, and forwards `POST /v1/chat/completions` and `POST /v1/responses` to the
 * upstream with the team's provider key, streamed or not. Upstream errors (a 429, say) reach the
 * client with their status and body. No tracing code: tracing comes from starting it with
 * `node --require otel-genai-braintrust/instrumentation gateway.js`.
 *
 * Env: UPSTREAM_URL (default https://api.openai.com/v1), UPSTREAM_API_KEY, PORT (default 0: any free
 * port), HOST (default 127.0.0.1). Prints {"url": ...} on stdout once listening. On SIGTERM it stops
 * accepting connections, lets in-flight requests finish, and exits.
 */
const http = require('node:http');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');

const UPSTREAM_URL = (process.env.UPSTREAM_URL || 'https://api.openai.com/v1').replace(/\/+$/, '');
const UPSTREAM_API_KEY = process.env.UPSTREAM_API_KEY || '';
const ROUTES = new Set(['/v1/chat/completions', '/v1/responses']);
const MAX_BODY_BYTES = 1024 * 1024;

/** Gateway keys and who holds them (a real gateway keeps these in its database). */
const KEYS = {
  'gw-demo-alice': { user: 'alice', plan: 'paid' },
  'gw-demo-bob': { user: 'bob', plan: 'trial' },
  'gw-demo-carol': { user: 'carol', plan: 'paid' },
};
/** Models a plan is limited to; a plan not listed may use any model. */
const PLAN_MODELS = { trial: new Set(['gpt-4o-mini', 'gpt-3.5-turbo']) };
/** Upstream response headers clients get to see (not content-encoding: fetch has decoded the body). */
const PASSED_HEADERS = /^(content-type|retry-after|x-request-id|openai-processing-ms|x-ratelimit-.*)$/i;

const log = (line) => process.stderr.write(`${line}\n`);

class HttpError extends Error {
  constructor(status, message, type, code) {
    super(message);
    Object.assign(this, { status, type, code });
  }
}

/** An error in OpenAI's shape, so the openai SDK raises it as it would the provider's own. */
function sendError(res, { status, message, type, code }) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

function authenticate(req) {
  const key = /^Bearer\s+(.+)$/i.exec(req.headers.authorization || '')?.[1];
  if (key && Object.hasOwn(KEYS, key)) return KEYS[key];
  throw new HttpError(401, 'Invalid gateway key.', 'invalid_request_error', 'invalid_api_key');
}

async function readJson(req) {
  const parts = [];
  let size = 0;
  for await (const part of req) {
    size += part.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large.', 'invalid_request_error', 'request_too_large');
    parts.push(part);
  }
  try {
    const body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    if (body && typeof body === 'object' && !Array.isArray(body)) return body;
  } catch {}
  throw new HttpError(400, 'The request body is not a JSON object.', 'invalid_request_error', 'invalid_json');
}

async function handle(req, res) {
  const { pathname } = new URL(req.url, 'http://gateway');
  if (!ROUTES.has(pathname)) throw new HttpError(404, `Unknown route ${req.method} ${pathname}.`, 'invalid_request_error', 'unknown_url');
  if (req.method !== 'POST') throw new HttpError(405, `Use POST for ${pathname}.`, 'invalid_request_error', 'method_not_allowed');
  const caller = authenticate(req);
  const body = await readJson(req);
  const allowed = PLAN_MODELS[caller.plan];
  if (allowed && !allowed.has(body.model)) {
    throw new HttpError(403, `The ${caller.plan} plan does not include ${body.model}.`, 'invalid_request_error', 'model_not_in_plan');
  }
  // OpenAI's end-user id (abuse monitoring, per-user usage): the authenticated user unless the client named one.
  body.user ??= caller.user;
  // Streams report token usage only when asked to: ask, so every call can be metered.
  if (body.stream === true && pathname === '/v1/chat/completions') body.stream_options = { include_usage: true, ...body.stream_options };

  // The client hanging up (e.g. mid-stream) cancels the upstream request: no paying for tokens nobody reads.
  const upstreamCall = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) upstreamCall.abort();
  });
  let upstream;
  try {
    upstream = await fetch(`${UPSTREAM_URL}${pathname.slice('/v1'.length)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${UPSTREAM_API_KEY}` },
      body: JSON.stringify(body),
      signal: upstreamCall.signal,
    });
  } catch (err) {
    if (upstreamCall.signal.aborted) return log(`${caller.user}: client went away before the upstream answered; upstream request aborted`);
    throw new HttpError(502, `Upstream unreachable: ${err.cause?.code || err.message}.`, 'api_error', 'upstream_unreachable');
  }

  const headers = {};
  for (const [name, value] of upstream.headers) if (PASSED_HEADERS.test(name)) headers[name] = value;
  res.writeHead(upstream.status, headers);
  if (!upstream.body) return res.end();
  try {
    // JSON or SSE alike: each chunk goes to the client as it arrives from the upstream.
    await pipeline(Readable.fromWeb(upstream.body), res);
  } catch (err) {
    if (upstreamCall.signal.aborted) return log(`${caller.user}: client went away mid-stream; upstream request aborted`);
    log(`${caller.user}: upstream response broke off: ${err.message}`);
    res.destroy();
  }
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (err instanceof HttpError) return sendError(res, err);
    log(`${req.method} ${req.url}: ${err.stack || err}`);
    sendError(res, { status: 500, message: 'Internal gateway error.', type: 'api_error', code: 'internal_error' });
  });
});

server.listen(Number(process.env.PORT || 0), process.env.HOST || '127.0.0.1', () => {
  const { address, port } = server.address();
  const url = `http://${address}:${port}`;
  log(`listening on ${url}, forwarding to ${UPSTREAM_URL}`);
  process.stdout.write(`${JSON.stringify({ url })}\n`);
});

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  log('SIGTERM: finishing in-flight requests, then exiting');
  server.close(); // no new connections; the process exits once in-flight requests are done
  server.closeIdleConnections();
  process.once('exit', () => log('stopped'));
  setTimeout(() => {
    log('requests still in flight after 10 s; exiting anyway');
    process.exit(1);
  }, 10_000).unref();
});

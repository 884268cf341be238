'use strict';
/**
 * Provider replay server: serves the recorded exchanges in test/fixtures/llm-exchanges byte for byte
 * (status, headers, compressed bodies), on 127.0.0.1. Plain JavaScript so that tests, child apps and
 * the demo can all run it. With `fixtureDirs` it also serves test/fixtures/documented-exchanges (exchanges
 * built from providers' API documentation, in the same format).
 *
 * Routing: each provider family is mounted under its directory name, e.g. the recording of
 * `https://api.openai.com/v1/chat/completions` is served at `/openai/v1/chat/completions`. The exchange
 * is chosen by the `x-replay-fixture: <family>/<name>` request header, else by a request body equal
 * (as JSON) to a recorded one at that path.
 *
 * Streams (SSE, AWS event-stream) are written one event/frame per write, `chunkDelayMs` apart, so
 * streaming, time to first chunk and partial reads are exercised.
 *
 * Faults, by `x-replay-fault` request header:
 *   truncate          send the first half of the stream's chunks, then destroy the socket
 *   reset             destroy the socket right after the response head
 *   hang              send the head and the first chunk, then nothing (the client must give up)
 *   invalid-json      answer 200 application/json with a body that is not JSON
 *   status=NNN        answer NNN with the provider's documented error body for that family
 *   oversize=BYTES    answer 200 JSON padded to BYTES bytes (usage at the end, as providers do)
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const FIXTURE_DIR = path.join(__dirname, '..', 'fixtures', 'llm-exchanges');
/** Exchanges built from providers' public API documentation (no recording exists); see its README. */
const DOCUMENTED_DIR = path.join(__dirname, '..', 'fixtures', 'documented-exchanges');

function loadFixtures(dir = FIXTURE_DIR) {
  const byId = new Map();
  for (const family of fs.readdirSync(dir).sort()) {
    const famDir = path.join(dir, family);
    if (!fs.statSync(famDir).isDirectory()) continue;
    for (const file of fs.readdirSync(famDir).sort()) {
      if (!file.endsWith('.json')) continue;
      const raw = JSON.parse(fs.readFileSync(path.join(famDir, file), 'utf8'));
      const id = `${family}/${file.slice(0, -5)}`;
      const url = new URL(raw.request.url);
      byId.set(id, { id, family, ...raw, servedPath: `/${family}${url.pathname}${url.search}` });
    }
  }
  return byId;
}

/** The fixtures of several directories in one map; an id (`<dir-name>/<file>`) found twice is an error. */
function loadFixtureDirs(dirs = [FIXTURE_DIR]) {
  const byId = new Map();
  for (const dir of dirs) {
    for (const [id, fixture] of loadFixtures(dir)) {
      if (byId.has(id)) throw new Error(`fixture id ${id} exists in more than one fixture directory (${dir})`);
      byId.set(id, fixture);
    }
  }
  return byId;
}

function wireBody(fixture) {
  const res = fixture.response;
  return res.body_base64 !== undefined ? Buffer.from(res.body_base64, 'base64') : Buffer.from(res.body ?? '', 'utf8');
}

/** The wire body split the way a provider would flush it. */
function wireChunks(fixture) {
  const body = wireBody(fixture);
  const type = (fixture.response.headers['content-type'] || '').toLowerCase();
  if (fixture.response.headers['content-encoding']) return [body];
  if (type.startsWith('text/event-stream')) return splitSse(body);
  if (type.startsWith('application/vnd.amazon.eventstream')) return splitFrames(body);
  return [body];
}

/** One chunk per event; events end with a blank line, `\n\n` or `\r\n\r\n` (Gemini). */
function splitSse(body) {
  const chunks = [];
  let start = 0;
  for (;;) {
    const lf = body.indexOf('\n\n', start);
    const crlf = body.indexOf('\r\n\r\n', start);
    const useCrlf = crlf !== -1 && (lf === -1 || crlf < lf);
    const at = useCrlf ? crlf : lf;
    if (at === -1) break;
    const end = at + (useCrlf ? 4 : 2);
    chunks.push(body.subarray(start, end));
    start = end;
  }
  if (start < body.length) chunks.push(body.subarray(start));
  return chunks;
}

function splitFrames(body) {
  const chunks = [];
  let at = 0;
  while (at + 4 <= body.length) {
    const length = body.readUInt32BE(at);
    if (length < 16 || at + length > body.length) break;
    chunks.push(body.subarray(at, at + length));
    at += length;
  }
  if (at < body.length) chunks.push(body.subarray(at));
  return chunks;
}

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function canonicalBody(text) {
  try {
    return canonical(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Documented error bodies per family (OpenAI, Anthropic, Bedrock API references). */
function errorBody(family, status) {
  if (family === 'anthropic') {
    const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return { 'content-type': 'application/json', body: JSON.stringify({ type: 'error', error: { type, message: `replayed ${status}` } }) };
  }
  if (family === 'aws-bedrock') {
    const type = status === 429 ? 'ThrottlingException' : status >= 500 ? 'InternalServerException' : 'ValidationException';
    return { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, body: JSON.stringify({ message: `replayed ${status}` }) };
  }
  const code = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { 'content-type': 'application/json', body: JSON.stringify({ error: { message: `replayed ${status}`, type, param: null, code } }) };
}

const HOP_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/**
 * `fixtureDirs`: directories to serve, each family under its own mount point (default: the recorded
 * exchanges only; e.g. `[FIXTURE_DIR, DOCUMENTED_DIR]` adds the documented ones). `fixtureDir`: one directory.
 * @param {{ port?: number, chunkDelayMs?: number, fixtureDir?: string, fixtureDirs?: string[] }} options
 * @returns {Promise<{ url: string, port: number, close(): Promise<void>, requests: object[], fixtures: Map<string, object> }>}
 */
function startReplayServer(options = {}) {
  const fixtures = options.fixtureDirs ? loadFixtureDirs(options.fixtureDirs) : loadFixtures(options.fixtureDir);
  const chunkDelayMs = options.chunkDelayMs ?? 5;
  const requests = [];
  const sockets = new Set();
  const byPath = new Map();
  for (const f of fixtures.values()) {
    const list = byPath.get(f.servedPath) || [];
    list.push(f);
    byPath.set(f.servedPath, list);
  }

  const server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const record = { method: req.method, url: req.url, headers: req.headers, body: body.toString('utf8') };
      requests.push(record);
      const wanted = req.headers['x-replay-fixture'];
      let fixture = wanted ? fixtures.get(String(wanted)) : undefined;
      if (!fixture) {
        const candidates = byPath.get(req.url) || [];
        const key = canonicalBody(record.body);
        fixture = candidates.find((f) => canonicalBody(f.request.body) === key);
      }
      if (!fixture) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no recorded exchange for ${req.method} ${req.url}`, type: 'replay_miss', code: 'replay_miss' } }));
        return;
      }
      record.fixture = fixture.id;
      serve(fixture, String(req.headers['x-replay-fault'] || ''), res, chunkDelayMs);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        requests,
        fixtures,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function serve(fixture, fault, res, chunkDelayMs) {
  const headers = {};
  for (const [k, v] of Object.entries(fixture.response.headers)) if (!HOP_HEADERS.has(k.toLowerCase())) headers[k] = v;

  if (fault.startsWith('status=')) {
    const status = Number(fault.slice(7));
    const { body, ...errorHeaders } = errorBody(fixture.family, status);
    res.writeHead(status, { ...errorHeaders, ...(status === 429 ? { 'retry-after': '1' } : {}) });
    res.end(body);
    return;
  }
  if (fault === 'invalid-json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id": "broken", "choices": [ this is not json');
    return;
  }
  if (fault.startsWith('oversize=')) {
    const size = Number(fault.slice(9));
    const usage = '"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}';
    const head = '{"id":"chatcmpl-oversize","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"';
    const pad = 'x'.repeat(Math.max(0, size - head.length - usage.length - 5));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${head}${pad}"}}],${usage}`);
    return;
  }

  const chunks = wireChunks(fixture);
  res.writeHead(fixture.response.status, headers);
  if (fault === 'reset') {
    res.flushHeaders();
    setTimeout(() => res.socket && res.socket.destroy(), 10);
    return;
  }
  const limit = fault === 'truncate' ? Math.max(1, Math.floor(chunks.length / 2)) : fault === 'hang' ? 1 : chunks.length;
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    if (i >= limit) {
      if (fault === 'truncate') res.socket && res.socket.destroy();
      else if (fault !== 'hang') res.end();
      return;
    }
    res.write(chunks[i++]);
    if (chunks.length === 1 && limit === 1 && fault === '') return res.end();
    setTimeout(next, chunkDelayMs);
  };
  next();
}

module.exports = { startReplayServer, loadFixtures, loadFixtureDirs, wireChunks, wireBody, FIXTURE_DIR, DOCUMENTED_DIR };

if (require.main === module) {
  const port = Number(process.argv[2] || 0);
  startReplayServer({ port }).then((s) => {
    process.stdout.write(`${s.url}\n`);
  });
}

'use strict';
/**
 * The benchmark's synthetic provider server. Runs in its own process (so its CPU is not counted in
 * the client's `process.cpuUsage()`), on 127.0.0.1, and reports its port over IPC.
 *
 *   GET  /health                        non-LLM, small JSON
 *   POST /api/items                     non-LLM, reads the body, small JSON
 *   POST /openai/v1/chat/completions    OpenAI chat, by `x-bench` request header:
 *        json (default)                 ~3 KB chat.completion
 *        stream=N                       SSE: role chunk, N content chunks, finish, usage, [DONE];
 *                                       head + first chunk at once, then one chunk per event-loop
 *                                       turn (setImmediate): as fast as the client can take them
 *        stream=N,pace=MS               the same, one chunk every MS ms (token pacing), for
 *                                       time-to-first-chunk without client saturation
 *        big=BYTES                      a chat.completion padded to BYTES
 *
 * Request bodies are read and discarded.
 */
const http = require('node:http');
const payloads = require('./payloads');

const CHAT = Buffer.from(payloads.chatResponse(), 'utf8');
const SMALL = Buffer.from(payloads.NON_LLM_RESPONSE, 'utf8');
const streams = new Map();
const bigs = new Map();

function streamChunks(n) {
  let chunks = streams.get(n);
  if (!chunks) streams.set(n, (chunks = payloads.chatStreamChunks(n)));
  return chunks;
}

function bigBody(bytes) {
  let body = bigs.get(bytes);
  if (!body) bigs.set(bytes, (body = Buffer.from(payloads.bigChatResponse(bytes), 'utf8')));
  return body;
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

function llm(req, res) {
  const mode = String(req.headers['x-bench'] || 'json');
  if (mode.startsWith('stream=')) {
    const [count, pace] = mode.slice(7).split(',pace=');
    const chunks = streamChunks(Number(count));
    const paceMs = pace ? Number(pace) : 0;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'openai-processing-ms': '120' });
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      res.write(chunks[i++]);
      if (i < chunks.length) {
        if (paceMs > 0) setTimeout(next, paceMs);
        else setImmediate(next);
      }
      else res.end();
    };
    next();
    return;
  }
  if (mode.startsWith('big=')) return json(res, 200, bigBody(Number(mode.slice(4))));
  return json(res, 200, CHAT);
}

const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  if (req.method === 'GET') {
    req.resume();
    return json(res, 200, SMALL);
  }
  req.on('data', () => {});
  req.on('end', () => {
    if (req.url === payloads.LLM_PATH) return llm(req, res);
    return json(res, 201, SMALL);
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  if (process.send) process.send({ port });
  else process.stdout.write(`http://127.0.0.1:${port}\n`);
});
process.on('disconnect', () => process.exit(0));

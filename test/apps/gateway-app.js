'use strict';
/**
 * A minimal OpenAI-compatible gateway for the tests, with no tracing code: `POST /v1/chat/completions`
 * and `/v1/responses` proxied over fetch to UPSTREAM_URL (the replay server's `/openai` mount), passing
 * `x-replay-fixture` (and `x-replay-fault`) through so the test picks the recorded answer. Streams are piped chunk by chunk;
 * a client that disconnects aborts the upstream fetch. FRAMEWORK=express or fastify serves the same
 * through that framework (its JSON body parser reads the body first, as real gateways on it do).
 * With SET_LLM_CONTEXT=1 the handler names the user the way a real gateway would after
 * authenticating (`setLlmContext` from the package root, the one tracing call a handler may make),
 * from the test's `x-test-llm-context` header (JSON).
 * UPSTREAM_USER: sets the OpenAI `user` field of the upstream request, as gateways do after
 * authenticating their client.
 * `GET /__cpu` reports this process's CPU time (for bench/gateway.js).
 * Prints {"url": ...} when listening; exits on SIGTERM.
 */
const http = require('node:http');

const UPSTREAM = process.env.UPSTREAM_URL;

async function proxy(req, res, body) {
  if (process.env.SET_LLM_CONTEXT && req.headers['x-test-llm-context']) {
    require(process.env.PACKAGE_ROOT).setLlmContext(JSON.parse(req.headers['x-test-llm-context']));
  }
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  try {
    const upstream = await fetch(`${UPSTREAM}${req.url}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sk-upstream-secret',
        'x-replay-fixture': req.headers['x-replay-fixture'] ?? '',
        'x-replay-fault': req.headers['x-replay-fault'] ?? '',
        'x-bench': req.headers['x-bench'] ?? '',
      },
      body,
      signal: controller.signal,
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    for await (const chunk of upstream.body) {
      if (res.destroyed) break;
      res.write(chunk);
    }
    res.end();
  } catch (err) {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: String(err.message), type: 'upstream_error' } }));
  }
}

/** The upstream body: as received, or with `user` set (UPSTREAM_USER). */
function upstreamBody(body) {
  if (!process.env.UPSTREAM_USER) return body;
  return JSON.stringify({ ...JSON.parse(body.toString()), user: process.env.UPSTREAM_USER });
}

function plainServer() {
  return http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/__cpu') {
      // For bench/gateway.js: this process's CPU time, in µs.
      const { user, system } = process.cpuUsage();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user, system }));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => proxy(req, res, upstreamBody(Buffer.concat(parts))));
  });
}

function expressServer() {
  const express = require('express');
  const app = express();
  app.use(express.json({ limit: '10mb' }));
  const handler = (req, res) => proxy(req, res, upstreamBody(Buffer.from(JSON.stringify(req.body))));
  app.post('/v1/chat/completions', handler);
  app.post('/v1/responses', handler);
  return http.createServer(app);
}

/** Fastify: the JSON body parsed by Fastify; the response written to the raw stream it hands over. */
async function fastifyServer() {
  const app = require('fastify')();
  const handler = async (request, reply) => {
    reply.hijack();
    await proxy(request.raw, reply.raw, upstreamBody(Buffer.from(JSON.stringify(request.body))));
  };
  app.post('/v1/chat/completions', handler);
  app.post('/v1/responses', handler);
  await app.ready();
  // A hijacked reply whose client went away leaves fastify's connection open: close it after a grace period.
  app.server.stop = () => {
    void app.close();
    setTimeout(() => app.server.closeAllConnections(), 500).unref();
  };
  return app.server;
}

async function main() {
  const framework = process.env.FRAMEWORK;
  const server = framework === 'express' ? expressServer() : framework === 'fastify' ? await fastifyServer() : plainServer();
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`));
  process.on('SIGTERM', () => {
    if (server.stop) return void server.stop();
    server.close();
    server.closeIdleConnections?.();
  });
}

main();

/**
 * The fetch capture observes; it does not stand between fetch and undici. What fetch hands the global
 * dispatcher (options, body, handler) must reach undici's own dispatch as the very same objects, and
 * the request bytes must still be seen (through undici's `onBodySent` callback). Run in a plain Node
 * process, with real fetch and a real server on 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

test('fetch capture passes undici the options, body and handler fetch gave it, and still reads the request body', () => {
  const script = `
    const http = require('node:http');
    const { FetchCapture } = require('./dist/instrumentation/fetch-capture.js');
    const { CallTracker } = require('./dist/instrumentation/call-tracker.js');
    const { resolveConfig } = require('./dist/src/config.js');
    const { LlmExchange } = require('./dist/src/exchange.js');

    (async () => {
    await (await fetch('data:,')).arrayBuffer(); // makes Node's global dispatcher
    // Below the capture: what undici's dispatch receives. Above it: what fetch passes.
    const dispatcher = globalThis[Symbol.for('undici.globalDispatcher.1')];
    const real = dispatcher.dispatch;
    const seen = {};
    dispatcher.dispatch = function (opts, handler) { seen.inner = { opts, body: opts.body, handler }; return real.call(this, opts, handler); };
    const tracker = new CallTracker(resolveConfig({ routes: [{ host: '127.0.0.1', pathPrefix: '/v1/', provider: 'openai' }] }, {}).config);
    new FetchCapture(tracker).enable();
    const captured = dispatcher.dispatch;
    dispatcher.dispatch = function (opts, handler) { seen.outer = { opts, body: opts.body, handler }; return captured.call(this, opts, handler); };

    // Which exchange the capture made: record the request bytes it was given.
    const requestBytes = [];
    const onRequestData = LlmExchange.prototype.onRequestData;
    LlmExchange.prototype.onRequestData = function (chunk) { requestBytes.push(Buffer.from(chunk)); return onRequestData.call(this, chunk); };

    const server = http.createServer((req, res) => {
      const parts = [];
      req.on('data', (c) => parts.push(c));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.concat(parts)));
    });
    server.listen(0, '127.0.0.1', async () => {
      const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      const res = await fetch('http://127.0.0.1:' + server.address().port + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const echoed = await res.text();
      console.log(JSON.stringify({
        sameOptions: seen.inner.opts === seen.outer.opts,
        sameBody: seen.inner.body === seen.outer.body,
        sameHandler: seen.inner.handler === seen.outer.handler,
        echoedIntact: echoed === body,
        captured: Buffer.concat(requestBytes).toString() === body,
      }));
      server.close();
    });
    })();
  `;
  const out = execFileSync(process.env.TEST_NODE ?? process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(JSON.parse(out.trim())).toEqual({ sameOptions: true, sameBody: true, sameHandler: true, echoedIntact: true, captured: true });
});

test('a request the dispatcher queues (created after dispatch returns) still gets its span annotated', () => {
  // A pipeline built by hand around an app's own global dispatcher limited to two connections: of
  // four concurrent calls, two wait in the pool's queue, and their requests (and spans) are created
  // only when the first ones finish: bound through undici's channels rather than at dispatch.
  const script = `
    (async () => {
    await (await fetch('data:,')).arrayBuffer();
    const key = Symbol.for('undici.globalDispatcher.1');
    const Agent = globalThis[key].constructor;
    globalThis[key] = new Agent({ connections: 2 });
    const http = require('node:http');
    const { NodeSDK } = require('@opentelemetry/sdk-node');
    const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici');
    const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
    const { GenAiInstrumentation, GenAiSpanProcessor } = require('./dist/index.js');
    const exporter = new InMemorySpanExporter();
    const sdk = new NodeSDK({
      instrumentations: [new GenAiInstrumentation({ routes: [{ host: '127.0.0.1', pathPrefix: '/v1/', provider: 'openai' }] }), new UndiciInstrumentation()],
      spanProcessors: [new GenAiSpanProcessor(), new SimpleSpanProcessor(exporter)],
      metricReaders: [], logRecordProcessors: [],
    });
    sdk.start();
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o-mini',
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hello' } }],
        usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
      })), 20));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const url = 'http://127.0.0.1:' + server.address().port + '/v1/chat/completions';
    const call = (text) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] }) }).then((r) => r.text());
    await Promise.all(['a', 'b', 'c', 'd'].map(call));
    // Read before shutdown: the in-memory exporter forgets its spans when shut down.
    const spans = exporter.getFinishedSpans().filter((s) => s.instrumentationScope.name === '@opentelemetry/instrumentation-undici');
    await sdk.shutdown();
    server.close();
    console.log(JSON.stringify(spans.map((s) => ({ model: s.attributes['gen_ai.response.model'], input: s.attributes['gen_ai.input.messages'] })).sort((a, b) => String(a.input).localeCompare(String(b.input)))));
    })();
  `;
  const out = execFileSync(process.env.TEST_NODE ?? process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  const spans = JSON.parse(out.trim()) as Array<{ model?: string; input?: string }>;
  expect(spans).toHaveLength(4);
  expect(spans.map((s) => s.model)).toEqual(['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o-mini']);
  expect(spans.map((s) => JSON.parse(s.input ?? '[]')[0]?.parts?.[0]?.content)).toEqual(['a', 'b', 'c', 'd']);
});

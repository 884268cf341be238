'use strict';
/**
 * Exporter benchmark (issue 3): `npm run bench:exporter`.
 *
 * Throughput: the same real spans (LLM spans with ~2 KB of message content, made by a real
 * sdk-trace-base tracer) through each span processor below, each in its own client process, against the
 * Braintrust API test server in a third process (so only the client's CPU is counted):
 *   - baseline: a no-op processor (the cost of making the spans, subtracted from the others);
 *   - floor: the least any exporter of these records must do (parse, render, stringify, POST; see
 *     `floorProcessor`), to tell what this machine allows from what our code costs; floor-raw, less
 *     still (the message JSON spliced in unparsed);
 *   - @braintrust/otel: its `BraintrustSpanProcessor` (BatchSpanProcessor + OTLP/HTTP JSON);
 *   - ours: `BraintrustSpanProcessor` (translation + redaction + batching + REST insert), and the same
 *     with redaction off (`ours-unredacted`).
 * BENCH_REPEAT sets the content: each message is 'lorem ipsum dolor sit amet ' that many times (default 38,
 * ~1 KB). Spans go in chunks of 1,000, each followed by `forceFlush()`, so nothing is dropped and every span
 * is delivered. Rounds alternate the order. Reported: client CPU µs per span above the baseline, and
 * what that means in spans per second on one core.
 *
 * Outage: our processor at 2,000 spans/s for BENCH_OUTAGE_SECONDS (default 60) while the server answers
 * every insert with 503; heap+external sampled every second must stay within the queue bound
 * (maxQueueBytes, default 64 MiB) above the start.
 */
const path = require('node:path');
const { fork } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const SERVER = path.join(ROOT, 'test', 'helpers', 'braintrust-server.js');
const N = Number(process.env.BENCH_SPANS || 20000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const OUTAGE_SECONDS = Number(process.env.BENCH_OUTAGE_SECONDS || 60);
const CHUNK = 1000;
const REPEAT = Number(process.env.BENCH_REPEAT || 38);

// ------------------------------------------------------------------------------------------------
// Client process: `node bench/exporter.js client <config> <serverUrl>`

async function client(config, url) {
  const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
  const { DEFAULT_API_KEY } = require(SERVER);
  const processor = makeProcessor(config, url, DEFAULT_API_KEY);
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('bench');
  const content = 'lorem ipsum dolor sit amet '.repeat(REPEAT);
  const input = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content }] }]);
  const output = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content }], finish_reason: 'stop' }]);
  const makeSpans = (n) => {
    for (let i = 0; i < n; i++) {
      const span = tracer.startSpan('chat gpt-4o-mini', { kind: 2 });
      span.setAttributes({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 100,
        'gen_ai.usage.output_tokens': 50,
        'gen_ai.response.id': 'chatcmpl-x',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.input.messages': input,
        'gen_ai.output.messages': output,
        'server.address': 'api.openai.com',
        'http.response.status_code': 200,
      });
      span.end();
    }
  };

  if (config === 'outage') return outage(processor, makeSpans);
  makeSpans(CHUNK); // warm-up (JIT, project lookup, connections)
  await processor.forceFlush();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let done = 0; done < N; done += CHUNK) {
    makeSpans(CHUNK);
    await processor.forceFlush();
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  await processor.shutdown();
  return { cpuUsPerSpan: (used.user + used.system) / N, wallMs };
}

function makeProcessor(config, url, apiKey) {
  if (config === 'floor' || config === 'floor-raw') return floorProcessor(url, apiKey, config === 'floor-raw');
  if (config === 'baseline') return { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
  if (config === 'braintrust-otel') {
    const { BraintrustSpanProcessor } = require('@braintrust/otel');
    return new BraintrustSpanProcessor({ apiKey, apiUrl: url, parent: 'project_name:bench-braintrust-otel' });
  }
  const { BraintrustSpanProcessor } = require(path.join(ROOT, 'dist', 'index.js'));
  const redaction = config === 'ours-unredacted' ? { enabled: false } : undefined;
  return new BraintrustSpanProcessor({ apiKey, apiUrl: url, project: 'bench-ours', log: () => {}, redaction });
}

/**
 * The floor: only the work any exporter of these records must do, none of ours. Per span: parse the two
 * message attributes, render them in the chat shape, build a record of the same fields; per 1,000 spans:
 * one JSON.stringify, one UTF-8 body, one POST. No span tree, size cap, redaction, retries or queue.
 * `raw` goes below even that: the message attributes' JSON text is spliced into the record as it is
 * (not the chat shape Braintrust displays, so not a valid implementation: the least any could cost).
 */
function floorProcessor(url, apiKey, raw) {
  const http = require('node:http');
  let records = [];
  let projectId;
  const post = (path, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(`${url}${path}`, { method: 'POST', agent: floorAgent, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString())));
      });
      req.on('error', reject);
      req.end(body);
    });
  const floorAgent = new http.Agent({ keepAlive: true });
  const text = (m) => m.parts.map((p) => p.content).join('');
  return {
    onStart() {},
    onEnd(span) {
      const a = span.attributes;
      const ctx = span.spanContext();
      const start = span.startTime[0] + span.startTime[1] / 1e9;
      const end = span.endTime[0] + span.endTime[1] / 1e9;
      const record = {
        id: ctx.spanId, span_id: ctx.spanId, root_span_id: ctx.traceId, span_parents: [], created: new Date().toISOString(),
        span_attributes: { name: span.name, type: 'llm' },
        metrics: { start, end, prompt_tokens: a['gen_ai.usage.input_tokens'], completion_tokens: a['gen_ai.usage.output_tokens'], tokens: 150 },
        metadata: { model: a['gen_ai.request.model'], provider: a['gen_ai.provider.name'], response_id: a['gen_ai.response.id'], finish_reasons: a['gen_ai.response.finish_reasons'], status_code: a['http.response.status_code'] },
      };
      if (raw) {
        records.push(`${JSON.stringify(record).slice(0, -1)},"input":${a['gen_ai.input.messages']},"output":${a['gen_ai.output.messages']}}`);
        return;
      }
      record.input = JSON.parse(a['gen_ai.input.messages']).map((m) => ({ role: m.role, content: text(m) }));
      record.output = JSON.parse(a['gen_ai.output.messages']).map((m, index) => ({ index, message: { role: m.role, content: text(m) }, finish_reason: m.finish_reason }));
      records.push(record);
    },
    async forceFlush() {
      if (projectId === undefined) projectId = (await post('/v1/project', Buffer.from(JSON.stringify({ name: 'bench-floor' })))).id;
      const batch = records;
      records = [];
      if (batch.length === 0) return;
      // Serialised in groups of 20 (~60 KB): V8 makes texts over 128 KB one by one outside the young generation.
      const parts = [];
      if (raw) parts.push(batch.join(','));
      else for (let i = 0; i < batch.length; i += 20) parts.push(JSON.stringify(batch.slice(i, i + 20)).slice(1, -1));
      await post(`/v1/project_logs/${projectId}/insert`, Buffer.from(`{"events":[${parts.join(',')}]}`));
    },
    shutdown: async () => floorAgent.destroy(),
  };
}

async function outage(processor, makeSpans) {
  const sample = () => {
    global.gc?.();
    const m = process.memoryUsage();
    return (m.heapUsed + m.external) / 1024 / 1024;
  };
  makeSpans(200);
  await new Promise((r) => setTimeout(r, 200));
  const start = sample();
  let peak = start;
  for (let second = 0; second < OUTAGE_SECONDS; second++) {
    for (let tick = 0; tick < 10; tick++) {
      makeSpans(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    peak = Math.max(peak, sample());
  }
  const stats = processor.exporter.stats;
  const t = Date.now();
  await processor.shutdown();
  return { startMiB: start, peakMiB: peak, dropped: stats.dropped, shutdownMs: Date.now() - t };
}

// ------------------------------------------------------------------------------------------------
// Driver

function run(args, execArgv = []) {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', resolve);
    child.once('exit', (code) => code !== 0 && reject(new Error(`client ${args[1]} exited with ${code}`)));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function driver() {
  const server = fork(SERVER, [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(JSON.parse(d.toString()).url)));
  const configs = ['baseline', 'floor-raw', 'floor', 'braintrust-otel', 'ours', 'ours-unredacted'];
  const results = Object.fromEntries(configs.map((c) => [c, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? configs : [...configs].reverse();
    for (const config of order) results[config].push(await run(['client', config, url]));
  }
  const base = median(results.baseline.map((r) => r.cpuUsPerSpan));
  const lines = [`exporter throughput, ${N} LLM spans (${(2 * 27 * REPEAT / 1024).toFixed(1)} KB of message content each) per round, ${ROUNDS} rounds, Node ${process.version}; client CPU per span (median), minus the baseline's ${base.toFixed(1)} µs for making the spans:`];
  for (const config of configs.slice(1)) {
    const cpu = median(results[config].map((r) => r.cpuUsPerSpan)) - base;
    const wall = median(results[config].map((r) => (N / r.wallMs) * 1000));
    lines.push(`  ${config.padEnd(16)} ${cpu.toFixed(1).padStart(6)} µs/span → ${Math.round(1e6 / cpu).toLocaleString('en-US').padStart(7)} spans/s on one core; delivered ${Math.round(wall).toLocaleString('en-US')} spans/s (wall clock, server included)`);
  }
  server.send({ cmd: 'fault', fault: { route: 'insert', kind: 'status', status: 503 } });
  server.send({ cmd: 'fault', fault: { route: 'project', kind: 'status', status: 503 } });
  const o = await run(['client', 'outage', url], ['--expose-gc']);
  lines.push(`outage: 2,000 spans/s for ${OUTAGE_SECONDS} s, every request answered 503: heap+external ${o.startMiB.toFixed(1)} → peak ${o.peakMiB.toFixed(1)} MiB (+${(o.peakMiB - o.startMiB).toFixed(1)}; maxQueueBytes bounds queued and in-flight records at 64 MiB); dropped ${JSON.stringify(o.dropped)}; shutdown ${o.shutdownMs} ms`);
  console.log(lines.join('\n'));
  server.kill();
}

if (process.argv[2] === 'client') {
  client(process.argv[3], process.argv[4]).then(
    (result) => process.send(result, () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  driver().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

'use strict';
/**
 * The client process under test. Started by bench/run.js in one of three configurations
 * (no OTel / baseline preload / the real preload) and driven over IPC, so the same long-lived,
 * warmed-up process serves every round. It only makes requests and reports its own
 * `process.cpuUsage()`, latencies and memory; the server is another process.
 *
 * Messages in:  { id, cmd: 'run', scenario, n, concurrency }
 *               { id, cmd: 'verify' }            spans seen by a temporary recording processor
 *               { id, cmd: 'mem', n, concurrency, reqBytes, resBytes }
 * Messages out: { id, result } or { id, error }
 */
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const payloads = require('./payloads');

const PORT = Number(process.env.BENCH_PORT);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const CHAT_REQ = Buffer.from(payloads.chatRequest(), 'utf8');
const CHAT_REQ_TEXT = payloads.chatRequest();
const STREAM_REQ = Buffer.from(payloads.chatRequest({ stream: true }), 'utf8');
const STREAM_REQ_TEXT = payloads.chatRequest({ stream: true });
const POST_BODY = Buffer.from(payloads.NON_LLM_POST, 'utf8');
const POST_TEXT = payloads.NON_LLM_POST;
const LLM_HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-0000000000000000', 'x-bench': 'json' };

let bigReq; // one shared buffer/string, so the app itself holds no per-call copies

function httpCall(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: PORT, method, path, agent, headers: body ? { ...headers, 'content-length': body.length } : headers }, (res) => {
      let chunks = 0;
      let bytes = 0;
      let first = 0;
      res.on('data', (c) => {
        if (chunks++ === 0) first = performance.now();
        bytes += c.length;
      });
      res.on('end', () => resolve({ first, chunks, bytes, status: res.statusCode }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.end(body);
    else req.end();
  });
}

async function fetchCall(method, path, headers, body, streaming) {
  const res = await fetch(ORIGIN + path, body === undefined ? { method, headers } : { method, headers, body });
  if (!streaming) {
    const buf = await res.arrayBuffer();
    return { first: 0, chunks: 1, bytes: buf.byteLength, status: res.status };
  }
  const reader = res.body.getReader();
  let chunks = 0;
  let bytes = 0;
  let first = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (chunks++ === 0) first = performance.now();
    bytes += value.byteLength;
  }
  return { first, chunks, bytes, status: res.status };
}

/** scenario name → one request. */
function scenarioFn(name) {
  const [kind, arg] = name.split(':');
  const json = { 'content-type': 'application/json' };
  switch (kind) {
    case 'http-get':
      return () => httpCall('GET', '/health', {});
    case 'http-post':
      return () => httpCall('POST', '/api/items', json, POST_BODY);
    case 'fetch-get':
      return () => fetchCall('GET', '/health', {});
    case 'fetch-post':
      return () => fetchCall('POST', '/api/items', json, POST_TEXT);
    case 'http-llm':
      return () => httpCall('POST', payloads.LLM_PATH, LLM_HEADERS, CHAT_REQ);
    case 'fetch-llm':
      return () => fetchCall('POST', payloads.LLM_PATH, LLM_HEADERS, CHAT_REQ_TEXT);
    case 'http-stream': {
      const headers = { ...LLM_HEADERS, 'x-bench': `stream=${arg}` };
      return () => httpCall('POST', payloads.LLM_PATH, headers, STREAM_REQ);
    }
    case 'fetch-stream': {
      const headers = { ...LLM_HEADERS, 'x-bench': `stream=${arg}` };
      return () => fetchCall('POST', payloads.LLM_PATH, headers, STREAM_REQ_TEXT, true);
    }
    case 'http-paced':
    case 'fetch-paced': {
      const headers = { ...LLM_HEADERS, 'x-bench': `stream=${arg},pace=2` };
      return kind === 'http-paced' ? () => httpCall('POST', payloads.LLM_PATH, headers, STREAM_REQ) : () => fetchCall('POST', payloads.LLM_PATH, headers, STREAM_REQ_TEXT, true);
    }
    // Memory test: a 1 MiB+ response (arg = bytes) to a normal request, or a 1 MiB+ request.
    case 'http-bigres':
    case 'fetch-bigres': {
      const headers = { ...LLM_HEADERS, 'x-bench': `big=${arg}` };
      return kind === 'http-bigres' ? () => httpCall('POST', payloads.LLM_PATH, headers, CHAT_REQ) : () => fetchCall('POST', payloads.LLM_PATH, headers, CHAT_REQ_TEXT, true);
    }
    case 'http-bigreq':
      return () => httpCall('POST', payloads.LLM_PATH, LLM_HEADERS, bigReq.buffer);
    case 'fetch-bigreq':
      return () => fetchCall('POST', payloads.LLM_PATH, LLM_HEADERS, bigReq.text, true);
    default:
      throw new Error(`unknown scenario ${name}`);
  }
}

async function drive(fns, n, concurrency, onEach) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const fn = fns[i % fns.length];
      const start = performance.now();
      const r = await fn();
      if (r.status >= 400) throw new Error(`HTTP ${r.status}`);
      onEach(i, start, r);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function run({ scenario, n, concurrency }) {
  const fn = scenarioFn(scenario);
  const lat = new Array(n);
  const ttfc = new Array(n);
  let chunks = 0;
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await drive([fn], n, concurrency, (i, start, r) => {
    const end = performance.now();
    lat[i] = Math.round((end - start) * 1000); // µs
    ttfc[i] = Math.round((r.first - start) * 1000);
    chunks += r.chunks;
    bytes += r.bytes;
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: cpu.user + cpu.system, userUs: cpu.user, sysUs: cpu.system, wallMs, n, chunks, bytes, lat, ttfc };
}

function gc() {
  if (global.gc) {
    global.gc();
    global.gc();
  }
}

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function jsMemory(m = process.memoryUsage()) {
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

/** Spans left in our tracker's registry (genai config only). */
function trackerState() {
  try {
    const tracker = require('../dist/instrumentation/call-tracker.js').sharedTracker();
    return { clientSpans: tracker.clientSpans.size };
  } catch {
    return undefined;
  }
}

/**
 * In-process A/B (toggle-preload.js only): `pairs` pairs of batches, GenAI layer on/off, the order
 * alternating pair by pair. Returns user/sys CPU per batch.
 */
async function toggle({ scenario, n, concurrency, pairs }) {
  if (typeof global.__benchGenAi !== 'function') throw new Error('toggle needs bench/toggle-preload.js');
  const fn = scenarioFn(scenario);
  const batch = async () => {
    const cpu0 = process.cpuUsage();
    await drive([fn], n, concurrency, () => {});
    const cpu = process.cpuUsage(cpu0);
    return { userUs: cpu.user, sysUs: cpu.system };
  };
  const on = [];
  const off = [];
  try {
    for (let p = 0; p < pairs; p++) {
      for (const state of p % 2 === 0 ? [true, false] : [false, true]) {
        global.__benchGenAi(state);
        await drive([fn], Math.min(20, n), concurrency, () => {}); // settle after the switch
        (state ? on : off).push(await batch());
      }
    }
  } finally {
    global.__benchGenAi(true);
  }
  return { n, on, off };
}

/**
 * 1 MiB+ bodies: calls alternate http/fetch and big response/big request. Memory is sampled every
 * 5 ms (peak, garbage included) and, every `gcEvery` completed calls, right after a full GC while
 * the other calls are in flight (live memory: what the captures really hold).
 */
async function mem({ n, concurrency, reqBytes, resBytes, warm, gcEvery }) {
  bigReq ??= { text: payloads.bigChatRequest(reqBytes) };
  bigReq.buffer ??= Buffer.from(bigReq.text, 'utf8');
  const fns = ['http-bigres', 'fetch-bigres', 'http-bigreq', 'fetch-bigreq'].map((k) => scenarioFn(`${k}:${resBytes}`));
  await drive(fns, warm, concurrency, () => {});
  await sleep(50);
  gc();
  await sleep(20);
  gc();
  const before = jsMemory();
  const peak = { heapUsed: 0, external: 0, total: 0, rss: 0, liveTotal: 0 };
  const live = [];
  const sample = () => {
    const m = process.memoryUsage();
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.external = Math.max(peak.external, m.external);
    peak.total = Math.max(peak.total, m.heapUsed + m.external);
    peak.rss = Math.max(peak.rss, m.rss);
  };
  const timer = setInterval(sample, 5);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let bytes = 0;
  let done = 0;
  await drive(fns, n, concurrency, (i, start, r) => {
    bytes += r.bytes;
    sample();
    if (++done % gcEvery === 0) {
      gc();
      const m = process.memoryUsage();
      live.push(m.heapUsed + m.external);
    }
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  sample();
  const atEnd = jsMemory();
  for (let i = 0; i < 5; i++) await tick();
  await sleep(50);
  gc();
  await sleep(20);
  gc();
  const after = jsMemory();
  peak.liveTotal = Math.max(...live);
  const half = Math.floor(live.length / 2);
  return { n, wallMs, cpuUs: cpu.user + cpu.system, bytes, before, peak, live, liveFirstHalf: Math.max(...live.slice(0, half)), liveSecondHalf: Math.max(...live.slice(half)), atEnd, after, tracker: trackerState() };
}

/** Runs one request of each kind under a temporary recording span processor; reports the spans. */
async function verify() {
  const { trace } = require('@opentelemetry/api');
  const provider = trace.getTracerProvider();
  const delegate = typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider;
  const list = delegate && delegate._activeSpanProcessor && delegate._activeSpanProcessor._spanProcessors;
  if (!Array.isArray(list)) return { spans: [], note: 'no SDK tracer provider registered' };
  const spans = [];
  const recorder = {
    onStart() {},
    onEnd(span) {
      const attrs = span.attributes || {};
      spans.push({
        name: span.name,
        scope: span.instrumentationScope && span.instrumentationScope.name,
        genai: Object.keys(attrs).filter((k) => k.startsWith('gen_ai.')).length,
        provider: attrs['gen_ai.provider.name'],
        model: attrs['gen_ai.request.model'],
        outputTokens: attrs['gen_ai.usage.output_tokens'],
      });
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  list.push(recorder);
  const results = {};
  try {
    for (const s of ['http-get', 'http-post', 'fetch-get', 'fetch-post', 'http-llm', 'fetch-llm', 'http-stream:20', 'fetch-stream:20', 'http-paced:3', 'fetch-paced:3']) {
      const before = spans.length;
      await scenarioFn(s)();
      await sleep(20);
      results[s] = spans.slice(before).filter((x) => x.scope && x.scope.startsWith('@opentelemetry/instrumentation-'));
    }
  } finally {
    list.splice(list.indexOf(recorder), 1);
  }
  return { results, tracker: trackerState() };
}

process.on('message', async (msg) => {
  try {
    let result;
    if (msg.cmd === 'run') result = await run(msg);
    else if (msg.cmd === 'verify') result = await verify();
    else if (msg.cmd === 'mem') result = await mem(msg);
    else if (msg.cmd === 'toggle') result = await toggle(msg);
    else if (msg.cmd === 'gc') result = gc();
    else throw new Error(`unknown command ${msg.cmd}`);
    process.send({ id: msg.id, result });
  } catch (err) {
    process.send({ id: msg.id, error: String((err && err.stack) || err) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true, pid: process.pid, node: process.version });

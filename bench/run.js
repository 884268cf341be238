'use strict';
/**
 * `npm run bench`: overhead of the GenAI layer, as deltas against baselines measured in the same run.
 *
 * Processes (all on 127.0.0.1):
 *   - bench/server.js: the synthetic provider server, alone in its process (pinned to CPU 0 when
 *     `taskset` works), so its CPU is never counted;
 *   - three long-lived client processes (pinned to CPU 1), driven over IPC, one per configuration:
 *       none   no OpenTelemetry at all (context only)
 *       base   NodeSDK + instrumentation-http + instrumentation-undici (bench/baseline-preload.js)
 *       genai  the real preload: the same + GenAiInstrumentation + GenAiSpanProcessor
 *     all with OTEL_TRACES_EXPORTER=none and OTEL_GENAI_BRAINTRUST_EXPORT=false (spans are recorded and
 *     annotated, never exported; the exporter is measured by bench/exporter.js);
 *   - bench/micro.js: matchRoute / LlmExchange micro-benchmarks.
 *
 * Method: a measurement is N requests at concurrency C in one client; CPU/request is
 * process.cpuUsage() (user+system) of that client over the N requests / N. Each round measures every
 * scenario in every configuration, the configuration order alternating round by round
 * (none,base,genai / genai,base,none), and deltas are paired within a round. Figures are medians over
 * rounds with [min..max] of the per-round values.
 *
 * Env: BENCH_ROUNDS (default 7), BENCH_SCALE (multiplies request counts; default 1),
 *      BENCH_PIN=0 (no CPU pinning), BENCH_STRICT=1 (exit 1 if a target fails).
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 7);
const SCALE = Number(process.env.BENCH_SCALE || 1);
const CONCURRENCY = 8;
const STRICT = process.env.BENCH_STRICT === '1';
const MAX_CAPTURE = 1024 * 1024; // default maxCaptureBytes (otel.config.ts)
const TAIL_BYTES = 16 * 1024; // src/wire/body.ts
const STREAM_LONG = 200;
const STREAM_SHORT = 20;
const EVENTS = (n) => n + 4; // role chunk + n content chunks + finish + usage + [DONE]

const n = (x) => Math.max(20, Math.round(x * SCALE));
const ALL = ['none', 'base', 'genai'];
const AB = ['base', 'genai'];
const PACED = 20; // content chunks of the paced (2 ms/chunk) streams used for time to first chunk
/** Scenarios measured every round, in the configurations listed. */
const SCENARIOS = [
  { name: 'http-get', n: n(600), configs: ALL },
  { name: 'http-post', n: n(600), configs: ALL },
  { name: 'fetch-get', n: n(300), configs: ALL },
  { name: 'fetch-post', n: n(300), configs: ALL },
  { name: 'http-llm', n: n(500), configs: ALL },
  { name: 'fetch-llm', n: n(250), configs: ALL },
  { name: `http-stream:${STREAM_LONG}`, n: n(40), configs: AB },
  { name: `http-stream:${STREAM_SHORT}`, n: n(150), configs: AB },
  { name: `fetch-stream:${STREAM_LONG}`, n: n(40), configs: AB },
  { name: `fetch-stream:${STREAM_SHORT}`, n: n(150), configs: AB },
  { name: `http-paced:${PACED}`, n: n(100), configs: AB },
  { name: `fetch-paced:${PACED}`, n: n(100), configs: AB },
];
/** In-process A/B (bench/toggle-preload.js): [scenario, requests per batch, pairs of batches]. */
const TOGGLE = [
  ['http-get', n(200), 16],
  ['http-post', n(200), 16],
  ['fetch-get', n(100), 16],
  ['fetch-post', n(100), 16],
  ['http-llm', n(150), 12],
  ['fetch-llm', n(80), 12],
];
if (process.env.BENCH_ONLY) {
  // Development aid: measure only the scenarios matching this regular expression (no verdicts for the others).
  const only = new RegExp(process.env.BENCH_ONLY);
  for (let i = SCENARIOS.length - 1; i >= 0; i--) if (!only.test(SCENARIOS[i].name)) SCENARIOS.splice(i, 1);
}
const MEM = { n: n(2000), nBase: n(500), concurrency: 16, reqBytes: 1100 * 1024, resBytes: 1200 * 1024, warm: 64, gcEvery: 100 };

const CONFIGS = [
  { name: 'none', label: 'no OTel', execArgv: [] },
  { name: 'base', label: 'http+undici only', execArgv: ['--require', path.join(__dirname, 'baseline-preload.js')] },
  { name: 'genai', label: '+ GenAI layer', execArgv: ['--require', path.join(ROOT, 'instrumentation')] },
];

// ---------------------------------------------------------------------------------------------
// Processes

const canPin = process.env.BENCH_PIN !== '0' && os.cpus().length >= 2 && spawnSync('taskset', ['-c', '1', 'true']).status === 0;

function launch(script, execArgv, cpu, env) {
  const args = [...execArgv, script];
  const child = canPin
    ? spawn('taskset', ['-c', String(cpu), process.execPath, ...args], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env })
    : spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env });
  child.stderrText = '';
  child.stderr.on('data', (d) => {
    child.stderrText += d;
  });
  return child;
}

function waitFor(child, pred, what, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}`)), timeoutMs);
    const onMessage = (m) => {
      if (pred(m)) done(null, m);
    };
    const onExit = (code) => done(new Error(`${what}: process exited (${code}); stderr:\n${child.stderrText}`));
    function done(err, m) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

let nextId = 0;
async function call(client, msg, timeoutMs = 120_000) {
  const id = ++nextId;
  client.send({ ...msg, id });
  const reply = await waitFor(client, (m) => m && m.id === id, `${client.configName} ${msg.cmd} ${msg.scenario || ''}`, timeoutMs);
  if (reply.error) throw new Error(`${client.configName} ${msg.cmd} ${msg.scenario || ''}: ${reply.error}`);
  return reply.result;
}

// ---------------------------------------------------------------------------------------------
// Statistics

const sorted = (xs) => [...xs].sort((a, b) => a - b);
function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo] + (s[hi] - s[lo]) * (at - lo);
}
const median = (xs) => quantile(sorted(xs), 0.5);
function spread(xs) {
  const s = sorted(xs);
  return { median: quantile(s, 0.5), min: s[0], max: s[s.length - 1], values: xs };
}
/**
 * Distribution-free confidence interval for the median from order statistics: the widest k with
 * coverage ≥ 90% (binomial(n, ½)): n=7 → min..max (98.4%), n=12 → 3rd..10th (96.1%), n=16 → 5th..12th (92.3%).
 */
function medianCi(xs) {
  const s = sorted(xs);
  const m = s.length;
  const binom = (i) => {
    let c = 1;
    for (let j = 0; j < i; j++) c = (c * (m - j)) / (j + 1);
    return c / 2 ** m;
  };
  // Excluding k values at each end gives [x(k+1), x(m-k)], coverage 1 - 2·P(Bin(m,½) ≤ k).
  let k = 0;
  let cum = binom(0);
  while (k + 1 < m / 2 && 2 * (cum + binom(k + 1)) <= 0.1) cum += binom(++k);
  return { lo: s[k], hi: s[m - 1 - k], coverage: 1 - 2 * cum };
}
/** PASS when the whole CI is within the limit, FAIL when the whole CI is beyond it, else INCONCLUSIVE. */
function verdictOf(values, limit) {
  const { lo, hi } = medianCi(values);
  if (hi <= limit) return 'PASS';
  if (lo > limit) return 'FAIL';
  return 'INCONCLUSIVE';
}

function pooledQuantile(arrays, q) {
  const all = new Float64Array(arrays.reduce((a, x) => a + x.length, 0));
  let i = 0;
  for (const arr of arrays) for (const v of arr) all[i++] = v;
  all.sort();
  const at = (all.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return all[lo] + (all[hi] - all[lo]) * (at - lo);
}

// ---------------------------------------------------------------------------------------------
// Formatting

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const signed = (x, f = f1) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + f(x) : 'n/a');
const mib = (b) => (b / 1048576).toFixed(1);
const signedMib = (b) => (b >= 0 ? '+' : '') + mib(b);
const range = (s, f = f1) => `[${f(s.min)}..${f(s.max)}]`;

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const log = (m) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${m}\n`);
  if (!fs.existsSync(path.join(ROOT, 'dist', 'instrumentation', 'preload.js'))) throw new Error('dist/ is missing: run `npm run build` first');

  const server = launch(path.join(__dirname, 'server.js'), [], 0, process.env);
  server.configName = 'server';
  const { port } = await waitFor(server, (m) => m && m.port, 'server start');

  const childEnv = { ...process.env };
  for (const k of Object.keys(childEnv)) if (k.startsWith('OTEL_')) delete childEnv[k];
  Object.assign(childEnv, {
    BENCH_PORT: String(port),
    OTEL_TRACES_EXPORTER: 'none',
    // The instrumentation layer alone (the exporter has its own benchmark, bench/exporter.js).
    OTEL_GENAI_BRAINTRUST_EXPORT: 'false',
    OTEL_SERVICE_NAME: 'otel-genai-bench',
    OTEL_LOG_LEVEL: 'error',
    OTEL_GENAI_CONFIG: path.join(__dirname, 'genai-routes.json'),
  });
  delete childEnv.NODE_OPTIONS;

  const clients = {};
  try {
    for (const cfg of CONFIGS) {
      const child = launch(path.join(__dirname, 'client.js'), ['--expose-gc', ...cfg.execArgv], 1, childEnv);
      child.configName = cfg.name;
      clients[cfg.name] = child;
      await waitFor(child, (m) => m && m.ready, `${cfg.name} client start`);
    }
    {
      const child = launch(path.join(__dirname, 'client.js'), ['--expose-gc', '--require', path.join(__dirname, 'toggle-preload.js')], 1, childEnv);
      child.configName = 'toggle';
      clients.toggle = child;
      await waitFor(child, (m) => m && m.ready, 'toggle client start');
    }
    log(`server :${port}; clients ready (${canPin ? 'server on CPU0, clients on CPU1' : 'not pinned'}); rounds=${ROUNDS}, concurrency=${CONCURRENCY}`);

    // 1. Sanity: the baseline records HTTP spans without gen_ai.*, the GenAI layer tags LLM spans only.
    const verification = {};
    for (const name of ['base', 'genai', 'toggle']) verification[name] = await call(clients[name], { cmd: 'verify' });
    const problems = checkVerification(verification);
    if (problems.length) throw new Error(`verification failed:\n  ${problems.join('\n  ')}`);
    log('verified: baseline spans recorded untagged; GenAI layer tags LLM spans (http, fetch, streams) and only those');

    // 2. Warm-up: every scenario in every configuration, not measured.
    for (const sc of SCENARIOS) {
      for (const cfg of sc.configs) await call(clients[cfg], { cmd: 'run', scenario: sc.name, n: Math.max(40, Math.round(sc.n / 2)), concurrency: CONCURRENCY });
    }
    log('warm-up done');

    // 3. Rounds, alternating configuration order.
    const data = {}; // scenario → config → [round results]
    for (const sc of SCENARIOS) data[sc.name] = { none: [], base: [], genai: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const sc of SCENARIOS) {
        const order = round % 2 === 0 ? sc.configs : [...sc.configs].reverse();
        for (const cfg of order) {
          const r = await call(clients[cfg], { cmd: 'run', scenario: sc.name, n: sc.n, concurrency: CONCURRENCY });
          data[sc.name][cfg].push(r);
        }
      }
      log(`round ${round + 1}/${ROUNDS} done`);
    }

    // 3b. In-process A/B of the GenAI layer (same process, switched off/on between batches).
    const toggled = {};
    if (!process.env.BENCH_ONLY) {
      for (const [scenario, count, pairs] of TOGGLE) {
        await call(clients.toggle, { cmd: 'run', scenario, n: count, concurrency: CONCURRENCY }); // warm-up
        toggled[scenario] = await call(clients.toggle, { cmd: 'toggle', scenario, n: count, concurrency: CONCURRENCY, pairs });
      }
      log('in-process on/off A/B done');
    }

    if (process.env.BENCH_ONLY) {
      for (const sc of SCENARIOS) {
        const line = sc.configs.map((cfg) => {
          const rs = data[sc.name][cfg];
          return `${cfg}: user ${f1(median(rs.map((r) => r.userUs / r.n)))} sys ${f1(median(rs.map((r) => r.sysUs / r.n)))} ttfc p50/p99 ${f2(pooledQuantile(rs.map((r) => r.ttfc), 0.5) / 1000)}/${f2(pooledQuantile(rs.map((r) => r.ttfc), 0.99) / 1000)} lat p99 ${f2(pooledQuantile(rs.map((r) => r.lat), 0.99) / 1000)}`;
        });
        const d = spread(data[sc.name].genai.map((r, i) => r.userUs / r.n - data[sc.name].base[i].userUs / r.n));
        process.stdout.write(`${sc.name}: ${line.join(' | ')} | Δuser ${f1(d.median)} ${range(d)}\n`);
      }
      return;
    }

    // 4. Memory: 1 MiB+ request and response bodies through http and fetch, base vs genai.
    const memory = {};
    for (const name of ['base', 'genai']) {
      memory[name] = await call(clients[name], { cmd: 'mem', ...MEM, n: name === 'base' ? MEM.nBase : MEM.n }, 300_000);
      log(`memory run (${name}) done: ${memory[name].n} calls in ${(memory[name].wallMs / 1000).toFixed(1)} s`);
    }

    for (const c of Object.values(clients)) c.disconnect();

    // 5. Micro-benchmarks.
    const microArgs = [path.join(__dirname, 'micro.js')];
    const micro = canPin ? spawnSync('taskset', ['-c', '1', process.execPath, ...microArgs], { encoding: 'utf8' }) : spawnSync(process.execPath, microArgs, { encoding: 'utf8' });
    if (micro.status !== 0) throw new Error(`micro-benchmarks failed:\n${micro.stderr}`);
    const microResults = JSON.parse(micro.stdout.trim().split('\n').pop());
    log('micro-benchmarks done');

    report({ data, toggled, memory, microResults, seconds: (Date.now() - started) / 1000 });
  } finally {
    for (const c of Object.values(clients)) if (c.connected) c.disconnect();
    if (server.connected) server.disconnect();
    server.kill();
  }
}

function checkVerification(v) {
  const problems = [];
  const llm = new Set(['http-llm', 'fetch-llm', `http-stream:${STREAM_SHORT}`, `fetch-stream:${STREAM_SHORT}`, 'http-paced:3', 'fetch-paced:3']);
  for (const [cfg, result] of Object.entries(v)) {
    if (!result.results) {
      problems.push(`${cfg}: ${result.note}`);
      continue;
    }
    for (const [scenario, spans] of Object.entries(result.results)) {
      if (spans.length !== 1) {
        problems.push(`${cfg} ${scenario}: expected 1 HTTP client span, saw ${spans.length}`);
        continue;
      }
      const tagged = spans[0].genai > 0;
      const want = cfg !== 'base' && llm.has(scenario);
      if (tagged !== want) problems.push(`${cfg} ${scenario}: span ${tagged ? 'has' : 'lacks'} gen_ai.* attributes`);
      if (want && (spans[0].provider !== 'openai' || !spans[0].outputTokens)) problems.push(`${cfg} ${scenario}: incomplete GenAI attributes ${JSON.stringify(spans[0])}`);
    }
  }
  return problems;
}

function report({ data, toggled, memory, microResults, seconds }) {
  const user = (r) => r.userUs / r.n;
  const total = (r) => r.cpuUs / r.n;
  const per = (scenario, cfg, fn = user) => spread(data[scenario][cfg].map(fn));
  const paired = (scenario, fn = user) => spread(data[scenario].genai.map((r, i) => fn(r) - fn(data[scenario].base[i])));
  const pooled = (scenario, cfg, key, q) => (data[scenario][cfg].length ? pooledQuantile(data[scenario][cfg].map((r) => r[key]), q) / 1000 : NaN); // ms
  const cell = (s, f = f1) => (s.values.length ? `${f(s.median)} ${range(s, f)}` : '—');

  const rows = [];
  const summary = [];
  /** `result`: a verdict string, or a boolean for single-valued checks. */
  const add = (row, result, extra) => {
    const verdict = typeof result === 'string' ? result : result ? 'PASS' : 'FAIL';
    rows.push([...row, verdict === 'PASS' ? 'PASS' : `**${verdict}**`]);
    summary.push({ target: row[0], scenario: row[1], verdict, pass: verdict === 'PASS', ...extra });
  };
  const ciText = (values, f = f1) => {
    const c = medianCi(values);
    return `[${f(c.lo)}..${f(c.hi)}]`;
  };

  // Targets 1 and 2: user CPU per request (user+sys delta alongside).
  const cpuRow = (target, scenario, label, limit) => {
    const [none, base, genai] = ['none', 'base', 'genai'].map((cfg) => per(scenario, cfg));
    const d = paired(scenario);
    const dTotal = paired(scenario, total);
    const ratio = genai.median / base.median;
    const c = medianCi(d.values);
    add(
      [target, `${label} — separate processes, ${d.values.length} rounds`, 'user CPU µs/req', cell(none), cell(base), cell(genai), `**${signed(d.median)}** ${ciText(d.values)} ×${f2(ratio)}`, `${signed(dTotal.median)} ${ciText(dTotal.values)}`, `≤ +${limit}`],
      verdictOf(d.values, limit),
      { metric: 'user_cpu_us_per_request', method: 'separate processes', none: +f2(none.median), base: +f2(base.median), genai: +f2(genai.median), delta: +f2(d.median), ciLow: +f2(c.lo), ciHigh: +f2(c.hi), ratio: +f2(ratio), deltaUserSys: +f2(dTotal.median), limit },
    );
    const t = toggled[scenario];
    if (t) {
      const offU = spread(t.off.map((b) => b.userUs / t.n));
      const onU = spread(t.on.map((b) => b.userUs / t.n));
      const dt = spread(t.on.map((b, i) => (b.userUs - t.off[i].userUs) / t.n));
      const dtTotal = spread(t.on.map((b, i) => (b.userUs + b.sysUs - t.off[i].userUs - t.off[i].sysUs) / t.n));
      const ct = medianCi(dt.values);
      add(
        [target, `${label} — same process, layer off/on, ${t.on.length} pairs × ${t.n} req`, 'user CPU µs/req', '—', cell(offU), cell(onU), `**${signed(dt.median)}** ${ciText(dt.values)} ×${f2(onU.median / offU.median)}`, `${signed(dtTotal.median)} ${ciText(dtTotal.values)}`, `≤ +${limit}`],
        verdictOf(dt.values, limit),
        { metric: 'user_cpu_us_per_request', method: 'same process on/off', base: +f2(offU.median), genai: +f2(onU.median), delta: +f2(dt.median), ciLow: +f2(ct.lo), ciHigh: +f2(ct.hi), deltaUserSys: +f2(dtTotal.median), limit },
      );
    }
  };
  cpuRow('1 non-LLM', 'http-get', 'node:http GET /health', 2);
  cpuRow('1 non-LLM', 'http-post', 'node:http POST /api/items (0.2 KB)', 2);
  cpuRow('1 non-LLM', 'fetch-get', 'fetch GET /health', 2);
  cpuRow('1 non-LLM', 'fetch-post', 'fetch POST /api/items (0.2 KB)', 2);
  cpuRow('2 LLM call', 'http-llm', 'node:http chat, 2.6 KB req / 3.2 KB resp', 30);
  cpuRow('2 LLM call', 'fetch-llm', 'fetch chat, 2.6 KB req / 3.2 KB resp', 30);

  // Target 3a: per-chunk CPU = slope between long and short streams (per-call costs cancel).
  const span = EVENTS(STREAM_LONG) - EVENTS(STREAM_SHORT);
  for (const client of ['http', 'fetch']) {
    const long = `${client}-stream:${STREAM_LONG}`;
    const short = `${client}-stream:${STREAM_SHORT}`;
    const slopeOf = (cfg, fn) => spread(data[long][cfg].map((r, i) => (fn(r) - fn(data[short][cfg][i])) / span));
    const deltaSlope = (fn) => spread(data[long].genai.map((r, i) => (fn(r) - fn(data[long].base[i]) - (fn(data[short].genai[i]) - fn(data[short].base[i]))) / span));
    const d = deltaSlope(user);
    const dTotal = deltaSlope(total);
    const amortised = spread(data[long].genai.map((r, i) => (user(r) - user(data[long].base[i])) / EVENTS(STREAM_LONG)));
    const reads = median(data[long].genai.map((r) => r.chunks / r.n));
    const [base, genai] = AB.map((cfg) => slopeOf(cfg, user));
    add(
      ['3 stream chunk', `${client}: per SSE chunk (${STREAM_LONG}- vs ${STREAM_SHORT}-chunk streams; ≈${reads.toFixed(0)} reads per ${EVENTS(STREAM_LONG)}-event stream)`, 'user CPU µs/chunk', '—', cell(base, f2), cell(genai, f2), `**${signed(d.median, f2)}** ${ciText(d.values, f2)} (per-call cost included: ${signed(amortised.median, f2)})`, `${signed(dTotal.median, f2)} ${ciText(dTotal.values, f2)}`, '≤ +1'],
      verdictOf(d.values, 1),
      { metric: 'user_cpu_us_per_chunk', base: +f2(base.median), genai: +f2(genai.median), delta: +f2(d.median), deltaMin: +f2(d.min), deltaMax: +f2(d.max), amortised: +f2(amortised.median), deltaUserSys: +f2(dTotal.median), limit: 1 },
    );
  }
  // Target 3b: time to first chunk, p99, on paced streams (client not saturated).
  for (const client of ['http', 'fetch']) {
    const sc = `${client}-paced:${PACED}`;
    const [none, base, genai] = ['none', 'base', 'genai'].map((cfg) => pooled(sc, cfg, 'ttfc', 0.99));
    const [, base50, genai50] = ['none', 'base', 'genai'].map((cfg) => pooled(sc, cfg, 'ttfc', 0.5));
    const perRound = spread(data[sc].genai.map((r, i) => (quantile(r.ttfc, 0.99) - quantile(data[sc].base[i].ttfc, 0.99)) / 1000));
    const d = genai - base;
    const count = data[sc].genai.length * SCENARIOS.find((s) => s.name === sc).n;
    add(
      ['3 stream TTFC', `${client}: time to first chunk, p99 (${PACED}-chunk streams, 2 ms/chunk, ${count} streams per config)`, 'ms', Number.isFinite(none) ? f2(none) : '—', f2(base), f2(genai), `**${signed(perRound.median, f2)}** ${ciText(perRound.values, f2)}; pooled p99 Δ ${signed(d, f2)}, p50 Δ ${signed(genai50 - base50, f2)}`, '', '< +1'],
      verdictOf(perRound.values, 1),
      { metric: 'ttfc_p99_ms', base: +f2(base), genai: +f2(genai), delta: +f2(perRound.median), deltaMin: +f2(perRound.min), deltaMax: +f2(perRound.max), pooledDelta: +f2(d), deltaP50: +f2(genai50 - base50), limit: 1 },
    );
  }

  // Target 4: memory.
  const js = (m) => m.heapUsed + m.external;
  const mb = memory.base;
  const mg = memory.genai;
  const retained = { base: js(mb.after) - js(mb.before), genai: js(mg.after) - js(mg.before) };
  const retainedLimit = 2 * 1048576;
  const registry = mg.tracker ? mg.tracker.clientSpans : undefined;
  add(
    ['4 memory', `after the run + GC vs before: ${mg.n} calls (baseline ${mb.n}), each with one 1 MiB+ body (${mib(MEM.reqBytes)} MiB req or ${mib(MEM.resBytes)} MiB resp; http and fetch)`, 'heap+external MiB', '—', signedMib(retained.base), `${signedMib(retained.genai)}${registry !== undefined ? `; ${registry} spans left in registry` : ''}`, `**${signedMib(retained.genai - retained.base)}**`, '', `≤ +${mib(retainedLimit)}, registry empty`],
    retained.genai - retained.base <= retainedLimit && (registry === undefined || registry === 0),
    { metric: 'retained_mib', base: +mib(retained.base), genai: +mib(retained.genai), delta: +mib(retained.genai - retained.base), registry, limit: 2 },
  );
  // Live memory with calls in flight (sampled right after a forced GC): each in-flight call may
  // hold one body up to the cap plus the tail, and the other (small) body.
  const liveDelta = mg.peak.liveTotal - mb.peak.liveTotal;
  const bound = MEM.concurrency * (MAX_CAPTURE + TAIL_BYTES + 8 * 1024);
  add(
    ['4 memory', `live peak with ${MEM.concurrency} calls in flight (after forced GCs every ${MEM.gcEvery} calls)`, 'heap+external MiB', '—', mib(mb.peak.liveTotal), mib(mg.peak.liveTotal), `**${signedMib(liveDelta)}**`, '', `≤ +${mib(bound)} (${MEM.concurrency} × (cap ${mib(MAX_CAPTURE)} MiB + 16 KiB tail + 8 KiB))`],
    liveDelta <= bound,
    { metric: 'live_peak_mib', base: +mib(mb.peak.liveTotal), genai: +mib(mg.peak.liveTotal), delta: +mib(liveDelta), limit: +mib(bound) },
  );
  const growth = mg.liveSecondHalf - mg.liveFirstHalf;
  add(
    ['4 memory', 'live peak, 2nd half of the run vs 1st half (no growth with call count)', 'heap+external MiB', '—', signedMib(mb.liveSecondHalf - mb.liveFirstHalf), signedMib(growth), `**${signedMib(growth)}**`, '', '≤ +2.0'],
    growth <= 2 * 1048576,
    { metric: 'live_growth_mib', base: +mib(mb.liveSecondHalf - mb.liveFirstHalf), genai: +mib(growth), limit: 2 },
  );

  const header = ['Target', 'Scenario', 'Metric', 'no OTel', 'http+undici only (baseline) / layer off', '+ GenAI layer / layer on', 'Δ: median [≥90% CI]', 'Δ user+sys CPU', 'Limit', 'Result'];
  const main = table(header, rows);

  // Context: latency and throughput per scenario.
  const latRows = SCENARIOS.map((sc) => {
    const p = (cfg, q) => pooled(sc.name, cfg, 'lat', q);
    const cells = (cfg) => (data[sc.name][cfg].length ? `${f2(p(cfg, 0.5))} / ${f2(p(cfg, 0.99))}` : '—');
    const rate = (cfg) => (data[sc.name][cfg].length ? median(data[sc.name][cfg].map((r) => (r.n / r.wallMs) * 1000)).toFixed(0) : '—');
    const sys = (cfg) => (data[sc.name][cfg].length ? f1(median(data[sc.name][cfg].map((r) => r.sysUs / r.n))) : '—');
    return [sc.name, String(sc.n), cells('none'), cells('base'), cells('genai'), signed(p('genai', 0.99) - p('base', 0.99), f2), `${rate('none')} / ${rate('base')} / ${rate('genai')}`, `${sys('none')} / ${sys('base')} / ${sys('genai')}`];
  });
  const latency = table(['Scenario', 'requests per round', 'no OTel p50 / p99 ms', 'baseline p50 / p99 ms', '+ GenAI p50 / p99 ms', 'Δ p99 ms', 'req/s none / base / genai', 'sys CPU µs/req none / base / genai'], latRows);

  const memRows = AB.map((cfg) => {
    const m = memory[cfg];
    return [cfg, mib(js(m.before)), mib(m.peak.liveTotal), mib(m.peak.total), mib(m.peak.rss), mib(js(m.atEnd)), mib(js(m.after)), f1(m.cpuUs / m.n), (m.wallMs / 1000).toFixed(1)];
  });
  const memTable = table(['Config', 'heap+ext before (MiB)', 'live peak (after GC)', 'sampled peak (incl. garbage)', 'peak RSS', 'at end, before GC', 'after GC', 'user+sys CPU µs/call', 'wall s'], memRows);

  const microRows = Object.entries(microResults.results).map(([name, trials]) => {
    const s = spread(trials);
    return [name, s.median >= 10_000 ? `${(s.median / 1000).toFixed(1)} µs` : `${s.median.toFixed(0)} ns`, `[${s.min.toFixed(0)}..${s.max.toFixed(0)}] ns`];
  });
  const microTable = table(['Micro-benchmark', 'per op (median of trials)', 'spread'], microRows);

  const failed = summary.filter((s) => s.verdict === 'FAIL');
  const unresolved = summary.filter((s) => s.verdict === 'INCONCLUSIVE');
  const date = new Date().toISOString().slice(0, 10);
  const cpuModel = os.cpus()[0] ? os.cpus()[0].model.trim() : 'CPU';
  const meta = `${date} · Node ${process.version} · ${os.cpus().length} × ${cpuModel} · \`npm run bench\``;
  const method = [
    `Client CPU from process.cpuUsage() of the client process over each measurement; the server runs in its own process${canPin ? ' (server pinned to CPU0, clients to CPU1)' : ''}. ` +
      `Concurrency ${CONCURRENCY}; ${ROUNDS} rounds after a warm-up, configuration order alternating every round; cells are medians over rounds [min..max]; ` +
      `Δ is the per-round paired difference (GenAI − baseline), shown as median [distribution-free ≥90% confidence interval of the median]. ` +
      `Result: PASS if the whole interval is within the limit, FAIL if the whole interval is beyond it, INCONCLUSIVE if it straddles the limit (the machine's noise exceeds the margin). ` +
      `Targets 1–2 are also measured in ONE process that switches the GenAI layer off and on between batches (bench/toggle-preload.js), which removes process-to-process differences. ` +
      `OTEL_TRACES_EXPORTER=none, OTEL_GENAI_BRAINTRUST_EXPORT=false: spans are recorded and annotated, not exported (the exporter: npm run bench:exporter).`,
    `Verdicts use **user** CPU: the layer makes no system calls, and system time here is dominated by the loopback TCP stack (which also does the server's receive work in the client's context) and swings with scheduling; the user+sys Δ is shown alongside.`,
    `Per-chunk cost is the slope between ${STREAM_LONG}- and ${STREAM_SHORT}-chunk streams (${span} SSE events apart), so per-call costs cancel. Time to first chunk is measured on paced streams (the client is not saturated); its verdict uses the median over rounds of the per-round p99 difference, the pooled p99 is shown alongside.`,
    `Total bench time ${seconds.toFixed(0)} s.`,
  ].join('\n');

  const text = [
    `## ${meta}`,
    '',
    method,
    '',
    main,
    '',
    failed.length === 0 && unresolved.length === 0
      ? 'All targets met.'
      : [
          failed.length ? `**FAIL (${failed.length} of ${summary.length} rows):** ${failed.map((s) => `${s.target} — ${s.scenario}`).join('; ')}.` : 'No row failed.',
          unresolved.length ? `**INCONCLUSIVE (${unresolved.length}):** ${unresolved.map((s) => `${s.target} — ${s.scenario}`).join('; ')}.` : '',
        ].filter(Boolean).join('\n\n'),
    '',
    '### Latency, throughput and system CPU (context)',
    '',
    latency,
    '',
    '### Memory run',
    '',
    memTable,
    '',
    '### Micro-benchmarks',
    '',
    microTable,
    '',
  ].join('\n');

  process.stdout.write(`\n${text}\n`);
  writeDocs(text);

  const json = {
    date,
    node: process.version,
    command: 'npm run bench',
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    pass: failed.length === 0 && unresolved.length === 0,
    failed: failed.map((s) => `${s.target}: ${s.scenario}`),
    inconclusive: unresolved.map((s) => `${s.target}: ${s.scenario}`),
    targets: summary,
    microNsPerOp: Object.fromEntries(Object.entries(microResults.results).map(([k, v]) => [k, +median(v).toFixed(1)])),
    seconds: +seconds.toFixed(0),
  };
  process.stdout.write(`BENCH_SUMMARY ${JSON.stringify(json)}\n`);
  if (STRICT && failed.length > 0) process.exitCode = 1;
}

function writeDocs(results) {
  const file = path.join(ROOT, 'docs', 'benchmarks.md');
  const intro = [
    '# Benchmarks',
    '',
    'Overhead of the GenAI layer (`GenAiInstrumentation` + `GenAiSpanProcessor`) on top of',
    '`@opentelemetry/instrumentation-http` / `-undici`, measured by `npm run bench` (`bench/run.js`).',
    'Every figure is relative to baselines measured in the same run, on the same machine:',
    '',
    '- **no OTel**: the client without any preload (context only);',
    '- **http+undici only (baseline)**: the same NodeSDK, instrumentation-http and instrumentation-undici',
    '  as the real preload (`bench/baseline-preload.js`), with a no-op span processor so spans are recorded;',
    '- **+ GenAI layer**: the real preload, `--require ./instrumentation`, with a route rule for the',
    '  synthetic server (`bench/genai-routes.json`).',
    '',
    'The synthetic OpenAI-compatible server (`bench/server.js`) runs in its own process, so only the',
    'client\'s CPU is counted. Targets (issue 2): non-LLM requests',
    '≤ +2 µs CPU; a 2–4 KB non-streaming LLM call ≤ +30 µs; streaming ≤ +1 µs per chunk and < +1 ms',
    'time to first chunk at p99; capture memory bounded by the cap and back to baseline after spans end.',
    'The machine is shared and noisy: read the [min..max] spreads before reading single digits.',
    '',
    'Latest run:',
    '',
  ].join('\n');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // The hand-written analysis (from `## Analysis` on) survives re-runs; the rest is regenerated.
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const at = previous.indexOf('\n## Analysis');
  const analysis = at === -1 ? '' : previous.slice(at);
  fs.writeFileSync(file, `${intro}\n${results.trimEnd()}\n${analysis}`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err && err.stack) || err}\n`);
  process.exit(1);
});

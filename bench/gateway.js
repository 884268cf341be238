'use strict';
/**
 * Gateway benchmark (issue 4): `npm run bench:gateway`.
 *
 * The test gateway (test/apps/gateway-app.js: node:http, proxies `/v1/chat/completions` over fetch)
 * in front of the synthetic upstream (bench/server.js), in four configurations, one run, rounds
 * alternating: no OpenTelemetry; NodeSDK + instrumentation-http + instrumentation-undici (baseline,
 * bench/baseline-preload.js); the baseline plus only the parse/render/annotate work any GenAI layer
 * must do for these calls, without capturing anything (floor, bench/floor-preload.js: what this
 * machine allows); the real preload (our layer: incoming and outgoing capture; export off, as the
 * exporter has its own benchmark). Reported per scenario: the gateway's CPU per request (its own
 * `process.cpuUsage()`, read through `GET /__cpu`: user+system, and user alone alongside, since system
 * time here is mostly the loopback TCP stack) and, for paced streams, the client's time to first chunk
 * and gaps between chunks at p99. Targets: ≤ +10% CPU per request over the baseline,
 * streaming chunk timing p99 delta < 1 ms.
 *
 * Then a paired run (`BENCH_PAIRED_ROUNDS`, default 5): base, floor and genai gateways running at the
 * same time on the same core, each under the same load (8 clients each), their CPU per request read
 * per round. On a shared, noisy VM the sequential figures drift by ±20% between runs of the same
 * configuration; side by side, all three see the same machine at the same moment, so their ratios
 * are steadier (medians of repeated runs agree within a few points, single rounds within ~±10).
 * Chunk timing is not read there: the three share one core.
 */
const path = require('node:path');
const os = require('node:os');
const { fork, spawn, spawnSync } = require('node:child_process');
const { createInterface } = require('node:readline');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const payloads = require('./payloads');

const ROOT = path.join(__dirname, '..');
const GATEWAY = path.join(ROOT, 'test', 'apps', 'gateway-app.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const PAIRED_ROUNDS = Number(process.env.BENCH_PAIRED_ROUNDS ?? 5);
const CONFIGS = [
  { name: 'none', execArgv: [] },
  { name: 'base', execArgv: ['--require', path.join(__dirname, 'baseline-preload.js')] },
  { name: 'floor', execArgv: ['--require', path.join(__dirname, 'floor-preload.js')] },
  { name: 'genai', execArgv: ['--require', path.join(ROOT, 'instrumentation')] },
];
const SCENARIOS = [
  { name: 'json', header: 'json', n: 3000, concurrency: 8 },
  { name: 'stream', header: 'stream=20', n: 1500, concurrency: 8 },
  { name: 'paced', header: 'stream=20,pace=2', n: 600, concurrency: 8, timing: true },
];
const canPin = os.cpus().length >= 2 && spawnSync('taskset', ['-c', '1', 'true']).status === 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const BODY = Buffer.from(payloads.chatRequest({ stream: false }));
const STREAM_BODY = Buffer.from(payloads.chatRequest({ stream: true }));

function startGateway(config, upstream) {
  const args = [...config.execArgv, GATEWAY];
  const env = {
    PATH: process.env.PATH,
    UPSTREAM_URL: `${upstream}/openai`,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_GENAI_BRAINTRUST_EXPORT: 'false',
    OTEL_LOG_LEVEL: 'error',
    OTEL_SERVICE_NAME: 'bench-gateway',
    OTEL_GENAI_CONFIG: path.join(__dirname, 'genai-routes.json'),
  };
  const child = canPin ? spawn('taskset', ['-c', '1', process.execPath, ...args], { env }) : spawn(process.execPath, args, { env });
  child.stderr.resume();
  return new Promise((resolve) => createInterface({ input: child.stdout }).once('line', (line) => resolve({ child, url: JSON.parse(line).url })));
}

function request(url, header, body, onChunk) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-bench': header } }, (res) => {
      res.on('data', () => onChunk?.(performance.now()));
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function cpuOf(url) {
  return new Promise((resolve, reject) => {
    http.get(`${url}/__cpu`, { agent }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        const { user, system } = JSON.parse(text);
        resolve({ user, total: user + system });
      });
    }).on('error', reject);
  });
}

async function load(url, scenario, n) {
  const body = scenario.header === 'json' ? BODY : STREAM_BODY;
  const ttfc = [];
  const gaps = [];
  let next = 0;
  const worker = async () => {
    while (next++ < n) {
      const started = performance.now();
      let last;
      await request(url, scenario.header, body, (at) => {
        if (last === undefined) ttfc.push(at - started);
        else gaps.push(at - last);
        last = at;
      });
    }
  };
  await Promise.all(Array.from({ length: scenario.concurrency }, worker));
  return { ttfc, gaps };
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const p = (xs, q) => sorted(xs)[Math.min(xs.length - 1, Math.ceil((q / 100) * xs.length) - 1)];
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];

async function main() {
  const upstream = fork(path.join(__dirname, 'server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve) => upstream.once('message', (m) => resolve(m.port)));
  const upstreamUrl = `http://127.0.0.1:${port}`;
  const results = {};
  for (const s of SCENARIOS) results[s.name] = Object.fromEntries(CONFIGS.map((c) => [c.name, { cpu: [], user: [], ttfc: [], gaps: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
    for (const config of order) {
      const { child, url } = await startGateway(config, upstreamUrl);
      for (const scenario of SCENARIOS) {
        await load(url, scenario, Math.ceil(scenario.n / 5)); // warm-up
        const before = await cpuOf(url);
        const { ttfc, gaps } = await load(url, scenario, scenario.n);
        const after = await cpuOf(url);
        const r = results[scenario.name][config.name];
        r.cpu.push((after.total - before.total) / scenario.n);
        r.user.push((after.user - before.user) / scenario.n);
        if (scenario.timing) {
          r.ttfc.push(p(ttfc, 99));
          r.gaps.push(p(gaps, 99));
        }
      }
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  const lines = [`gateway benchmark, Node ${process.version}, ${ROUNDS} rounds (medians); gateway ${canPin ? 'pinned to CPU1, upstream and client on CPU0' : 'not pinned'}:`];
  for (const s of ROUNDS > 0 ? SCENARIOS : []) {
    const cpu = Object.fromEntries(CONFIGS.map((c) => [c.name, median(results[s.name][c.name].cpu)]));
    const user = Object.fromEntries(CONFIGS.map((c) => [c.name, median(results[s.name][c.name].user)]));
    const over = (of, config) => {
      const delta = ((of[config] - of.base) / of.base) * 100;
      return `${delta >= 0 ? '+' : ''}${delta.toFixed(1)}%`;
    };
    lines.push(`  ${s.name.padEnd(7)} (${s.header}, ${s.n} requests): gateway CPU µs/request none ${cpu.none.toFixed(0)}, base ${cpu.base.toFixed(0)}, floor ${cpu.floor.toFixed(0)}, genai ${cpu.genai.toFixed(0)} → layer ${over(cpu, 'genai')} over base (target ≤ +10%; floor ${over(cpu, 'floor')}); user CPU only: layer ${over(user, 'genai')}, floor ${over(user, 'floor')}`);
    if (s.timing) {
      const t = (c, k) => median(results[s.name][c][k]);
      lines.push(`          time to first chunk p99: base ${t('base', 'ttfc').toFixed(2)} ms, genai ${t('genai', 'ttfc').toFixed(2)} ms (Δ ${(t('genai', 'ttfc') - t('base', 'ttfc')).toFixed(2)}); chunk gap p99: base ${t('base', 'gaps').toFixed(2)} ms, genai ${t('genai', 'gaps').toFixed(2)} ms (Δ ${(t('genai', 'gaps') - t('base', 'gaps')).toFixed(2)}; target < 1 ms)`);
    }
  }
  if (PAIRED_ROUNDS > 0) lines.push(...(await paired(upstreamUrl)));
  upstream.kill();
  console.log(lines.join('\n'));
}

/** base, floor and genai side by side (see the header): per scenario, the median of each round's ratio to base. */
async function paired(upstreamUrl) {
  const configs = CONFIGS.filter((c) => c.name !== 'none');
  const gateways = [];
  for (const config of configs) gateways.push({ config, ...(await startGateway(config, upstreamUrl)) });
  const lines = [`paired: ${configs.map((c) => c.name).join(', ')} at the same time${canPin ? ' on CPU1' : ''}, ${PAIRED_ROUNDS} rounds, median of each round's ratio to base:`];
  for (const scenario of SCENARIOS.filter((s) => !s.timing)) {
    const n = Math.ceil(scenario.n / 2);
    await Promise.all(gateways.map((g) => load(g.url, scenario, Math.ceil(n / 5)))); // warm-up
    const ratios = Object.fromEntries(configs.map((c) => [c.name, []]));
    const perRequest = Object.fromEntries(configs.map((c) => [c.name, []]));
    for (let round = 0; round < PAIRED_ROUNDS; round++) {
      const before = await Promise.all(gateways.map((g) => cpuOf(g.url)));
      await Promise.all(gateways.map((g) => load(g.url, scenario, n)));
      const after = await Promise.all(gateways.map((g) => cpuOf(g.url)));
      const cpu = gateways.map((g, i) => (after[i].total - before[i].total) / n);
      const base = cpu[gateways.findIndex((g) => g.config.name === 'base')];
      gateways.forEach((g, i) => {
        perRequest[g.config.name].push(cpu[i]);
        ratios[g.config.name].push(cpu[i] / base);
      });
    }
    const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
    const spread = (rs) => `${pct(Math.min(...rs))} … ${pct(Math.max(...rs))}`;
    lines.push(
      `  ${scenario.name.padEnd(7)} (${scenario.header}, ${n} requests each per round): CPU µs/request ${configs.map((c) => `${c.name} ${median(perRequest[c.name]).toFixed(0)}`).join(', ')}` +
        ` → floor ${pct(median(ratios.floor))} (rounds ${spread(ratios.floor)}), layer ${pct(median(ratios.genai))} (rounds ${spread(ratios.genai)}) over base`,
    );
  }
  for (const g of gateways) {
    g.child.kill('SIGTERM');
    await new Promise((r) => g.child.once('exit', r));
  }
  return lines;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

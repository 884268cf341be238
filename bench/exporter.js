'use strict';
/**
 * Exporter throughput (issue 3), a first measurement: `npm run bench:exporter`.
 * 20,000 LLM spans with ~2 KB of message content (1 KB in, 1 KB out) through `BraintrustSpanExporter`
 * (translate, cap, queue, batch) to the Braintrust API test server in its own process, so only the
 * exporter's CPU is counted here. Prints spans/s for translation + queueing and end to end (until the
 * server has acknowledged every record), and CPU µs per span.
 * Not yet: the side-by-side run of @braintrust/otel's processor, and the 60-second outage memory run.
 */
const path = require('node:path');
const { fork } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const { BraintrustSpanExporter } = require(path.join(ROOT, 'dist', 'exporters', 'braintrust-exporter.js'));
const SERVER = path.join(ROOT, 'test', 'helpers', 'braintrust-server.js');
const { DEFAULT_API_KEY } = require(SERVER);

const N = Number(process.env.BENCH_SPANS || 20000);
const CONTENT = 'lorem ipsum dolor sit amet '.repeat(38);
const INPUT = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: CONTENT }] }]);
const OUTPUT = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: CONTENT }], finish_reason: 'stop' }]);

function llmSpan(i) {
  const id = i.toString(16).padStart(16, '0');
  return {
    name: 'chat gpt-4o-mini',
    kind: 2,
    spanContext: () => ({ traceId: id.padStart(32, '0'), spanId: id }),
    startTime: [1_700_000_000, 0],
    endTime: [1_700_000_001, 0],
    status: { code: 0 },
    events: [],
    resource: { attributes: { 'service.name': 'bench' } },
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 50,
      'gen_ai.response.id': 'chatcmpl-x',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.input.messages': INPUT,
      'gen_ai.output.messages': OUTPUT,
      'server.address': 'api.openai.com',
      'http.response.status_code': 200,
    },
  };
}

async function main() {
  const server = fork(SERVER, [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(JSON.parse(d.toString()).url)));
  const spans = Array.from({ length: N }, (_, i) => llmSpan(i + 1));
  const exporter = new BraintrustSpanExporter({ apiKey: DEFAULT_API_KEY, apiUrl: url, project: 'bench', filter: 'all', log: () => {} });
  const cpu = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += 512) exporter.export(spans.slice(i, i + 512), () => {});
  const t1 = process.hrtime.bigint();
  await exporter.shutdown();
  const t2 = process.hrtime.bigint();
  const used = process.cpuUsage(cpu);
  const rate = (ns) => Math.round(N / (Number(ns) / 1e9));
  console.log(
    `exporter, ${N} LLM spans with ~2 KB content, Node ${process.version}: translate+queue ${rate(t1 - t0)} spans/s; ` +
      `end to end (acknowledged by the server) ${rate(t2 - t0)} spans/s; CPU ${((used.user + used.system) / N).toFixed(1)} µs/span; ` +
      `sent ${exporter.stats.sent} (target ≥ 50,000 spans/s)`,
  );
  server.kill();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

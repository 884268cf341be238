'use strict';
/**
 * `npm run demo`: runs examples/outgoing/app.js (no tracing code) under
 * `node --require ./instrumentation`, against a local server replaying recorded provider responses,
 * and prints the GenAI spans the app produced. No network, no keys.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startReplayServer } = require('../../test/helpers/replay-server.js');
const { startOtlpReceiver } = require('../../test/helpers/otlp-receiver.js');

const ROOT = path.join(__dirname, '..', '..');

async function main() {
  const replay = await startReplayServer({ chunkDelayMs: 15 });
  const receiver = await startOtlpReceiver();
  // Route the replay server's mount points as the providers they replay (what otel.config routes are for).
  const configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'otel-genai-demo-')), 'otel.config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      routes: [
        { host: '127.0.0.1', pathPrefix: '/openai/', provider: 'openai' },
        { host: '127.0.0.1', pathPrefix: '/anthropic/', provider: 'anthropic' },
        { host: '127.0.0.1', pathPrefix: '/aws-bedrock/', provider: 'aws.bedrock' },
        { host: '127.0.0.1', pathPrefix: '/together/', provider: 'together' },
      ],
    }),
  );
  console.log(`demo: provider replay server on ${replay.url} (recorded OpenAI, Anthropic, Bedrock, Together responses)`);
  console.log('demo: node --require ./instrumentation examples/outgoing/app.js\n');

  const env = {
    ...process.env,
    OTEL_SERVICE_NAME: 'outgoing-demo',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_GENAI_CONFIG: configFile,
    OPENAI_BASE_URL: `${replay.url}/openai/v1`,
    OPENAI_API_KEY: 'sk-demo-not-a-real-key',
    ANTHROPIC_BASE_URL: `${replay.url}/anthropic`,
    ANTHROPIC_API_KEY: 'sk-ant-demo-not-a-real-key',
    BEDROCK_ENDPOINT: `${replay.url}/aws-bedrock`,
    AWS_ACCESS_KEY_ID: 'AKIADEMONOTAREALKEY0',
    AWS_SECRET_ACCESS_KEY: 'demo-not-a-real-secret',
    TOGETHER_BASE_URL: `${replay.url}/together`,
    TOGETHER_API_KEY: 'demo-not-a-real-key',
    NODE_NO_WARNINGS: '1', // the AWS SDK warns about Node 20's end of support on every start
  };
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', path.join(ROOT, 'instrumentation'), path.join(__dirname, 'app.js')], { env, stdio: 'inherit' });
    child.on('exit', resolve);
  });
  // The app flushed its spans on exit; give the receiver a moment to finish reading them.
  await new Promise((r) => setTimeout(r, 200));
  const llmSpans = receiver.spans.filter((s) => s.attributes['gen_ai.operation.name'] !== undefined);
  console.log(`\ndemo: ${llmSpans.length} LLM spans exported (of ${receiver.spans.length} spans)\n`);
  printTable(llmSpans);
  await replay.close();
  await receiver.close();
  process.exitCode = code === 0 && llmSpans.length > 0 ? 0 : 1;
}

function printTable(spans) {
  const rows = spans.map((s) => {
    const a = s.attributes;
    const ttft = a['gen_ai.response.time_to_first_chunk'];
    return [
      s.name,
      String(a['gen_ai.provider.name']),
      s.scope.replace('@opentelemetry/instrumentation-', ''),
      String(a['gen_ai.usage.input_tokens'] ?? '·'),
      String(a['gen_ai.usage.output_tokens'] ?? '·'),
      ttft === undefined ? '·' : `${Math.round(ttft * 1000)} ms`,
      (a['gen_ai.response.finish_reasons'] ?? []).join(','),
      a['gen_ai.usage.input_tokens'] === undefined && s.scope.endsWith('undici') ? '(usage on the SDK span)' : '',
    ];
  });
  const header = ['span', 'provider', 'via', 'in', 'out', 'ttft', 'finish', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

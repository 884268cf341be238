'use strict';
/**
 * `npm run demo:outgoing`: runs examples/outgoing/app.js (no tracing code) under
 * `node --require ./instrumentation`, against a local server replaying recorded provider responses.
 * Without BRAINTRUST_API_KEY the records land in ./llm-records.jsonl (the local default) and the demo
 * prints their summary; with a key they go to Braintrust. No network needed, no keys needed.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startReplayServer } = require('../../test/helpers/replay-server.js');

const ROOT = path.join(__dirname, '..', '..');

async function main() {
  const replay = await startReplayServer({ chunkDelayMs: 15 });
  const recordsFile = path.resolve(process.env.OTEL_GENAI_RECORDS_FILE || 'llm-records.jsonl');
  const toBraintrust = Boolean(process.env.BRAINTRUST_API_KEY?.trim());
  if (!toBraintrust) fs.rmSync(recordsFile, { force: true }); // this run's records only
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
    OTEL_GENAI_RECORDS_FILE: recordsFile,
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
  await replay.close();
  if (toBraintrust) {
    console.log('\ndemo: records sent to Braintrust (BRAINTRUST_API_KEY is set); see the project named in the start-up line above');
    process.exitCode = code;
    return;
  }
  // The app flushed its records on exit: summarise them as `npx otel-genai-braintrust summary` would.
  console.log(`\ndemo: npx otel-genai-braintrust summary ${path.relative(process.cwd(), recordsFile)}\n`);
  const { main: cli } = require(path.join(ROOT, 'dist', 'cli', 'main.js'));
  const lines = [];
  const summaryCode = await cli(['summary', recordsFile], (t) => lines.push(t), (t) => console.error(t));
  console.log(lines.join('\n'));
  const llmCalls = Number(/LLM calls\s+(\d+)/.exec(lines.join('\n'))?.[1] ?? 0);
  process.exitCode = code === 0 && summaryCode === 0 && llmCalls > 0 ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

'use strict';
/**
 * `npm run demo`: an OpenAI-compatible gateway (gateway.js, no tracing code) started under
 * `node --require ./instrumentation`, in front of a local upstream replaying recorded OpenAI
 * responses (upstream.js), with a mix of client traffic (traffic.js). Then the gateway is stopped
 * (SIGTERM: the preload flushes) and the records of its LLM calls are summarised.
 *
 * Without BRAINTRUST_API_KEY the records go to ./llm-records.jsonl (this run's only); with it, to
 * Braintrust. No network, no keys needed. Exit code 1 if anything went wrong: the gateway crashed or
 * hung, a request did not go as expected, or no LLM call was recorded.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { startUpstream } = require('./upstream.js');

const ROOT = path.join(__dirname, '..', '..');
const rel = (file) => path.relative(process.cwd(), file) || file;
const say = (line = '') => console.log(line && `demo: ${line}`);

async function main() {
  const started = Date.now();
  const recordsFile = path.resolve(process.env.OTEL_GENAI_RECORDS_FILE || path.join(ROOT, 'llm-records.jsonl'));
  const toBraintrust = Boolean(process.env.BRAINTRUST_API_KEY?.trim());
  if (!toBraintrust) fs.rmSync(recordsFile, { force: true }); // this run's records only

  const upstreamKey = 'sk-upstream-demo-not-a-real-key';
  const upstream = await startUpstream({ apiKey: upstreamKey, log: (line) => console.log(`  upstream | ${line}`) });
  say(`local OpenAI stand-in on ${upstream.baseURL} (recorded OpenAI responses; gpt-4o is rate-limited)`);
  say('node --require ./instrumentation examples/gateway/gateway.js   (OTEL_SERVICE_NAME=llm-gateway)');

  const gateway = startGateway({
    ...process.env,
    OTEL_SERVICE_NAME: 'llm-gateway',
    OTEL_GENAI_RECORDS_FILE: recordsFile,
    OTEL_GENAI_CONFIG: path.join(__dirname, 'otel.config.js'),
    UPSTREAM_URL: upstream.baseURL,
    UPSTREAM_API_KEY: upstreamKey,
    HOST: '127.0.0.1',
    PORT: '0',
  });
  let trafficCode = 1;
  let gatewayOk = false;
  try {
    const url = await gateway.url;
    say(`clients alice and carol (paid plan) and bob (trial), concurrently: node examples/gateway/traffic.js\n`);
    trafficCode = await run(process.execPath, [path.join(__dirname, 'traffic.js')], { ...process.env, GATEWAY_URL: url });
    console.log();
    say('stopping the gateway (SIGTERM; the preload flushes the records)');
    gatewayOk = await gateway.stop();
  } catch (err) {
    console.error(`demo: ${err.message}`);
  } finally {
    gateway.kill();
    await upstream.close();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = gatewayOk && trafficCode === 0;

  if (toBraintrust) {
    say(`done in ${seconds} s; the gateway's records went to Braintrust (project: see its start-up line above)`);
    if (!ok) say('something went wrong: see above');
    process.exitCode = ok ? 0 : 1;
    return;
  }
  say(`done in ${seconds} s\n`);
  console.log(`$ npx otel-genai-braintrust summary ${rel(recordsFile)} --by-user\n`);
  const { main: cli } = require(path.join(ROOT, 'dist', 'cli', 'main.js'));
  const out = [];
  const summaryCode = await cli(['summary', recordsFile, '--by-user'], (text) => out.push(text), (text) => console.error(text));
  console.log(out.join('\n'));
  const llmCalls = Number(/LLM calls\s+(\d+)/.exec(out.join('\n'))?.[1] ?? 0);
  if (summaryCode === 0 && llmCalls > 0) {
    console.log(
      `\nTo see them in Braintrust: rerun with BRAINTRUST_API_KEY set, or send this file with ` +
        `\`BRAINTRUST_API_KEY=… npx otel-genai-braintrust upload ${rel(recordsFile)}\`.`,
    );
  } else console.error('demo: no LLM calls were recorded');
  process.exitCode = ok && summaryCode === 0 && llmCalls > 0 ? 0 : 1;
}

/** The gateway as a child process: its URL once listening, its stderr shown prefixed, stop() by SIGTERM. */
function startGateway(env) {
  const child = spawn(process.execPath, ['--require', path.join(ROOT, 'instrumentation'), path.join(__dirname, 'gateway.js')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const how = (code, signal) => signal ?? `code ${code}`;
  const closed = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal }))); // exited, output read
  readline.createInterface({ input: child.stderr }).on('line', (line) => console.log(`  gateway | ${line}`));
  const stdout = readline.createInterface({ input: child.stdout });
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the gateway did not start within 15 s')), 15_000);
    stdout.on('line', (line) => {
      const address = /^\{.*\}$/.test(line) ? JSON.parse(line).url : undefined;
      if (!address) return console.log(`  gateway | ${line}`);
      clearTimeout(timer);
      resolve(address);
    });
    closed.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited before it was ready (${how(code, signal)})`));
    });
  });
  return {
    url,
    /** SIGTERM, then wait for a clean exit (true); false if it had crashed already or does not exit within 15 s. */
    async stop() {
      if (!running()) {
        console.error(`demo: the gateway exited during the run (${how(child.exitCode, child.signalCode)})`);
        return false;
      }
      child.kill('SIGTERM');
      let timer;
      const timeout = new Promise((resolve) => (timer = setTimeout(resolve, 15_000)));
      const result = await Promise.race([closed, timeout]);
      clearTimeout(timer);
      if (!result) {
        console.error('demo: the gateway did not exit within 15 s of SIGTERM');
        return false;
      }
      // It exits 0 after draining; a plain SIGTERM death (no handler of its own) would be clean too.
      const clean = result.code === 0 || result.signal === 'SIGTERM';
      if (!clean) console.error(`demo: the gateway exited with ${how(result.code, result.signal)}`);
      return clean;
    },
    kill() {
      if (running()) child.kill('SIGKILL');
    },
  };
}

function run(command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

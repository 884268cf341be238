/**
 * The package as a user gets it: `npm pack`, installed as a dependency into a fresh app, then used
 * through its public entry points (CJS and ESM) and its preload (`--require` and `--import`).
 * (`--ignore-scripts`: `npm test` has built dist/ already; rebuilding it here would race the other suites.)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { REPO_ROOT, runApp, waitFor } from '../helpers/run-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startReplayServer } = require('../helpers/replay-server.js');

let appDir: string;
let replay: { url: string; close(): Promise<void> };
let receiver: OtlpReceiver;

beforeAll(async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'otel-genai-pack-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], { cwd: REPO_ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  appDir = path.join(work, 'app');
  fs.mkdirSync(appDir);
  fs.writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({ name: 'user-app', private: true }));
  const apiVersion = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules/@opentelemetry/api/package.json'), 'utf8')).version;
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', path.join(work, tarball), `@opentelemetry/api@${apiVersion}`], { cwd: appDir, stdio: 'ignore' });
  fs.writeFileSync(
    path.join(appDir, 'app.js'),
    `const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Answer in up to 3 words: Which ocean contains Bouvet Island?' }] });
fetch(process.env.REPLAY_URL + '/openai/v1/chat/completions', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-replay-fixture': 'openai/openai-chat-completions-adds-genai-conventions' } })
  .then((r) => r.json()).then((j) => console.log('answer', j.choices[0].message.content));`,
  );
  fs.writeFileSync(path.join(appDir, 'otel.config.json'), JSON.stringify({ routes: [{ host: '127.0.0.1', pathPrefix: '/openai/', provider: 'openai' }] }));
  replay = await startReplayServer({ chunkDelayMs: 1 });
  receiver = await startOtlpReceiver();
}, 120000);

afterAll(async () => {
  await replay?.close();
  await receiver?.close();
});

test('the tarball ships the build, the preload shims and the types, not the sources or tests', () => {
  const installed = path.join(appDir, 'node_modules/otel-genai-braintrust');
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/instrumentation/preload.js', 'instrumentation/index.js', 'instrumentation/index.mjs', 'README.md']) {
    expect(fs.existsSync(path.join(installed, f))).toBe(true);
  }
  expect(fs.existsSync(path.join(installed, 'test'))).toBe(false);
  expect(fs.existsSync(path.join(installed, 'src'))).toBe(false);
});

test('the public API loads from CommonJS and from ESM', () => {
  const cjs = execFileSync(process.execPath, ['-e', "const m = require('otel-genai-braintrust'); console.log(typeof m.GenAiInstrumentation, typeof m.GenAiSpanProcessor)"], { cwd: appDir, encoding: 'utf8' });
  expect(cjs.trim()).toBe('function function');
  fs.writeFileSync(path.join(appDir, 'esm.mjs'), "import { GenAiInstrumentation, GEN_AI_ATTRIBUTES } from 'otel-genai-braintrust';\nconsole.log(typeof GenAiInstrumentation, GEN_AI_ATTRIBUTES.GEN_AI_OPERATION_NAME);\n");
  const esm = execFileSync(process.execPath, ['esm.mjs'], { cwd: appDir, encoding: 'utf8' });
  expect(esm.trim()).toBe('function gen_ai.operation.name');
});

test.each([
  ['--require', 'otel-genai-braintrust/instrumentation'],
  ['--import', 'otel-genai-braintrust/instrumentation'],
])('node %s %s app.js traces the app, configured by otel.config.json in its directory', async (flag, specifier) => {
  const service = `installed${flag}`;
  const run = await runApp({
    script: path.join(appDir, 'app.js'),
    nodeArgs: [flag, specifier],
    cwd: appDir,
    otlpUrl: receiver.url,
    env: { REPLAY_URL: replay.url, OTEL_SERVICE_NAME: service },
  });
  expect(run.stdout).toContain('answer Atlantic Ocean.');
  const mine = () => receiver.spans.filter((s) => s.resource['service.name'] === service && s.attributes['gen_ai.provider.name'] === 'openai');
  await waitFor(() => mine().length > 0, 5000);
  expect(mine()[0]!.name).toBe('chat gpt-4o-mini');
});

/**
 * End to end: the recorded exchanges through real clients under the real preload with a Braintrust
 * key, delivered to the Braintrust API test server (which validates rows as the real API does).
 * Checked at the server: trees complete (no dangling parents), tokens per trace equal to what the
 * recording reports, inputs/outputs readable, no secrets, no rejected request.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFixtures, type Fixture } from '../helpers/fixtures';
import { apiOf, expectedFrom, reportsUsage, responseText } from '../helpers/expected';
import { APP_SECRET, CLIENT_APP, type AppResult, type AppStep } from '../helpers/client-app';
import { REPLAY_ROUTES, runApp, tempFile, type AppRun } from '../helpers/run-app';
import type { BraintrustRow, BraintrustServer } from '../helpers/braintrust-server';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startReplayServer } = require('../helpers/replay-server.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startBraintrustServer, DEFAULT_API_KEY } = require('../helpers/braintrust-server.js');

let replay: { url: string; close(): Promise<void> };
let braintrust: BraintrustServer;

beforeAll(async () => {
  replay = await startReplayServer({ chunkDelayMs: 1 });
  braintrust = await startBraintrustServer();
});

afterAll(async () => {
  await replay?.close();
  await braintrust?.close();
});

interface Run {
  app: AppRun;
  results: AppResult[];
}

/** Runs the client app over `steps` with records going to `project` at the test server (or `env` overrides). */
async function runWithBraintrust(project: string, steps: AppStep[], env: Record<string, string> = {}): Promise<Run> {
  const plan = tempFile('plan.json', JSON.stringify({ replayUrl: replay.url, steps }));
  const app = await runApp({
    script: CLIENT_APP,
    config: { routes: REPLAY_ROUTES },
    env: { APP_PLAN: plan, APP_SECRET_KEY: APP_SECRET, BRAINTRUST_API_KEY: DEFAULT_API_KEY, BRAINTRUST_API_URL: braintrust.url, BRAINTRUST_PROJECT: project, ...env },
    timeoutMs: 120000,
  });
  const line = app.stdout.split('\n').find((l) => l.startsWith('[{')) ?? '[]';
  return { app, results: JSON.parse(line) };
}

const all = loadFixtures();
const readable = (f: Fixture) => responseText(f) !== undefined;

/** Every string in a JSON value, joined: what a person reads in the record. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(textOf).join('');
  if (value && typeof value === 'object') return Object.values(value).map(textOf).join('');
  return '';
}

function sum(rows: BraintrustRow[], metric: string): number | undefined {
  const values = rows.map((r) => (r.metrics as Record<string, number> | undefined)?.[metric]).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

/** The shared checks for one call's trace at the server. */
function checkTrace(f: Fixture, result: AppResult, rows: BraintrustRow[]): void {
  const trace = rows.filter((r) => r.root_span_id === result.traceId);
  const ids = new Set(trace.map((r) => r.id));
  // One root (the app's `call <id>` span), every other row under an exported row.
  const roots = trace.filter((r) => (r.span_parents as string[]).length === 0);
  expect(roots.map((r) => (r.span_attributes as { name: string }).name)).toEqual([`call ${f.id}`]);
  expect(roots[0]!.span_attributes).toMatchObject({ type: 'task' });
  for (const r of trace) for (const parent of r.span_parents as string[]) expect(ids.has(parent)).toBe(true);

  // One LLM call, one `llm` record (an SDK span describing the call makes its HTTP span a `function`).
  const llm = trace.filter((r) => (r.span_attributes as { type: string }).type === 'llm');
  expect(llm).toHaveLength(1);
  const expected = expectedFrom(f);
  if (f.response.status < 400 && reportsUsage(f)) {
    // Braintrust sums token metrics over the trace: they must add up to what the provider billed.
    if (expected.inputTokens !== undefined) expect(sum(trace, 'prompt_tokens')).toBe(expected.inputTokens);
    if (expected.outputTokens !== undefined) expect(sum(trace, 'completion_tokens')).toBe(expected.outputTokens);
    expect(llm.filter((r) => (r.metrics as Record<string, number>).prompt_tokens !== undefined)).toHaveLength(1);
  }
  // The llm record shows what was answered, also when an SDK span that records no messages describes
  // the call (the Anthropic SDK): the messages read off the wire are given to it.
  if (expected.outputText) expect(textOf(llm[0]!.output)).toContain(expected.outputText);
  if (f.response.status >= 400) expect(trace.some((r) => typeof r.error === 'string' && r.error.length > 0)).toBe(true);
  const model = JSON.parse(f.request.body).model;
  if (typeof model === 'string') expect(trace.some((r) => (r.metadata as { model?: string }).model === model)).toBe(true);
}

function steps(fixtures: Fixture[], client: string): AppStep[] {
  return fixtures.map((f) => ({ id: f.id, fixture: f.id, client }));
}

describe.each([
  ['http', 'raw http.request', all],
  ['fetch', 'raw fetch', all.filter(readable)],
  ['openai', 'current openai SDK', all.filter((f) => (f.family === 'openai' || f.family === 'together') && apiOf(f) !== 'images' && readable(f) && f.response.status < 400)],
  ['anthropic', '@anthropic-ai/sdk', all.filter((f) => f.family === 'anthropic')],
  ['bedrock', '@aws-sdk/client-bedrock-runtime', all.filter((f) => f.family === 'aws-bedrock')],
])('client %s (%s): records at the Braintrust test server', (client, _label, fixtures) => {
  const project = `e2e-${client}`;
  let run: Run;
  let rows: BraintrustRow[];
  beforeAll(async () => {
    run = await runWithBraintrust(project, steps(fixtures, client));
    rows = braintrust.rows(project);
  }, 180000);

  test('the app ran, said where records go, and every request was accepted', () => {
    expect(run.results).toHaveLength(fixtures.length);
    expect(run.app.stderr).toContain(`records → Braintrust project "${project}" at ${braintrust.url}`);
    expect(braintrust.rejections).toEqual([]);
  });

  test.each(fixtures.map((f) => [f.id, f]))('%s', (_id, f) => {
    const result = run.results.find((r) => r.id === f.id)!;
    if (apiOf(f) === 'images') return;
    checkTrace(f, result, rows);
  });

  test('no secret reaches a record', () => {
    const text = JSON.stringify(rows);
    expect(text).not.toContain(APP_SECRET);
    expect(text).not.toContain(DEFAULT_API_KEY);
    expect(run.app.stderr).not.toContain(DEFAULT_API_KEY);
  });
});

describe('the local default: no key', () => {
  test('the same records, one JSON object per line, in OTEL_GENAI_RECORDS_FILE; the start-up line says so', async () => {
    const fixtures = all.filter((f) => f.family === 'openai' && readable(f)).slice(0, 6);
    const file = path.join(path.dirname(tempFile('x', '')), 'records.jsonl');
    const { app, results } = await runWithBraintrust('unused', steps(fixtures, 'fetch'), { BRAINTRUST_API_KEY: '', OTEL_GENAI_RECORDS_FILE: file });
    expect(app.stderr).toContain(`records → local file ${file} (no BRAINTRUST_API_KEY)`);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as BraintrustRow);
    for (const f of fixtures) checkTrace(f, results.find((r) => r.id === f.id)!, records);
  }, 120000);
});

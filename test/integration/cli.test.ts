/**
 * The CLI as a user runs it (`node dist/cli/main.js`, what `npx otel-genai-braintrust` starts), on a
 * records file, against the Braintrust API test server.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spanToRecord } from '../../exporters/span-to-record';
import type { BraintrustServer } from '../helpers/braintrust-server';
import { REPO_ROOT, tempFile } from '../helpers/run-app';
import { makeSpan } from '../helpers/span-factory';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startBraintrustServer, DEFAULT_API_KEY } = require('../helpers/braintrust-server.js');

const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
let server: BraintrustServer;
beforeAll(async () => {
  server = await startBraintrustServer();
});
afterAll(async () => {
  await server?.close();
});

/** A records file: `n` LLM calls, each under a root request, and one corrupt line at line 3. */
function recordsFile(n: number): { file: string; ids: string[] } {
  const lines: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const traceId = String(i + 1).padStart(32, 'a');
    const rootId = `r${i}`.padStart(16, '0');
    const llmId = `l${i}`.padStart(16, '0');
    const llm = makeSpan({ spanId: llmId, traceId, parent: rootId, start: 1_700_000_000 + i, end: 1_700_000_000.5 + i, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': i % 2 ? 'gpt-4o' : 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10, 'user.id': `user-${i % 3}` } });
    const root = makeSpan({ spanId: rootId, traceId, kind: 1, attributes: { 'http.route': '/v1/chat/completions' } });
    lines.push(JSON.stringify(spanToRecord(llm, { parentSpanId: rootId })), JSON.stringify(spanToRecord(root, { parentSpanId: undefined })));
    ids.push(llmId, rootId);
  }
  lines.splice(2, 0, '{"id": "broken",');
  return { file: tempFile('llm-records.jsonl', `${lines.join('\n')}\n`), ids };
}

/** Runs the CLI in a child process (asynchronously: the test server lives in this process). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('summary: totals by model and by user; a bad line is reported with its number and skipped', async () => {
  const { file } = recordsFile(6);
  const run = await cli(['summary', file, '--by-user']);
  expect(run.status).toBe(0);
  expect(run.stderr).toContain(`${file}:3: skipped: invalid JSON`);
  expect(run.stdout).toMatch(/LLM calls\s+6\s+in 6 traces \(12 records\)/);
  expect(run.stdout).toMatch(/prompt tokens\s+600/);
  expect(run.stdout).toMatch(/gpt-4o-mini\s+openai\s+3\s/);
  expect(run.stdout).toMatch(/user-0\s+2\s/);
  expect(run.stdout).toContain('(1 bad line skipped)');
});

test('upload: every record lands; uploading twice creates no duplicates', async () => {
  const { file, ids } = recordsFile(30);
  const env = { BRAINTRUST_API_KEY: DEFAULT_API_KEY, BRAINTRUST_API_URL: server.url, BRAINTRUST_PROJECT: 'cli-upload' };
  const first = await cli(['upload', file], env);
  expect(first.stderr).toContain(':3: skipped');
  expect(first.stdout).toContain(`uploaded 60 records to Braintrust project "cli-upload" at ${server.url}; 1 bad line skipped`);
  expect(first.status).toBe(0);
  const second = await cli(['upload', file, '--project', 'cli-upload'], { ...env, BRAINTRUST_PROJECT: '' });
  expect(second.status).toBe(0);
  const rows = server.rows('cli-upload');
  expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
  for (const id of ids) expect(server.receivedCount(id)).toBe(2);
  expect(server.rejections).toEqual([]);
  expect(first.stdout + first.stderr + second.stdout + second.stderr).not.toContain(DEFAULT_API_KEY);
});

test('upload without a key: a clear error and exit code 1', async () => {
  const { file } = recordsFile(1);
  const run = await cli(['upload', file]);
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('BRAINTRUST_API_KEY is not set');
});

test('a missing file and an unknown command fail clearly', async () => {
  const missing = await cli(['summary', path.join(path.dirname(recordsFile(1).file), 'nope.jsonl')]);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/ENOENT/);
  const unknown = await cli(['frobnicate']);
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toContain('usage: otel-genai-braintrust');
  expect(fs.existsSync(CLI)).toBe(true);
});

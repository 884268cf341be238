/**
 * Privacy end to end: a gateway under the real preload serves chat requests that carry planted PII and
 * secrets (test/fixtures/redaction/corpus.json: in messages, tool-call arguments, body metadata, and in
 * headers), proxying them to the replay server; the records at the Braintrust API test server contain
 * none of the planted values, keep the ordinary text, and keep their structure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { BraintrustRow, BraintrustServer } from '../helpers/braintrust-server';
import { REPO_ROOT, tempFile, waitFor } from '../helpers/run-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startReplayServer } = require('../helpers/replay-server.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startBraintrustServer, DEFAULT_API_KEY } = require('../helpers/braintrust-server.js');

interface CorpusDocument {
  name: string;
  shape: string;
  body: { messages: unknown[]; user?: string };
  planted: Array<{ detector: string; value: string }>;
  keep?: string[];
}
const corpus = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/redaction/corpus.json'), 'utf8')) as { documents: CorpusDocument[] };
const requests = corpus.documents.filter((d) => d.shape === 'openai.chat_completions.request' && d.planted.length > 0);
const FIXTURE = 'openai/openai-chat-completions-adds-genai-conventions-with-system-message';
const HEADER_SECRETS = ['sk-ant-api03-HEADERSECRETEXAMPLE0123456789', 'sk-upstream-secret'];

let replay: { url: string; close(): Promise<void> };
let braintrust: BraintrustServer;
let rows: BraintrustRow[];

beforeAll(async () => {
  replay = await startReplayServer({ chunkDelayMs: 1 });
  braintrust = await startBraintrustServer();
  const config = tempFile('otel.config.json', JSON.stringify({ routes: [{ host: '127.0.0.1', pathPrefix: '/openai/', provider: 'openai' }] }));
  const child: ChildProcess = spawn(process.execPath, ['--require', path.join(REPO_ROOT, 'instrumentation'), path.join(REPO_ROOT, 'test/apps/gateway-app.js')], {
    env: {
      PATH: process.env.PATH,
      UPSTREAM_URL: `${replay.url}/openai`,
      OTEL_SERVICE_NAME: 'privacy',
      OTEL_GENAI_CONFIG: config,
      BRAINTRUST_API_KEY: DEFAULT_API_KEY,
      BRAINTRUST_API_URL: braintrust.url,
      OTEL_GENAI_USER_ID_HEADER: 'x-user-id',
      OTEL_GENAI_USER_ID_HASH_KEY: 'privacy-test-key',
    },
  });
  const url = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve))).url;
  for (const doc of requests) {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-replay-fixture': FIXTURE, authorization: `Bearer ${HEADER_SECRETS[0]}`, 'x-user-id': 'maria.garcia@example.com' },
      body: JSON.stringify(doc.body),
    });
    await res.arrayBuffer();
  }
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  await waitFor(() => braintrust.rows('privacy').length >= requests.length * 2, 5000);
  rows = braintrust.rows('privacy');
}, 60_000);

afterAll(async () => {
  await replay?.close();
  await braintrust?.close();
});

test('the corpus has planted values to look for', () => {
  expect(requests.length).toBeGreaterThanOrEqual(5);
  expect(rows.length).toBe(requests.length * 2);
});

test('no planted value, header secret or raw user id reaches Braintrust', () => {
  const text = JSON.stringify(rows);
  for (const doc of requests) for (const { value } of doc.planted) expect({ doc: doc.name, found: text.includes(value) }).toEqual({ doc: doc.name, found: false });
  for (const secret of HEADER_SECRETS) expect(text).not.toContain(secret);
  expect(text).not.toContain('maria.garcia@example.com');
  expect(text).toContain('[EMAIL]');
});

test('structure is intact: each request is a task root with its messages, its upstream call an llm child', () => {
  const roots = rows.filter((r) => (r.span_parents as string[]).length === 0);
  expect(roots).toHaveLength(requests.length);
  for (const root of roots) {
    const input = root.input as Array<{ role: string }>;
    expect(Array.isArray(input)).toBe(true);
    const doc = requests.find((d) => d.body.messages.length === input.length);
    expect(doc).toBeDefined();
    const child = rows.find((r) => (r.span_parents as string[])[0] === root.span_id)!;
    expect(child.span_attributes).toMatchObject({ type: 'llm' });
    expect((child.input as unknown[]).length).toBe(input.length);
  }
});

test('ordinary text is left alone (false-positive check)', () => {
  const text = JSON.stringify(rows);
  // Text of the messages (body fields outside them, such as `user` or `metadata`, are not content).
  const keep = requests.flatMap((d) => (d.keep ?? []).filter((k) => JSON.stringify(d.body.messages).includes(JSON.stringify(k).slice(1, -1))));
  expect(keep.length).toBeGreaterThan(0);
  for (const k of keep) expect({ keep: k, found: text.includes(JSON.stringify(k).slice(1, -1)) }).toEqual({ keep: k, found: true });
});

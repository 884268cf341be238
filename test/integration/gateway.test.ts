/**
 * A gateway under the real preload: its own LLM API requests become `task` root records with the
 * user-facing input/output, its upstream calls `llm` children with the tokens. Checked at the
 * Braintrust API test server, against the recorded exchanges the upstream (replay server) serves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { BraintrustRow, BraintrustServer } from '../helpers/braintrust-server';
import { expectedFrom } from '../helpers/expected';
import { loadFixtures, type Fixture } from '../helpers/fixtures';
import { REPO_ROOT, tempFile, waitFor } from '../helpers/run-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startReplayServer } = require('../helpers/replay-server.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startBraintrustServer, DEFAULT_API_KEY } = require('../helpers/braintrust-server.js');

const GATEWAY = path.join(REPO_ROOT, 'test/apps/gateway-app.js');
let replay: { url: string; close(): Promise<void> };
let braintrust: BraintrustServer;

beforeAll(async () => {
  replay = await startReplayServer({ chunkDelayMs: 5 });
  braintrust = await startBraintrustServer();
});
afterAll(async () => {
  await replay?.close();
  await braintrust?.close();
});

interface Gateway {
  url: string;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts the gateway app (under the preload unless `traced` is false) and waits for its URL. */
async function startGateway(project: string, traced = true, env: Record<string, string> = {}, upstream = replay.url): Promise<Gateway> {
  const config = tempFile('otel.config.json', JSON.stringify({ routes: [{ host: '127.0.0.1', pathPrefix: '/openai/', provider: 'openai' }] }));
  const child: ChildProcess = spawn(process.execPath, [...(traced ? ['--require', path.join(REPO_ROOT, 'instrumentation')] : []), GATEWAY], {
    env: {
      PATH: process.env.PATH,
      UPSTREAM_URL: `${upstream}/openai`,
      PACKAGE_ROOT: REPO_ROOT,
      OTEL_SERVICE_NAME: project,
      OTEL_GENAI_CONFIG: config,
      BRAINTRUST_API_KEY: DEFAULT_API_KEY,
      BRAINTRUST_API_URL: braintrust.url,
      OTEL_LOG_LEVEL: 'info',
      ...env,
    },
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  return {
    url: JSON.parse(line).url,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const openai = (id: string) => loadFixtures('openai').find((f) => f.id === `openai/${id}`)!;
const NON_STREAM = openai('openai-chat-completions-adds-genai-conventions-with-system-message');
const STREAM = openai('openai-streaming-chat-completions-records-usage');

/** A client of the gateway: raw fetch, reading the whole body (or `abortAfter` chunks). */
async function callGateway(gateway: Gateway, f: Fixture, options: { abortAfter?: number; fault?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: Buffer }> {
  const { abortAfter, fault } = options;
  const controller = new AbortController();
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-replay-fixture': f.id, ...options.headers };
  if (fault) headers['x-replay-fault'] = fault;
  const res = await fetch(`${gateway.url}${new URL(f.request.url).pathname}`, { method: 'POST', headers, body: options.body ?? f.request.body, signal: controller.signal });
  const parts: Buffer[] = [];
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(Buffer.from(value));
    if (abortAfter !== undefined && parts.length >= abortAfter) {
      controller.abort();
      break;
    }
  }
  return { status: res.status, body: Buffer.concat(parts) };
}

function traceOf(rows: BraintrustRow[], root: BraintrustRow): BraintrustRow[] {
  return rows.filter((r) => r.root_span_id === root.root_span_id);
}
const typeOf = (r: BraintrustRow) => (r.span_attributes as { type: string }).type;
const metrics = (r: BraintrustRow) => r.metrics as Record<string, number>;

describe('plain node:http gateway', () => {
  let rows: BraintrustRow[];
  let bodies: Map<string, Buffer>;
  let untracedBodies: Map<string, Buffer>;
  let stderr = '';

  beforeAll(async () => {
    const run = async (traced: boolean) => {
      const gateway = await startGateway('gateway-plain', traced);
      const out = new Map<string, Buffer>();
      out.set('json', (await callGateway(gateway, NON_STREAM)).body);
      out.set('stream', (await callGateway(gateway, STREAM)).body);
      out.set('429', (await callGateway(gateway, NON_STREAM, { fault: 'status=429' })).body);
      await callGateway(gateway, STREAM, { abortAfter: 1 }); // a client that goes away mid-stream
      await new Promise((r) => setTimeout(r, 100));
      await gateway.stop();
      if (traced) stderr = gateway.stderr();
      return out;
    };
    untracedBodies = await run(false);
    bodies = await run(true);
    await waitFor(() => braintrust.rows('gateway-plain').filter((r) => (r.span_parents as string[]).length === 0).length >= 4, 5000);
    rows = braintrust.rows('gateway-plain');
  }, 60000);

  test('the gateway\'s clients receive exactly what they receive without us', () => {
    expect(stderr).toContain('incoming LLM API requests');
    for (const [key, body] of untracedBodies) expect(bodies.get(key)!.equals(body)).toBe(true);
    expect(braintrust.rejections).toEqual([]);
  });

  const roots = () => rows.filter((r) => (r.span_parents as string[]).length === 0);
  const rootFor = (f: Fixture) => roots().find((r) => JSON.stringify(r.input).includes(JSON.stringify(JSON.parse(f.request.body).messages.at(-1).content)) && (metrics(r).time_to_first_token !== undefined) === (f === STREAM) && r.metadata && (r.metadata as { error_type?: string }).error_type === undefined)!;

  test.each([
    ['non-streaming', NON_STREAM],
    ['streaming', STREAM],
  ])('%s: a task root with the user-facing input/output and the upstream llm child with the tokens', (_name, f) => {
    const root = rootFor(f);
    expect(root).toBeDefined();
    expect(typeOf(root)).toBe('task');
    const expected = expectedFrom(f);
    const request = JSON.parse(f.request.body);
    expect((root.input as Array<{ role: string }>).map((m) => m.role)).toEqual(request.messages.map((m: { role: string }) => m.role));
    expect(JSON.stringify(root.output)).toContain(JSON.stringify(expected.outputText ?? '').slice(1, -1));
    expect(root.metadata).toMatchObject({ model: request.model, provider: 'openai', endpoint: '/v1/chat/completions', http_status: 200 });
    // The tokens are counted once: on the upstream call, not on the request.
    expect(metrics(root).prompt_tokens).toBeUndefined();
    const trace = traceOf(rows, root);
    const llm = trace.filter((r) => typeOf(r) === 'llm');
    expect(llm).toHaveLength(1);
    expect(llm[0]!.span_parents).toEqual([root.id]);
    expect(metrics(llm[0]!).prompt_tokens).toBe(expected.inputTokens);
    expect(metrics(llm[0]!).completion_tokens).toBe(expected.outputTokens);
    if (f === STREAM) {
      // Time to first token as the gateway's client saw it: after the upstream's, before the end.
      expect(metrics(root).time_to_first_token).toBeGreaterThan(0);
      expect(metrics(root).time_to_first_token).toBeLessThan(metrics(root).end! - metrics(root).start!);
    }
  });

  test('a client that disconnects mid-stream: the request record is marked cancelled, with what was sent', () => {
    const cancelled = roots().filter((r) => (r.metadata as { error_type?: string }).error_type === 'cancelled');
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]!.metadata).toMatchObject({ capture_partial: true });
  });

  test("an upstream 429 passes through: the request and the llm record carry OpenAI's error code", () => {
    const limited = roots().find((r) => (r.metadata as { http_status?: number }).http_status === 429)!;
    expect(limited).toBeDefined();
    expect(limited.metadata).toMatchObject({ error_type: 'rate_limit_exceeded' });
    const llm = traceOf(rows, limited).filter((r) => typeOf(r) === 'llm');
    expect(llm).toHaveLength(1);
    expect(llm[0]!.error).toEqual(expect.stringContaining('rate_limit_exceeded'));
  });

  test('no secret of the gateway or its clients reaches a record', () => {
    expect(JSON.stringify(rows)).not.toContain('sk-upstream-secret');
  });
});

describe('attribution: who is asking, on the request and its upstream call', () => {
  const HEADERS = { OTEL_GENAI_USER_ID_HEADER: 'x-user-id', OTEL_GENAI_SESSION_ID_HEADER: 'x-session-id', OTEL_GENAI_TRIAL_HEADER: 'x-plan', SET_LLM_CONTEXT: '1' };
  /** The request body with `user` and `metadata.session_id` set, as OpenAI clients send them. */
  const bodyWith = (extra: object) => JSON.stringify({ ...JSON.parse(NON_STREAM.request.body), ...extra });
  let rows: BraintrustRow[];
  const cases: Record<string, { headers?: Record<string, string>; body?: string }> = {
    body: { body: bodyWith({ user: 'body-user', metadata: { session_id: 'body-session' } }) },
    headers: { body: bodyWith({ user: 'body-user' }), headers: { 'x-user-id': 'header-user', 'x-session-id': 'header-session', 'x-plan': 'trial' } },
    api: {
      body: bodyWith({ user: 'body-user' }),
      headers: { 'x-user-id': 'header-user', 'x-test-llm-context': JSON.stringify({ userId: 'api-user', isTrial: false, metadata: { tier: 'gold' } }) },
    },
    baggage: { headers: { baggage: 'user.id=baggage-user,session.id=baggage-session' } },
  };

  beforeAll(async () => {
    const gateway = await startGateway('gateway-attribution', true, HEADERS);
    for (const [name, c] of Object.entries(cases)) await callGateway(gateway, NON_STREAM, { headers: { ...c.headers, 'x-case': name }, body: c.body });
    await gateway.stop();
    rows = braintrust.rows('gateway-attribution');
  }, 30000);

  /** The root (request) and llm (upstream call) records of the case whose request carried `who`. */
  function recordsOf(userId: string): BraintrustRow[] {
    const root = rows.find((r) => (r.span_parents as string[]).length === 0 && (r.metadata as { user_id?: string }).user_id === userId);
    expect(root).toBeDefined();
    const trace = traceOf(rows, root!);
    expect(trace.map(typeOf).sort()).toEqual(['llm', 'task']);
    return trace;
  }

  test.each([
    ['body fields', 'body-user', { session_id: 'body-session' }],
    ['configured headers win over the body', 'header-user', { session_id: 'header-session', is_trial: true }],
    ['setLlmContext wins over headers, with custom metadata', 'api-user', { is_trial: false, tier: 'gold' }],
    ['W3C baggage when nothing else names the user', 'baggage-user', { session_id: 'baggage-session' }],
  ])('%s', (_name, userId, extra) => {
    for (const record of recordsOf(userId)) expect(record.metadata).toMatchObject({ user_id: userId, ...extra });
  });

  test('a request whose client names no user gets the user its upstream call named (e.g. the gateway sets `user` after auth)', async () => {
    const gateway = await startGateway('gateway-upstream-user', true, { UPSTREAM_USER: 'authenticated-user' });
    await callGateway(gateway, NON_STREAM);
    await gateway.stop();
    const records = braintrust.rows('gateway-upstream-user');
    expect(records.map(typeOf).sort()).toEqual(['llm', 'task']);
    for (const r of records) expect(r.metadata).toMatchObject({ user_id: 'authenticated-user' });
  });

  test('user ids pseudonymised with OTEL_GENAI_USER_ID_HASH_KEY: the raw ids appear nowhere', async () => {
    const gateway = await startGateway('gateway-hashed', true, { ...HEADERS, OTEL_GENAI_USER_ID_HASH_KEY: 'test-hash-key' });
    await callGateway(gateway, NON_STREAM, { headers: { 'x-user-id': 'alice@example.com' }, body: bodyWith({ user: 'bob@example.com' }) });
    await gateway.stop();
    const hashed = braintrust.rows('gateway-hashed');
    expect(hashed.length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(hashed);
    expect(text).not.toContain('alice@example.com');
    expect(text).not.toContain('bob@example.com');
    expect(text).not.toContain('test-hash-key');
    for (const r of hashed) expect((r.metadata as { user_id: string }).user_id).toMatch(/^u_[0-9a-f]{32}$/);
    expect(new Set(hashed.map((r) => (r.metadata as { user_id: string }).user_id)).size).toBe(1);
  });
});

describe('outcome-aware sampling (OTEL_GENAI_SAMPLE_RATIO=0): only traces worth keeping, each whole, saying why', () => {
  test('five ordinary requests are dropped; the 429 is kept as the request and its upstream call together', async () => {
    const gateway = await startGateway('gateway-sampled', true, { OTEL_GENAI_SAMPLE_RATIO: '0' });
    for (let i = 0; i < 5; i++) await callGateway(gateway, NON_STREAM);
    await callGateway(gateway, NON_STREAM, { fault: 'status=429' });
    await callGateway(gateway, STREAM);
    await gateway.stop();
    expect(gateway.stderr()).toContain('sampling: errors, status 429');
    const records = braintrust.rows('gateway-sampled');
    expect(records.map(typeOf).sort()).toEqual(['llm', 'task']);
    expect(new Set(records.map((r) => r.root_span_id)).size).toBe(1);
    for (const r of records) expect(r.metadata).toMatchObject({ sampling_reason: 'status_429', http_status: 429 });
  });
});

test('SIGTERM to a gateway that drains its in-flight requests: the request it finishes after the signal is recorded (regression)', async () => {
  const slow: { url: string; close(): Promise<void> } = await startReplayServer({ chunkDelayMs: 60 });
  try {
    const gateway = await startGateway('gateway-drain', true, {}, slow.url);
    const call = callGateway(gateway, STREAM);
    await new Promise((r) => setTimeout(r, 250)); // the stream is under way
    const stopped = gateway.stop();
    const { status, body } = await call;
    await stopped;
    expect(status).toBe(200);
    expect(body.toString()).toContain('[DONE]');
    const rows = braintrust.rows('gateway-drain');
    const root = rows.find((r) => (r.span_parents as string[]).length === 0);
    expect(root).toBeDefined();
    expect(root!.metadata).not.toHaveProperty('error_type');
    expect(JSON.stringify(root!.output)).toContain(JSON.stringify(expectedFrom(STREAM).outputText).slice(1, -1));
    expect(traceOf(rows, root!).filter((r) => typeOf(r) === 'llm')).toHaveLength(1);
  } finally {
    await slow.close();
  }
}, 30000);

describe.each(['express', 'fastify'])('%s gateway (the framework parses the JSON body itself)', (framework) => {
  let rows: BraintrustRow[];
  const bodies = new Map<string, Buffer>();
  const untraced = new Map<string, Buffer>();
  const project = `gateway-${framework}`;

  beforeAll(async () => {
    for (const [traced, out] of [
      [false, untraced],
      [true, bodies],
    ] as const) {
      const gateway = await startGateway(project, traced, { FRAMEWORK: framework });
      out.set('json', (await callGateway(gateway, NON_STREAM)).body);
      out.set('stream', (await callGateway(gateway, STREAM)).body);
      await callGateway(gateway, STREAM, { abortAfter: 1 });
      await new Promise((r) => setTimeout(r, 100));
      await gateway.stop();
    }
    rows = braintrust.rows(project);
  }, 60000);

  test('the clients receive the same bytes as without us', () => {
    for (const [key, body] of untraced) expect(bodies.get(key)!.equals(body)).toBe(true);
  });

  test.each([
    ['non-streaming', NON_STREAM],
    ['streaming', STREAM],
  ])('%s: task root with input/output, llm child with the tokens', (_name, f) => {
    const expected = expectedFrom(f);
    const roots = rows.filter((r) => (r.span_parents as string[]).length === 0 && (r.metadata as { error_type?: string }).error_type === undefined && (metrics(r).time_to_first_token !== undefined) === (f === STREAM));
    expect(roots).toHaveLength(1);
    const root = roots[0]!;
    expect(typeOf(root)).toBe('task');
    expect((root.input as unknown[]).length).toBe(JSON.parse(f.request.body).messages.length);
    expect(JSON.stringify(root.output)).toContain(JSON.stringify(expected.outputText).slice(1, -1));
    const llm = traceOf(rows, root).filter((r) => typeOf(r) === 'llm');
    expect(llm).toHaveLength(1);
    expect(metrics(llm[0]!).prompt_tokens).toBe(expected.inputTokens);
  });

  test('the client that went away is recorded as cancelled', () => {
    expect(rows.filter((r) => (r.span_parents as string[]).length === 0 && (r.metadata as { error_type?: string }).error_type === 'cancelled')).toHaveLength(1);
  });
});

test('W3C baggage from an upstream service is propagated to the gateway\'s own upstream call', async () => {
  // An upstream that records what it receives and answers like OpenAI.
  const http = await import('node:http');
  const seen: Array<string | undefined> = [];
  const upstream = http.createServer((req, res) => {
    seen.push(req.headers.baggage as string | undefined);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  try {
    const url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    const gateway = await startGateway('gateway-baggage', true, {}, url);
    await callGateway(gateway, NON_STREAM, { headers: { baggage: 'user.id=bag-user,session.id=bag-session' } });
    await gateway.stop();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('user.id=bag-user');
    expect(seen[0]).toContain('session.id=bag-session');
  } finally {
    upstream.close();
  }
});

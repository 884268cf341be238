import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { DEFAULT_API_KEY, startBraintrustServer, type BraintrustRoute, type BraintrustServer, type Fault } from '../helpers/braintrust-server';

// ------------------------------------------------------------------------------------------------
// Helpers: real HTTP requests with global fetch, as our exporter and the SDK send them
// ------------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FORBIDDEN_KEY = 'forbidden-key';
const HELPER = path.join(__dirname, '..', 'helpers', 'braintrust-server.js');
/** The span types of Braintrust's SpanAttributes, written out here so a wrong list in the server shows. */
const SPAN_TYPES = ['llm', 'score', 'function', 'eval', 'task', 'tool', 'automation', 'facet', 'preprocessor', 'classifier', 'review'];

let server: BraintrustServer;

beforeEach(async () => {
  server = await startBraintrustServer({ forbiddenKeys: [FORBIDDEN_KEY] });
});

afterEach(() => server.close());

interface CallOptions {
  method?: string;
  /** `null`: no Authorization header. */
  key?: string | null;
  /** Sent as is instead of the JSON of `body`. */
  raw?: string;
  contentType?: string;
}

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** POST when there is a body, else GET; Bearer key and JSON content type as a client of the real API. */
async function call(urlPath: string, body?: unknown, options: CallOptions = {}): Promise<Reply> {
  const text = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? DEFAULT_API_KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const contentType = options.contentType ?? (text === undefined ? undefined : 'application/json');
  if (contentType !== undefined) headers['content-type'] = contentType;
  const res = await fetch(server.url + urlPath, { method: options.method ?? (text === undefined ? 'GET' : 'POST'), headers, body: text });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function createProject(name = 'proj'): Promise<string> {
  const reply = await call('/v1/project', { name });
  expect(reply.status).toBe(200);
  return reply.body.id;
}

function insert(projectId: string, events: unknown[]): Promise<Reply> {
  return call(`/v1/project_logs/${projectId}/insert`, { events });
}

function logs3(rows: unknown[]): Promise<Reply> {
  return call('/logs3', { rows, api_version: 2 });
}

async function login(): Promise<Reply> {
  return call('/api/apikey/login', undefined, { method: 'POST', contentType: 'application/json' });
}

/** The answer carries the message, and the server kept it as its last rejection. */
function expectRejected(reply: Reply, status: number, message: string): void {
  expect(reply.status).toBe(status);
  expect(reply.body.error).toContain(message);
  expect(server.rejections.at(-1)).toEqual({ path: expect.any(String), status, message: reply.body.error });
}

/** A row as the SDK sends a span's start: ids, project destination, caller context, exec_counter. */
function sdkStartRow(projectId: string, id: string): Record<string, unknown> {
  return {
    id,
    span_id: id,
    root_span_id: id,
    created: '2026-11-28T10:32:31.921Z',
    metrics: { start: 1764325951.921 },
    context: { caller_functionname: 'main', caller_filename: 'app.js', caller_lineno: 12 },
    span_attributes: { name: 'chat gpt-4o', type: 'llm', exec_counter: 0 },
    input: [{ role: 'user', content: 'Hi' }],
    project_id: projectId,
    log_id: 'g',
    _is_merge: false,
  };
}

// ------------------------------------------------------------------------------------------------
// Authentication and request checks (every route)
// ------------------------------------------------------------------------------------------------

/** Three entries each: jest passes a `done` callback in place of a missing one. */
const EVERY_ROUTE: Array<[string, string, unknown]> = [
  ['POST', '/v1/project', { name: 'p' }],
  ['POST', `/v1/project_logs/${randomUUID()}/insert`, { events: [] }],
  ['POST', '/api/apikey/login', undefined],
  ['POST', '/api/project/register', { project_name: 'p', org_id: 'o' }],
  ['GET', '/api/project?id=x', undefined],
  ['GET', '/version', undefined],
  ['POST', '/logs3', { rows: [], api_version: 2 }],
];

describe('authentication', () => {
  test.each(EVERY_ROUTE)('%s %s without a key: 401', async (method, urlPath, body) => {
    expectRejected(await call(urlPath, body, { method, key: null }), 401, 'API key');
  });

  test('an unknown key: 401', async () => {
    expectRejected(await call('/version', undefined, { key: 'not-a-key' }), 401, 'API key');
  });

  test('another scheme than Bearer: 401', async () => {
    const res = await fetch(`${server.url}/version`, { headers: { authorization: `Basic ${DEFAULT_API_KEY}` } });
    expect(res.status).toBe(401);
  });

  test('a forbidden key: 403', async () => {
    expectRejected(await call('/version', undefined, { key: FORBIDDEN_KEY }), 403, 'not allowed');
  });

  test('the apiKeys option replaces the default key', async () => {
    await server.close();
    server = await startBraintrustServer({ apiKeys: ['key-a', 'key-b'] });
    expect((await call('/version', undefined, { key: 'key-b' })).status).toBe(200);
    expect((await call('/version', undefined, { key: DEFAULT_API_KEY })).status).toBe(401);
  });

  test('the key is never recorded, nor echoed in an error', async () => {
    const secret = 'sk-bt-secret-0123456789';
    await server.close();
    server = await startBraintrustServer({ apiKeys: [secret] });
    await call('/v1/project', { name: 'p' }, { key: secret });
    const denied = await call('/v1/project', { name: 'p' }, { key: `${secret}x` });
    expect(denied.status).toBe(401);
    expect(JSON.stringify([server.requests, server.rejections, denied.body])).not.toContain(secret);
  });
});

describe('request checks', () => {
  test('a body that is not application/json: 400', async () => {
    expectRejected(await call('/v1/project', undefined, { raw: '{"name":"p"}', contentType: 'text/plain' }), 400, 'Content-Type');
  });

  test('application/json with parameters is JSON', async () => {
    expect((await call('/v1/project', undefined, { raw: '{"name":"p"}', contentType: 'application/json; charset=utf-8' })).status).toBe(200);
  });

  test('invalid JSON: 400', async () => {
    expectRejected(await call('/v1/project', undefined, { raw: '{"name": "p"' }), 400, 'invalid JSON');
  });

  test('a NaN literal (as Python json writes it) is invalid JSON: 400', async () => {
    const id = await createProject();
    expectRejected(await call(`/v1/project_logs/${id}/insert`, undefined, { raw: '{"events":[{"metrics":{"end":NaN}}]}' }), 400, 'invalid JSON');
  });

  test('a JSON body that is not an object: 400', async () => {
    expectRejected(await call('/v1/project', ['p']), 400, 'body: expected a JSON object');
  });

  test('an unknown path, or a known path with another method: 404', async () => {
    expectRejected(await call('/v1/experiment', { name: 'p' }), 404, 'no route for POST /v1/experiment');
    expectRejected(await call('/v1/project'), 404, 'no route for GET /v1/project');
  });
});

describe('request size', () => {
  /** A valid POST /v1/project body of exactly `bytes` bytes. */
  function projectBody(bytes: number): string {
    const frame = '{"name":""}';
    return `{"name":"${'x'.repeat(bytes - frame.length)}"}`;
  }

  test('a body over maxRequestBytes: 413 without parsing it, and the connection serves the next request', async () => {
    await server.close();
    server = await startBraintrustServer({ maxRequestBytes: 1000 });
    // Not JSON: a 400 would mean the server parsed it.
    const reply = await call('/v1/project', undefined, { raw: 'x'.repeat(1001) });
    expectRejected(reply, 413, 'exceeds the limit of 1000 bytes');
    expect(server.requests.at(-1)).toMatchObject({ status: 413, bytes: 1001 });
    expect((await call('/v1/project', undefined, { raw: projectBody(1000) })).status).toBe(200);
    expect(server.projects()).toHaveLength(1);
  });

  test('the default limit is 6 MiB', async () => {
    const limit = 6 * 1024 * 1024;
    expect((await call('/v1/project', undefined, { raw: projectBody(limit) })).status).toBe(200);
    expectRejected(await call('/v1/project', undefined, { raw: projectBody(limit + 1) }), 413, `exceeds the limit of ${limit} bytes`);
  });
});

// ------------------------------------------------------------------------------------------------
// REST: POST /v1/project
// ------------------------------------------------------------------------------------------------

describe('POST /v1/project', () => {
  test('answers the project object', async () => {
    const reply = await call('/v1/project', { name: 'genai' });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      id: expect.stringMatching(UUID),
      org_id: server.orgId,
      name: 'genai',
      created: expect.any(String),
      deleted_at: null,
      user_id: expect.stringMatching(UUID),
      settings: null,
    });
    expect(server.orgId).toMatch(UUID);
    expect(new Date(reply.body.created).toISOString()).toBe(reply.body.created);
    expect(server.projects()).toEqual([reply.body]);
  });

  test('creates or returns the existing project of that name', async () => {
    const first = await createProject('a');
    expect(await createProject('a')).toBe(first);
    expect(await createProject('b')).not.toBe(first);
    expect(server.projects().map((p) => p.name)).toEqual(['a', 'b']);
  });

  test.each([{}, { name: '' }, { name: 3 }, { name: null }])('name missing or empty (%j): 400', async (body) => {
    expectRejected(await call('/v1/project', body), 400, 'body.name: expected a non-empty string');
    expect(server.projects()).toEqual([]);
  });

  test('org_name: this server’s organization or null', async () => {
    expect((await call('/v1/project', { name: 'p', org_name: 'test-org' })).status).toBe(200);
    expect((await call('/v1/project', { name: 'p', org_name: null })).status).toBe(200);
    expectRejected(await call('/v1/project', { name: 'p', org_name: 'other-org' }), 400, 'body.org_name: unknown organization');
  });

  test('description: a string', async () => {
    expect((await call('/v1/project', { name: 'p', description: 'GenAI spans' })).status).toBe(200);
    expectRejected(await call('/v1/project', { name: 'p', description: 42 }), 400, 'body.description: expected a string');
  });

  test('an unknown field: 400 naming it', async () => {
    expectRejected(await call('/v1/project', { name: 'p', owner: 'me' }), 400, 'body.owner: unknown field');
  });
});

// ------------------------------------------------------------------------------------------------
// REST: POST /v1/project_logs/{id}/insert
// ------------------------------------------------------------------------------------------------

describe('POST /v1/project_logs/{id}/insert: the request', () => {
  test('answers the row ids in input order, generating the missing ones', async () => {
    const id = await createProject();
    const reply = await insert(id, [{ id: 'r1', input: 'a' }, { input: 'b' }, { id: null, input: 'c' }, { id: 'r0', input: 'd' }]);
    expect(reply.status).toBe(200);
    const rowIds: string[] = reply.body.row_ids;
    expect(rowIds).toEqual(['r1', expect.stringMatching(UUID), expect.stringMatching(UUID), 'r0']);
    expect(server.rows(id).map((r) => [r.id, r.input])).toEqual(rowIds.map((rowId, i) => [rowId, 'abcd'[i]]));
  });

  test('an empty events array is valid', async () => {
    const reply = await insert(await createProject(), []);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ row_ids: [] });
  });

  test.each([
    ['no events', {}, 'body.events: expected an array'],
    ['events not an array', { events: { id: 'x' } }, 'body.events: expected an array'],
    ['an unknown field', { events: [], project_id: 'x' }, 'body.project_id: unknown field'],
  ])('%s: 400', async (_, body, message) => {
    expectRejected(await call(`/v1/project_logs/${await createProject()}/insert`, body), 400, message);
  });

  test('an unknown project id: 404, also when it is not a uuid', async () => {
    await createProject();
    expectRejected(await insert(randomUUID(), []), 404, 'not found');
    expectRejected(await insert('proj', []), 404, "project_id: project 'proj' not found");
  });
});

describe('POST /v1/project_logs/{id}/insert: event fields', () => {
  test.each<[string, unknown, string]>([
    ['not an object', 'text', 'events[1]: expected an object'],
    ['null', null, 'events[1]: expected an object'],
    ['an array', [{ input: 1 }], 'events[1]: expected an object'],
    ['an unknown field', { model: 'gpt-4o' }, 'events[1].model: unknown field'],
    ['id not a string', { id: 7 }, 'events[1].id: expected a string'],
    ['span_id not a string', { span_id: 1 }, 'events[1].span_id: expected a string'],
    ['root_span_id not a string', { root_span_id: false }, 'events[1].root_span_id: expected a string'],
    ['_parent_id not a string', { _parent_id: {} }, 'events[1]._parent_id: expected a string'],
    ['span_parents not an array', { span_parents: 'p' }, 'events[1].span_parents: expected an array of strings'],
    ['span_parents with a number', { span_parents: ['p', 3] }, 'events[1].span_parents[1]: expected a string'],
    ['created not a date', { created: 'yesterday' }, 'events[1].created: expected an ISO-8601 date-time string'],
    ['created out of the calendar', { created: '2026-13-45T10:32:31.921Z' }, 'events[1].created: expected an ISO-8601'],
    ['created without an offset', { created: '2026-11-28T10:32:31.921' }, 'events[1].created: expected an ISO-8601'],
    ['created a number', { created: 1764325951921 }, 'events[1].created: expected an ISO-8601'],
    ['metadata an array', { metadata: [1] }, 'events[1].metadata: expected an object'],
    ['metadata a string', { metadata: 'm' }, 'events[1].metadata: expected an object'],
    ['metrics not an object', { metrics: 5 }, 'events[1].metrics: expected an object'],
    ['a metric a string', { metrics: { prompt_tokens: '12' } }, 'events[1].metrics.prompt_tokens: expected a number'],
    ['a metric an object', { metrics: { prompt_tokens: { n: 1 } } }, 'events[1].metrics.prompt_tokens: expected a number'],
    ['a metric a boolean', { metrics: { cached: true } }, 'events[1].metrics.cached: expected a number'],
    ['scores not an object', { scores: [0.5] }, 'events[1].scores: expected an object'],
    ['a score above 1', { scores: { accuracy: 1.5 } }, 'events[1].scores.accuracy: expected a number between 0 and 1'],
    ['a score below 0', { scores: { accuracy: -0.1 } }, 'events[1].scores.accuracy: expected a number between 0 and 1'],
    ['a score a string', { scores: { accuracy: '1' } }, 'events[1].scores.accuracy: expected a number between 0 and 1'],
    ['tags not an array', { tags: 'a' }, 'events[1].tags: expected an array of strings'],
    ['a tag not a string', { tags: ['a', 1] }, 'events[1].tags[1]: expected a string'],
    ['duplicate tags', { tags: ['a', 'b', 'a'] }, "events[1].tags: duplicate tag 'a'"],
    ['span_attributes not an object', { span_attributes: 'llm' }, 'events[1].span_attributes: expected an object'],
    ['an unknown span type', { span_attributes: { type: 'chain' } }, 'events[1].span_attributes.type: expected one of llm, score'],
    ['a span name not a string', { span_attributes: { name: 3 } }, 'events[1].span_attributes.name: expected a string'],
    ['context not an object', { context: 'x' }, 'events[1].context: expected an object'],
    ['context.caller_lineno not a number', { context: { caller_lineno: '12' } }, 'events[1].context.caller_lineno: expected a number'],
    ['context.caller_filename not a string', { context: { caller_filename: 1 } }, 'events[1].context.caller_filename: expected a string'],
    ['context.caller_functionname not a string', { context: { caller_functionname: [] } }, 'events[1].context.caller_functionname: expected a string'],
    ['origin not an object', { origin: 'x' }, 'events[1].origin: expected an object'],
    ['_is_merge not a boolean', { _is_merge: 'true' }, 'events[1]._is_merge: expected a boolean'],
    ['_object_delete not a boolean', { _object_delete: 1 }, 'events[1]._object_delete: expected a boolean'],
    ['_merge_paths not an array', { _merge_paths: 'input' }, 'events[1]._merge_paths: expected an array of field paths'],
    ['a merge path not an array of strings', { _merge_paths: [['input'], 'output'] }, 'events[1]._merge_paths[1]: expected an array of strings'],
  ])('%s: 400 naming the field, and nothing of the batch is stored', async (_, bad, message) => {
    const id = await createProject();
    expectRejected(await insert(id, [{ id: 'good', input: 'x' }, bad]), 400, message);
    expect(server.rows(id)).toEqual([]);
    expect(server.receivedCount('good')).toBe(0);
  });

  test('a metric that JSON reads as Infinity (1e999): 400', async () => {
    const id = await createProject();
    const reply = await call(`/v1/project_logs/${id}/insert`, undefined, { raw: '{"events":[{},{"metrics":{"end":1e999}}]}' });
    expectRejected(reply, 400, 'events[1].metrics.end: expected a number');
  });

  test('an event with every field set is accepted and stored as sent', async () => {
    const id = await createProject();
    const event = {
      id: 'row-1',
      span_id: 'span-1',
      root_span_id: 'span-0',
      span_parents: ['span-0'],
      created: '2026-11-28T10:32:31.921Z',
      input: [{ role: 'user', content: 'Hi' }],
      output: [{ role: 'assistant', content: 'Hello' }],
      expected: 'Hello',
      error: null,
      scores: { accuracy: 1, helpfulness: 0, pending: null },
      metadata: { model: 'gpt-4o', nested: { a: [1] } },
      metrics: { start: 1764325951.921, end: 1764325952.5, prompt_tokens: 11, completion_tokens: 7, cached: null },
      context: { caller_filename: 'app.js', caller_functionname: 'main', caller_lineno: 12, extra: true },
      span_attributes: { name: 'chat gpt-4o', type: 'llm', extra: 1 },
      origin: { id: 'o', _xact_id: '1', object_id: 'x', object_type: 'experiment' },
      _parent_id: 'row-0',
    };
    expect((await insert(id, [event])).status).toBe(200);
    expect(server.rows(id)).toEqual([event]);
    expect(server.rejections).toEqual([]);
  });

  test('every optional field may be null, as in the spec', async () => {
    const id = await createProject();
    const nulls = Object.fromEntries(
      ['span_id', 'root_span_id', 'span_parents', 'created', 'scores', 'metadata', 'metrics', 'tags', 'context', 'span_attributes', 'origin', '_is_merge', '_merge_paths', '_object_delete', '_parent_id'].map((k) => [k, null]),
    );
    expect((await insert(id, [nulls])).status).toBe(200);
    expect((await insert(id, [{ span_attributes: { name: null, type: null }, context: { caller_lineno: null } }])).status).toBe(200);
  });

  test.each(SPAN_TYPES)('span type %s is accepted', async (type) => {
    expect((await insert(await createProject(), [{ span_attributes: { type } }])).status).toBe(200);
  });
});

describe('tags on non-root spans', () => {
  test('a row with span parents and tags: 400', async () => {
    const id = await createProject();
    const reply = await insert(id, [{ span_parents: ['root'], tags: ['a'] }]);
    expectRejected(reply, 400, "Braintrust cannot specify 'tags' for non-root spans");
    expect(reply.body.error).toMatch(/^events\[0\]: /);
  });

  test('also an empty tag list', async () => {
    expectRejected(await insert(await createProject(), [{ span_parents: ['root'], tags: [] }]), 400, "cannot specify 'tags' for non-root spans");
  });

  test.each([{}, { span_parents: [] }, { span_parents: null }])('a root row (%j) may have tags', async (parents) => {
    expect((await insert(await createProject(), [{ ...parents, tags: ['a', 'b'] }])).status).toBe(200);
  });

  test('a non-root row with tags: null is fine', async () => {
    expect((await insert(await createProject(), [{ span_parents: ['root'], tags: null }])).status).toBe(200);
  });
});

// ------------------------------------------------------------------------------------------------
// Storage
// ------------------------------------------------------------------------------------------------

describe('storage', () => {
  test('an event replaces the stored row with its id: a retry is idempotent, and counted', async () => {
    const id = await createProject();
    await insert(id, [{ id: 'r', input: 'first', metadata: { a: 1 } }]);
    await insert(id, [{ id: 'r', input: 'second' }]);
    expect(server.rows(id)).toEqual([{ id: 'r', input: 'second' }]);
    expect(server.receivedCount('r')).toBe(2);
    expect(server.receivedCount('never-sent')).toBe(0);
  });

  test('_is_merge deep-merges objects into the stored row; arrays and scalars replace', async () => {
    const id = await createProject();
    await insert(id, [{ id: 'r', input: { a: 5, b: 10 }, metadata: { x: 1, list: [1, 2] }, output: 'o' }]);
    await insert(id, [{ id: 'r', _is_merge: true, input: { b: 11, c: 20 }, metadata: { list: [3] }, metrics: { end: 2 } }]);
    expect(server.rows(id)).toEqual([{ id: 'r', input: { a: 5, b: 11, c: 20 }, metadata: { x: 1, list: [3] }, output: 'o', metrics: { end: 2 } }]);
  });

  test('_is_merge without a stored row inserts the row as is', async () => {
    const id = await createProject();
    await insert(id, [{ id: 'r', _is_merge: true, input: 'x' }]);
    expect(server.rows(id)).toEqual([{ id: 'r', input: 'x' }]);
  });

  test('_merge_paths stops the deep merge (the spec’s example)', async () => {
    const id = await createProject();
    await insert(id, [{ id: 'foo', input: { a: { b: 10 }, c: { d: 20 } }, output: { a: 20 } }]);
    await insert(id, [{ id: 'foo', _is_merge: true, _merge_paths: [['input', 'a'], ['output']], input: { a: { q: 30 }, c: { e: 30 }, bar: 'baz' }, output: { d: 40 } }]);
    expect(server.rows(id)).toEqual([{ id: 'foo', input: { a: { q: 30 }, c: { d: 20, e: 30 }, bar: 'baz' }, output: { d: 40 } }]);
  });

  test('_object_delete removes the row', async () => {
    const id = await createProject();
    await insert(id, [{ id: 'r', input: 'x' }, { id: 's', input: 'y' }]);
    await insert(id, [{ id: 'r', _object_delete: true }]);
    expect(server.rows(id).map((r) => r.id)).toEqual(['s']);
  });

  test('rows: first-insert order, by project name or id, [] for an unknown project', async () => {
    const id = await createProject('genai');
    await insert(id, [{ id: 'a' }, { id: 'b' }]);
    await insert(id, [{ id: 'a', input: 'again' }, { id: 'c' }]);
    expect(server.rows('genai').map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(server.rows(id)).toEqual(server.rows('genai'));
    expect(server.rows('no-such-project')).toEqual([]);
  });

  test('rows and projects are copies: changing them does not change the store', async () => {
    const id = await createProject();
    await insert(id, [{ id: 'r', metadata: { a: 1 } }]);
    (server.rows(id)[0].metadata as Record<string, number>).a = 2;
    server.projects()[0].name = 'renamed';
    expect(server.rows(id)[0].metadata).toEqual({ a: 1 });
    expect(server.projects()[0].name).toBe('proj');
  });
});

// ------------------------------------------------------------------------------------------------
// SDK protocol
// ------------------------------------------------------------------------------------------------

describe('SDK: login, projects, version', () => {
  test('POST /api/apikey/login (no body, JSON content type as the SDK sends it) answers the org with this server as API URL', async () => {
    const reply = await login();
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ org_info: [{ id: server.orgId, name: 'test-org', api_url: server.url, proxy_url: null, git_metadata: null }] });
  });

  test('POST /api/project/register creates or returns the project, in the store REST uses', async () => {
    const first = await call('/api/project/register', { project_name: 'genai', org_id: server.orgId });
    expect(first.status).toBe(200);
    expect(first.body.project).toMatchObject({ id: expect.stringMatching(UUID), name: 'genai', org_id: server.orgId });
    const again = await call('/api/project/register', { project_name: 'genai', org_id: server.orgId });
    expect(again.body.project.id).toBe(first.body.project.id);
    expect(await createProject('genai')).toBe(first.body.project.id);
  });

  test.each<[string, (orgId: string) => Record<string, unknown>, string]>([
    ['no project_name', (org) => ({ org_id: org }), 'body.project_name: expected a non-empty string'],
    ['an empty project_name', (org) => ({ project_name: '', org_id: org }), 'body.project_name: expected a non-empty string'],
    ['another org_id', () => ({ project_name: 'p', org_id: randomUUID() }), 'body.org_id: expected the org id'],
    ['an unknown field', (org) => ({ project_name: 'p', org_id: org, org_name: 'test-org' }), 'body.org_name: unknown field'],
  ])('register with %s: 400', async (_, makeBody, message) => {
    expectRejected(await call('/api/project/register', makeBody(server.orgId)), 400, message);
    expect(server.projects()).toEqual([]);
  });

  test('GET /api/project?id= answers the project, 404 when unknown, 400 without an id', async () => {
    const id = await createProject('genai');
    const reply = await call(`/api/project?id=${id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(server.projects()[0]);
    expectRejected(await call(`/api/project?id=${randomUUID()}`), 404, 'not found');
    expectRejected(await call('/api/project'), 400, 'id: expected a project id');
  });

  test('GET /version answers {}', async () => {
    const reply = await call('/version');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({});
  });
});

describe('SDK: POST /logs3', () => {
  test('a span start row and its merged end row are stored as one row', async () => {
    const id = await createProject();
    const start = sdkStartRow(id, 'span-1');
    const end = { id: 'span-1', span_id: 'span-1', root_span_id: 'span-1', output: 'Hello', metrics: { end: 1764325952.5 }, project_id: id, log_id: 'g', _is_merge: true };
    const reply = await logs3([start]);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({});
    expect((await logs3([end])).status).toBe(200);
    const { project_id: _p, log_id: _l, _is_merge: _m, ...stored } = start;
    expect(server.rows(id)).toEqual([{ ...stored, output: 'Hello', metrics: { start: 1764325951.921, end: 1764325952.5 } }]);
    expect(server.receivedCount('span-1')).toBe(2);
  });

  test('a row the SDK merged client-side (one replace row) is stored as sent', async () => {
    const id = await createProject();
    const row = { ...sdkStartRow(id, 'span-2'), span_parents: ['span-1'], root_span_id: 'span-1', output: 'o' };
    expect((await logs3([row])).status).toBe(200);
    expect(server.rows(id)).toHaveLength(1);
    expect(server.rows(id)[0]).toMatchObject({ id: 'span-2', span_parents: ['span-1'], output: 'o' });
  });

  test.each([
    ['rows not an array', { rows: {}, api_version: 2 }, 'body.rows: expected an array'],
    ['api_version 1', { rows: [], api_version: 1 }, 'body.api_version: expected 2'],
    ['no api_version', { rows: [] }, 'body.api_version: expected 2'],
    ['an unknown field', { rows: [], api_version: 2, org_id: 'o' }, 'body.org_id: unknown field'],
  ])('%s: 400', async (_, body, message) => {
    expectRejected(await call('/logs3', body), 400, message);
  });

  test.each<[string, (projectId: string) => Record<string, unknown>, number, string]>([
    ['no project_id', (p) => ({ ...sdkStartRow(p, 'r'), project_id: undefined }), 400, 'rows[1].project_id: expected a non-empty string'],
    ['an unknown project_id', () => sdkStartRow(randomUUID(), 'r'), 404, 'rows[1].project_id: project'],
    ['no log_id', (p) => ({ ...sdkStartRow(p, 'r'), log_id: undefined }), 400, "rows[1].log_id: expected 'g'"],
    ['another log_id', (p) => ({ ...sdkStartRow(p, 'r'), log_id: 'x' }), 400, "rows[1].log_id: expected 'g'"],
    ['an unknown field', (p) => ({ ...sdkStartRow(p, 'r'), org_id: 'o' }), 400, 'rows[1].org_id: unknown field'],
    ['a metric a string', (p) => ({ ...sdkStartRow(p, 'r'), metrics: { end: '2' } }), 400, 'rows[1].metrics.end: expected a number'],
    ['tags on a non-root row', (p) => ({ ...sdkStartRow(p, 'r'), span_parents: ['s'], tags: ['t'] }), 400, "rows[1]: Braintrust cannot specify 'tags'"],
  ])('a row with %s is rejected, and nothing of the batch is stored', async (_, makeRow, status, message) => {
    const id = await createProject();
    expectRejected(await logs3([sdkStartRow(id, 'good'), makeRow(id)]), status, message);
    expect(server.rows(id)).toEqual([]);
    expect(server.receivedCount('good')).toBe(0);
  });
});

// ------------------------------------------------------------------------------------------------
// Faults
// ------------------------------------------------------------------------------------------------

/** One request per route; bodies need not be valid, since faults come before every check. */
const ROUTE_REQUESTS: Array<[BraintrustRoute, () => Promise<Reply>]> = [
  ['project', () => call('/v1/project', { name: 'p' })],
  ['insert', () => insert(randomUUID(), [])],
  ['login', () => login()],
  ['register', () => call('/api/project/register', {})],
  ['get-project', () => call('/api/project?id=x')],
  ['version', () => call('/version')],
  ['logs3', () => logs3([])],
];

describe('faults', () => {
  test('status: answers the status once (times defaults to 1) with Retry-After, storing nothing', async () => {
    const id = await createProject();
    server.fault({ route: 'insert', kind: 'status', status: 429, retryAfter: 2 });
    const faulted = await insert(id, [{ id: 'r' }]);
    expect(faulted.status).toBe(429);
    expect(faulted.headers.get('retry-after')).toBe('2');
    expect(faulted.body.error).toContain('429');
    expect(server.rows(id)).toEqual([]);
    expect(server.receivedCount('r')).toBe(0);
    expect((await insert(id, [{ id: 'r' }])).status).toBe(200);
    expect(server.receivedCount('r')).toBe(1);
    expect(server.requests.map((r) => r.status)).toEqual([200, 429, 200]);
    expect(server.rejections).toEqual([]);
  });

  test('status without retryAfter sends no Retry-After', async () => {
    server.fault({ route: 'version', kind: 'status', status: 500 });
    const reply = await call('/version');
    expect(reply.status).toBe(500);
    expect(reply.headers.get('retry-after')).toBeNull();
  });

  test('times: n requests fail, then requests succeed', async () => {
    server.fault({ route: 'version', kind: 'status', status: 503, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('/version')).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  test('times: Infinity is an outage until clearFaults()', async () => {
    server.fault({ route: '*', kind: 'status', status: 503, times: Infinity });
    for (let i = 0; i < 5; i++) expect((await call('/version')).status).toBe(503);
    server.clearFaults();
    expect((await call('/version')).status).toBe(200);
  });

  test('faults are taken in the order they were added', async () => {
    server.fault({ route: 'version', kind: 'status', status: 429 });
    server.fault({ route: 'version', kind: 'status', status: 503 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('/version')).status);
    expect(statuses).toEqual([429, 503, 200]);
  });

  test('a fault applies to its route only; * to any route', async () => {
    server.fault({ route: 'insert', kind: 'status', status: 500 });
    expect((await call('/version')).status).toBe(200);
    expect((await insert(randomUUID(), [])).status).toBe(500);
    server.fault({ route: '*', kind: 'status', status: 502 });
    expect((await login()).status).toBe(502);
  });

  test.each(ROUTE_REQUESTS)('route %s can be faulted', async (route, request) => {
    server.fault({ route, kind: 'status', status: 500 });
    expect((await request()).status).toBe(500);
  });

  test('faults come before every check: a faulted request without a key gets the fault, and is no rejection', async () => {
    server.fault({ route: 'version', kind: 'status', status: 503 });
    expect((await call('/version', undefined, { key: null })).status).toBe(503);
    expect(server.rejections).toEqual([]);
  });

  test('slow: answers normally, and stores, after delayMs', async () => {
    const id = await createProject();
    server.fault({ route: 'insert', kind: 'slow', delayMs: 200 });
    const started = Date.now();
    const reply = await insert(id, [{ id: 'r' }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(reply.body).toEqual({ row_ids: ['r'] });
    expect(server.rows(id)).toHaveLength(1);
  });

  test('reset: the socket is destroyed without an answer, storing nothing; the next request works', async () => {
    const id = await createProject();
    server.fault({ route: 'insert', kind: 'reset' });
    await expect(insert(id, [{ id: 'r' }])).rejects.toThrow();
    expect(server.rows(id)).toEqual([]);
    expect(server.receivedCount('r')).toBe(0);
    expect(server.requests.at(-1)).toMatchObject({ path: `/v1/project_logs/${id}/insert`, status: 0 });
    expect((await insert(id, [{ id: 'r' }])).status).toBe(200);
  });

  test.each<[string, unknown]>([
    ['an unknown route', { route: 'experiments', kind: 'status', status: 500 }],
    ['an unknown kind', { route: 'insert', kind: 'hang' }],
    ['status without a status', { route: 'insert', kind: 'status' }],
    ['status not an HTTP status', { route: 'insert', kind: 'status', status: 1000 }],
    ['slow without delayMs', { route: 'insert', kind: 'slow' }],
    ['times below 1', { route: 'insert', kind: 'reset', times: 0 }],
  ])('fault() throws on %s', (_, spec) => {
    expect(() => server.fault(spec as Fault)).toThrow(TypeError);
  });
});

// ------------------------------------------------------------------------------------------------
// Observability and lifecycle
// ------------------------------------------------------------------------------------------------

describe('observability and lifecycle', () => {
  test('requests records method, path with query, status, body bytes and arrival time of every request', async () => {
    const before = Date.now();
    const body = JSON.stringify({ name: 'p' });
    await call('/v1/project', undefined, { raw: body });
    await call('/api/project?id=x');
    expect(server.requests).toEqual([
      { method: 'POST', path: '/v1/project', status: 200, bytes: Buffer.byteLength(body), at: expect.any(Number) },
      { method: 'GET', path: '/api/project?id=x', status: 404, bytes: 0, at: expect.any(Number) },
    ]);
    expect(server.requests[0].at).toBeGreaterThanOrEqual(before);
    expect(server.requests[1].at).toBeGreaterThanOrEqual(server.requests[0].at);
  });

  test('url and port', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  test('close() lets the process exit at once, with a keep-alive socket open and a slow answer pending', async () => {
    const script = `
      const { startBraintrustServer, DEFAULT_API_KEY } = require(${JSON.stringify(HELPER)});
      (async () => {
        const server = await startBraintrustServer();
        const headers = { authorization: 'Bearer ' + DEFAULT_API_KEY };
        await fetch(server.url + '/version', { headers }).then((r) => r.json());
        server.fault({ route: 'version', kind: 'slow', delayMs: 20000 });
        const pending = fetch(server.url + '/version', { headers }).then(() => 'answered', () => 'failed');
        await new Promise((resolve) => setTimeout(resolve, 50));
        await server.close();
        process.stdout.write(await pending);
      })();`;
    const started = Date.now();
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toBe('failed');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('standalone: `node braintrust-server.js` prints {"url": ...} and serves', async () => {
    const child = spawn(process.execPath, [HELPER], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout }).once('line', resolve));
      const { url } = JSON.parse(line);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${url}/version`, { headers: { authorization: `Bearer ${DEFAULT_API_KEY}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    } finally {
      child.kill();
    }
  });
});

describe('OTLP endpoint (for the benchmark side by side with @braintrust/otel)', () => {
  test('counts the spans of an OTLP/HTTP JSON export; a body without resourceSpans is a 400', async () => {
    const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'x' };
    const ok = await call('/otel/v1/traces', { resourceSpans: [{ scopeSpans: [{ spans: [span, span] }] }, { scopeSpans: [{ spans: [span] }, {}] }] });
    expect(ok.status).toBe(200);
    expect(server.otlpSpanCount()).toBe(3);
    expect((await call('/otel/v1/traces', { spans: [] })).status).toBe(400);
    expect((await call('/otel/v1/traces', { resourceSpans: [] }, { key: 'wrong' })).status).toBe(401);
    expect(server.otlpSpanCount()).toBe(3);
  });
});

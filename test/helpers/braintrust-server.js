'use strict';
/**
 * Braintrust API test server on 127.0.0.1. It serves the REST endpoints of our exporter's default transport
 * (`POST /v1/project`, `POST /v1/project_logs/{id}/insert`) and the protocol of the `braintrust` SDK
 * (`/api/apikey/login`, `/api/project/register`, `GET /api/project`, `GET /version`, `POST /logs3`), over one
 * store of projects and rows. Plain JavaScript so that jest tests (typed by braintrust-server.d.ts) and
 * child-process apps can both use it; `node test/helpers/braintrust-server.js [port]` runs it standalone and
 * prints `{"url": ...}` as one JSON line.
 *
 * It validates as strictly as the real service (fields and types of Braintrust's OpenAPI spec, where every
 * optional field is nullable), so an exporter cannot pass tests with rows the real API would reject. Every
 * 4xx it produces is kept in `rejections`, so a test can assert there were none.
 *
 * Storage follows the real API: rows are kept per project by id; a plain event replaces the row with its id
 * (which is what makes retries idempotent), `_is_merge: true` deep-merges into it (not below `_merge_paths`),
 * `_object_delete: true` removes it.
 *
 * Faults (`server.fault(...)`) are taken in the order they were added by matching requests, before any
 * check, as a gateway or network would fail:
 *   status   answer `status` (with Retry-After when `retryAfter` is set), storing nothing
 *   slow     answer normally (and store) after `delayMs`
 *   reset    read the request, then destroy the socket without an answer, storing nothing
 */
const http = require('node:http');
const { randomUUID } = require('node:crypto');

const DEFAULT_API_KEY = 'test-braintrust-key';
const ORG_NAME = 'test-org';
/** The real API's request size limit (also the SDK's DEFAULT_MAX_REQUEST_SIZE). */
const DEFAULT_MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/** The fields of InsertProjectLogsEvent; any other key is rejected (deliberately strict). */
const EVENT_FIELDS = new Set([
  'id', 'span_id', 'root_span_id', 'span_parents', 'created', 'input', 'output', 'expected', 'error', 'scores',
  'metadata', 'metrics', 'tags', 'context', 'span_attributes', 'origin', '_is_merge', '_merge_paths',
  '_object_delete', '_parent_id',
]);
/** A logs3 row also names its destination: the project's logs. */
const LOGS3_FIELDS = new Set([...EVENT_FIELDS, 'project_id', 'log_id']);
/** Fields that steer the write and are not part of the stored row. */
const CONTROL_FIELDS = ['_is_merge', '_merge_paths', '_object_delete', 'project_id', 'log_id'];
const SPAN_TYPES = ['llm', 'score', 'function', 'eval', 'task', 'tool', 'automation', 'facet', 'preprocessor', 'classifier', 'review'];
/** RFC 3339 date-time, the OpenAPI `date-time` format (seconds required, explicit offset). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const FAULT_KINDS = ['status', 'slow', 'reset'];

/** An answer other than 200, with Braintrust's `{"error": message}` body. */
class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function invalid(where, message) {
  throw new ApiError(400, `${where}: ${message}`);
}

// ------------------------------------------------------------------------------------------------
// Validation: one function per shape; `where` is the path named in the error message
// ------------------------------------------------------------------------------------------------

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks `object[key]` unless absent or null: every optional field of the spec is nullable. */
function optional(object, key, where, check) {
  const value = object[key];
  if (value !== undefined && value !== null) check(value, `${where}.${key}`);
}

function onlyKeys(object, allowed, where) {
  for (const key of Object.keys(object)) if (!allowed.has(key)) invalid(`${where}.${key}`, 'unknown field');
}

function checkString(value, where) {
  if (typeof value !== 'string') invalid(where, 'expected a string');
}

function checkNonEmptyString(value, where) {
  if (typeof value !== 'string' || value === '') invalid(where, 'expected a non-empty string');
}

function checkNumber(value, where) {
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(where, 'expected a number');
}

function checkBoolean(value, where) {
  if (typeof value !== 'boolean') invalid(where, 'expected a boolean');
}

function checkObject(value, where) {
  if (!isObject(value)) invalid(where, 'expected an object');
}

function checkStringArray(value, where) {
  if (!Array.isArray(value)) invalid(where, 'expected an array of strings');
  value.forEach((item, i) => checkString(item, `${where}[${i}]`));
}

function checkDateTime(value, where) {
  if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    invalid(where, 'expected an ISO-8601 date-time string');
  }
}

function checkMetrics(value, where) {
  checkObject(value, where);
  for (const [name, metric] of Object.entries(value)) if (metric !== null) checkNumber(metric, `${where}.${name}`);
}

function checkScores(value, where) {
  checkObject(value, where);
  for (const [name, score] of Object.entries(value)) {
    if (score !== null && (typeof score !== 'number' || !(score >= 0 && score <= 1))) {
      invalid(`${where}.${name}`, 'expected a number between 0 and 1');
    }
  }
}

function checkTags(value, where) {
  checkStringArray(value, where);
  const duplicate = value.find((tag, i) => value.indexOf(tag) !== i);
  if (duplicate !== undefined) invalid(where, `duplicate tag '${duplicate}'`);
}

/** Other keys are allowed: the SDK sends e.g. `exec_counter`. */
function checkSpanAttributes(value, where) {
  checkObject(value, where);
  optional(value, 'name', where, checkString);
  optional(value, 'type', where, (type, at) => {
    if (!SPAN_TYPES.includes(type)) invalid(at, `expected one of ${SPAN_TYPES.join(', ')}`);
  });
}

/** Other keys are allowed, as in the spec. */
function checkContext(value, where) {
  checkObject(value, where);
  optional(value, 'caller_filename', where, checkString);
  optional(value, 'caller_functionname', where, checkString);
  optional(value, 'caller_lineno', where, checkNumber);
}

function checkMergePaths(value, where) {
  if (!Array.isArray(value)) invalid(where, 'expected an array of field paths');
  value.forEach((path, i) => checkStringArray(path, `${where}[${i}]`));
}

/** The type of each event field that has one; input, output, expected and error take any JSON. */
const FIELD_CHECKS = {
  id: checkString,
  span_id: checkString,
  root_span_id: checkString,
  _parent_id: checkString,
  span_parents: checkStringArray,
  created: checkDateTime,
  metadata: checkObject,
  metrics: checkMetrics,
  scores: checkScores,
  tags: checkTags,
  span_attributes: checkSpanAttributes,
  context: checkContext,
  origin: checkObject,
  _is_merge: checkBoolean,
  _object_delete: checkBoolean,
  _merge_paths: checkMergePaths,
};

function checkEvent(event, where, fields = EVENT_FIELDS) {
  checkObject(event, where);
  onlyKeys(event, fields, where);
  for (const [key, check] of Object.entries(FIELD_CHECKS)) optional(event, key, where, check);
  const isRoot = !Array.isArray(event.span_parents) || event.span_parents.length === 0;
  if (!isRoot && event.tags != null) invalid(where, "Braintrust cannot specify 'tags' for non-root spans");
}

function checkLogs3Row(row, where) {
  checkEvent(row, where, LOGS3_FIELDS);
  checkNonEmptyString(row.project_id, `${where}.project_id`);
  if (row.log_id !== 'g') invalid(`${where}.log_id`, "expected 'g' (project logs)");
}

function checkCreateProject(body) {
  onlyKeys(body, new Set(['name', 'org_name', 'description']), 'body');
  checkNonEmptyString(body.name, 'body.name');
  optional(body, 'description', 'body', checkString);
  optional(body, 'org_name', 'body', (name, at) => {
    if (name !== ORG_NAME) invalid(at, `unknown organization (this server has '${ORG_NAME}')`);
  });
}

function checkRegister(body, orgId) {
  onlyKeys(body, new Set(['project_name', 'org_id']), 'body');
  checkNonEmptyString(body.project_name, 'body.project_name');
  if (body.org_id !== orgId) invalid('body.org_id', 'expected the org id returned by /api/apikey/login');
}

function checkInsert(body) {
  onlyKeys(body, new Set(['events']), 'body');
  if (!Array.isArray(body.events)) invalid('body.events', 'expected an array');
  body.events.forEach((event, i) => checkEvent(event, `events[${i}]`));
}

function checkLogs3(body) {
  onlyKeys(body, new Set(['rows', 'api_version']), 'body');
  if (!Array.isArray(body.rows)) invalid('body.rows', 'expected an array');
  if (body.api_version !== 2) invalid('body.api_version', 'expected 2');
  body.rows.forEach((row, i) => checkLogs3Row(row, `rows[${i}]`));
}

// ------------------------------------------------------------------------------------------------
// Store: projects by id, each with its rows by row id
// ------------------------------------------------------------------------------------------------

/** Braintrust's deep merge: objects merge key by key, anything else (arrays too) replaces; not below a merge path. */
function mergeInto(target, source, path, mergePaths) {
  for (const [key, value] of Object.entries(source)) {
    const at = [...path, key];
    const stop = mergePaths.some((p) => p.length === at.length && p.every((k, i) => k === at[i]));
    if (!stop && isObject(value) && isObject(target[key])) mergeInto(target[key], value, at, mergePaths);
    else target[key] = value;
  }
}

class Store {
  constructor() {
    this.orgId = randomUUID();
    this.userId = randomUUID();
    /** id → { project, rows: Map<row id, row> } */
    this.projects = new Map();
    /** row id → how many times it was received in a successful request */
    this.received = new Map();
  }

  /** Create or return existing, by name: the documented behaviour of both project endpoints. */
  project(name) {
    const found = this.named(name);
    if (found) return found.project;
    const project = { id: randomUUID(), org_id: this.orgId, name, created: new Date().toISOString(), deleted_at: null, user_id: this.userId, settings: null };
    this.projects.set(project.id, { project, rows: new Map() });
    return project;
  }

  named(name) {
    return [...this.projects.values()].find((p) => p.project.name === name);
  }

  find(nameOrId) {
    return this.projects.get(nameOrId) ?? this.named(nameOrId);
  }

  /** Writes one validated event and returns its row id. */
  write(entry, event) {
    const fields = { ...event };
    for (const key of CONTROL_FIELDS) delete fields[key];
    const id = event.id ?? randomUUID();
    fields.id = id;
    this.received.set(id, (this.received.get(id) ?? 0) + 1);
    const existing = entry.rows.get(id);
    if (event._object_delete) entry.rows.delete(id);
    else if (event._is_merge && existing) mergeInto(existing, fields, [], event._merge_paths ?? []);
    else entry.rows.set(id, fields);
    return id;
  }
}

// ------------------------------------------------------------------------------------------------
// Routes
// ------------------------------------------------------------------------------------------------

function projectEntry(state, id, where) {
  const entry = state.store.projects.get(id);
  if (!entry) throw new ApiError(404, `${where}: project '${id}' not found`);
  return entry;
}

function createProject(state, { body }) {
  checkCreateProject(body);
  return state.store.project(body.name);
}

function insertProjectLogs(state, { params, body }) {
  const entry = projectEntry(state, params[0], 'project_id');
  checkInsert(body);
  return { row_ids: body.events.map((event) => state.store.write(entry, event)) };
}

function login(state) {
  return { org_info: [{ id: state.store.orgId, name: ORG_NAME, api_url: state.url, proxy_url: null, git_metadata: null }] };
}

function registerProject(state, { body }) {
  checkRegister(body, state.store.orgId);
  return { project: state.store.project(body.project_name) };
}

function getProject(state, { query }) {
  const id = query.get('id');
  if (!id) invalid('id', 'expected a project id query parameter');
  return projectEntry(state, id, 'id').project;
}

/** No `logs3_payload_max_bytes`: the SDK then keeps its 6 MiB limit and never uses overflow uploads. */
function version() {
  return {};
}

function logs3(state, { body }) {
  checkLogs3(body);
  // Every row's project is checked before any row is written: a rejected request stores nothing.
  const entries = body.rows.map((row, i) => projectEntry(state, row.project_id, `rows[${i}].project_id`));
  body.rows.forEach((row, i) => state.store.write(entries[i], row));
  return {};
}

/**
 * Braintrust's OTLP/HTTP JSON endpoint (what `@braintrust/otel`'s processor sends to), for the
 * exporter benchmark's side-by-side run: spans are counted, not translated (the real service maps them
 * server-side).
 */
function otlpTraces(state, { body }) {
  if (!Array.isArray(body.resourceSpans)) invalid('resourceSpans', 'expected an array');
  for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans ?? []) state.otlpSpans += (scope.spans ?? []).length;
  return {};
}

/** `body`: whether the route takes a JSON body (login has none, though the SDK sends a JSON content type). */
const ROUTES = [
  { name: 'otlp', method: 'POST', path: /^\/otel\/v1\/traces$/, body: true, handle: otlpTraces },
  { name: 'project', method: 'POST', path: /^\/v1\/project$/, body: true, handle: createProject },
  { name: 'insert', method: 'POST', path: /^\/v1\/project_logs\/([^/]+)\/insert$/, body: true, handle: insertProjectLogs },
  { name: 'login', method: 'POST', path: /^\/api\/apikey\/login$/, body: false, handle: login },
  { name: 'register', method: 'POST', path: /^\/api\/project\/register$/, body: true, handle: registerProject },
  { name: 'get-project', method: 'GET', path: /^\/api\/project$/, body: false, handle: getProject },
  { name: 'version', method: 'GET', path: /^\/version$/, body: false, handle: version },
  { name: 'logs3', method: 'POST', path: /^\/logs3$/, body: true, handle: logs3 },
];
const ROUTE_NAMES = ROUTES.map((r) => r.name);

function findRoute(method, pathname) {
  for (const route of ROUTES) {
    const match = route.method === method && route.path.exec(pathname);
    if (match) return { route, params: match.slice(1) };
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------
// HTTP
// ------------------------------------------------------------------------------------------------

/** Checks the Bearer key; the key itself is never echoed or recorded. */
function authenticate(state, header) {
  const key = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  if (key !== undefined && state.forbiddenKeys.has(key)) throw new ApiError(403, 'this API key is not allowed to access this organization');
  if (key === undefined || !state.apiKeys.has(key)) throw new ApiError(401, 'missing or invalid API key (expected Authorization: Bearer <key>)');
}

function parseJsonBody(exchange) {
  const type = String(exchange.req.headers['content-type'] ?? '');
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new ApiError(400, `Content-Type: expected application/json, got '${type}'`);
  let body;
  try {
    body = JSON.parse(exchange.body.toString('utf8'));
  } catch (error) {
    throw new ApiError(400, `body: invalid JSON (${error.message})`);
  }
  if (!isObject(body)) invalid('body', 'expected a JSON object');
  return body;
}

/** The checks in a gateway's order: size, then key, then route, then body. */
function dispatch(state, exchange, found, url) {
  if (exchange.bytes > state.maxRequestBytes) {
    throw new ApiError(413, `request body of ${exchange.bytes} bytes exceeds the limit of ${state.maxRequestBytes} bytes`);
  }
  authenticate(state, exchange.req.headers.authorization);
  if (!found) throw new ApiError(404, `no route for ${exchange.req.method} ${url.pathname}`);
  const body = found.route.body ? parseJsonBody(exchange) : undefined;
  return found.route.handle(state, { params: found.params, query: url.searchParams, body });
}

function send(exchange, status, payload, headers = {}) {
  const text = JSON.stringify(payload);
  exchange.record.status = status;
  exchange.res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  exchange.res.end(text);
}

function answer(state, exchange, found, url) {
  try {
    send(exchange, 200, dispatch(state, exchange, found, url));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    state.rejections.push({ path: exchange.record.path, status: error.status, message: error.message });
    send(exchange, error.status, { error: error.message });
  }
}

/** The first fault added that matches the route, used up after `times` requests. */
function takeFault(faults, routeName) {
  const fault = faults.find((f) => f.route === '*' || f.route === routeName);
  if (fault && --fault.remaining <= 0) faults.splice(faults.indexOf(fault), 1);
  return fault;
}

function applyFault(state, exchange, fault, found, url) {
  if (fault.kind === 'status') {
    const headers = fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
    send(exchange, fault.status, { error: `injected fault: HTTP ${fault.status}` }, headers);
  } else if (fault.kind === 'reset') {
    exchange.req.socket.destroy();
  } else {
    const timer = setTimeout(() => {
      state.timers.delete(timer);
      answer(state, exchange, found, url);
    }, fault.delayMs);
    state.timers.add(timer);
  }
}

/** Reads the whole body, keeping none of it past the size limit (so an oversized request is answered, not cut off). */
function receive(state, req, res) {
  const at = Date.now();
  const parts = [];
  let bytes = 0;
  req.on('data', (chunk) => {
    bytes += chunk.length;
    if (bytes <= state.maxRequestBytes) parts.push(chunk);
  });
  req.on('end', () => {
    // status stays 0 when the request is reset without an answer.
    const record = { method: req.method, path: req.url, status: 0, bytes, at };
    state.requests.push(record);
    const exchange = { req, res, record, bytes, body: Buffer.concat(parts) };
    const url = new URL(req.url, state.url);
    const found = findRoute(req.method, url.pathname);
    const fault = found && takeFault(state.faults, found.route.name);
    if (fault) applyFault(state, exchange, fault, found, url);
    else answer(state, exchange, found, url);
  });
}

function checkFault(spec) {
  if (spec.route !== '*' && !ROUTE_NAMES.includes(spec.route)) throw new TypeError(`fault: unknown route '${spec.route}' (one of ${ROUTE_NAMES.join(', ')}, *)`);
  if (!FAULT_KINDS.includes(spec.kind)) throw new TypeError(`fault: unknown kind '${spec.kind}' (one of ${FAULT_KINDS.join(', ')})`);
  if (spec.kind === 'status' && !(Number.isInteger(spec.status) && spec.status >= 100 && spec.status <= 599)) throw new TypeError('fault: kind status needs an HTTP status');
  if (spec.kind === 'slow' && !(spec.delayMs >= 0)) throw new TypeError('fault: kind slow needs delayMs');
  if (spec.times !== undefined && !(spec.times >= 1)) throw new TypeError('fault: times must be at least 1');
}

/**
 * @param {{ port?: number, apiKeys?: string[], forbiddenKeys?: string[], maxRequestBytes?: number }} options
 * @returns {Promise<import('./braintrust-server').BraintrustServer>}
 */
function startBraintrustServer(options = {}) {
  const state = {
    apiKeys: new Set(options.apiKeys ?? [DEFAULT_API_KEY]),
    forbiddenKeys: new Set(options.forbiddenKeys ?? []),
    maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    store: new Store(),
    faults: [],
    timers: new Set(),
    requests: [],
    rejections: [],
    otlpSpans: 0,
    url: '',
  };
  const server = http.createServer((req, res) => receive(state, req, res));
  const { store } = state;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address();
      state.url = `http://127.0.0.1:${port}`;
      resolve({
        url: state.url,
        port,
        orgId: store.orgId,
        requests: state.requests,
        rejections: state.rejections,
        // Copies, so a test cannot change what the server holds.
        projects: () => [...store.projects.values()].map((p) => structuredClone(p.project)),
        rows: (nameOrId) => structuredClone([...(store.find(nameOrId)?.rows.values() ?? [])]),
        receivedCount: (rowId) => store.received.get(rowId) ?? 0,
        otlpSpanCount: () => state.otlpSpans,
        fault: (spec) => {
          checkFault(spec);
          state.faults.push({ ...spec, remaining: spec.times ?? 1 });
        },
        clearFaults: () => {
          state.faults.length = 0;
        },
        close: () =>
          new Promise((done) => {
            for (const timer of state.timers) clearTimeout(timer);
            server.close(() => done());
            // Keep-alive sockets (fetch keeps them) would otherwise hold the server, and jest, open.
            server.closeAllConnections();
          }),
      });
    });
  });
}

module.exports = { startBraintrustServer, DEFAULT_API_KEY, ORG_NAME };

if (require.main === module) {
  startBraintrustServer({ port: Number(process.argv[2] || 0) }).then((server) => {
    process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
    // Under a parent process (the benchmark): faults and counts over IPC.
    process.on('message', (message) => {
      if (message.cmd === 'fault') server.fault({ ...message.fault, times: message.fault.times ?? Infinity });
      else if (message.cmd === 'clearFaults') server.clearFaults();
      else if (message.cmd === 'counts') {
        const rows = server.projects().reduce((sum, p) => sum + server.rows(p.id).length, 0);
        process.send({ id: message.id, rows, otlpSpans: server.otlpSpanCount(), requests: server.requests.length });
      }
    });
  });
}

import * as zlib from 'node:zlib';
import { callAttributes } from '../../src/annotate';
import { LlmExchange, type ExchangeOptions } from '../../src/exchange';
import { costEstimatorFor, createCostEstimator } from '../../src/pricing/cost';
import type { LlmCall } from '../../src/llm-call';
import { matchRoute, type RouteMatch, type RouteRule } from '../../src/routes';
import { contentType, loadFixtures, wireResponseBytes, type Fixture } from '../helpers/fixtures';
import { prng } from '../helpers/prng';

// ------------------------------------------------------------------------------------------------
// Helpers (test-side readings of the fixtures, independent of the code under test)
// ------------------------------------------------------------------------------------------------

/** Together is in the built-in table; the rule pins the expectation even if the table changes. */
const RULES: RouteRule[] = [{ host: 'api.together.xyz', provider: 'together' }];

const EXPECTED_PROVIDER: Record<string, string> = { openai: 'openai', anthropic: 'anthropic', 'aws-bedrock': 'aws.bedrock', together: 'together' };

const OPTIONS: ExchangeOptions = { captureContent: true, maxCaptureBytes: 1024 * 1024 };

function urlOf(f: Fixture): URL {
  return new URL(f.request.url);
}

function routeOf(f: Fixture): RouteMatch | undefined {
  const u = urlOf(f);
  return matchRoute({ method: f.request.method, host: u.hostname, port: u.port ? Number(u.port) : undefined, path: u.pathname + u.search }, RULES);
}

function lowerHeaders(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}


type Chunking = 'whole' | 'bytewise' | { seed: number; max: number };

function split(bytes: Buffer, how: Chunking): Buffer[] {
  if (how === 'whole') return [Buffer.from(bytes)];
  const out: Buffer[] = [];
  const r = prng(how === 'bytewise' ? 0 : how.seed);
  const max = how === 'bytewise' ? 1 : how.max;
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * max);
    // Fresh copies, so a capture that kept references instead of copying would be caught by the reuse below.
    out.push(Buffer.from(bytes.subarray(i, i + n)));
    i += n;
  }
  return out;
}

interface RunInput {
  route: RouteMatch;
  requestBody: Buffer;
  requestEncoding?: string;
  status: number;
  headers: Record<string, string>;
  response: Buffer;
}

function inputOf(f: Fixture): RunInput {
  return { route: routeOf(f)!, requestBody: Buffer.from(f.request.body, 'utf8'), status: f.response.status, headers: lowerHeaders(f.response.headers), response: wireResponseBytes(f) };
}

function run(input: RunInput, how: Chunking = 'whole', options: ExchangeOptions = OPTIONS, complete = true): LlmCall {
  const ex = new LlmExchange(input.route, options, { address: 'example.test', port: 443 });
  ex.onRequestHeaders(input.requestEncoding);
  for (const c of split(input.requestBody, how)) ex.onRequestData(c);
  ex.onResponseHead(input.status, (name) => input.headers[name]);
  for (const c of split(input.response, how)) {
    ex.onResponseData(c);
    c.fill(0); // the caller reuses its buffer: the exchange must have copied what it keeps
  }
  return ex.finish({ complete });
}

/** Results without the wall-clock measurement. */
function stable(call: LlmCall): LlmCall {
  const { timeToFirstChunk: _t, ...rest } = call;
  return rest as LlmCall;
}

function decodedText(f: Fixture): string | undefined {
  const bytes = wireResponseBytes(f);
  if ((f.response.headers['content-encoding'] ?? '') !== 'gzip') return bytes.toString('utf8');
  try {
    return zlib.gunzipSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
  } catch {
    return undefined;
  }
}

function responseJson(f: Fixture): any | undefined {
  const text = decodedText(f);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function strictGunzipOk(f: Fixture): boolean {
  try {
    zlib.gunzipSync(wireResponseBytes(f));
    return true;
  } catch {
    return false;
  }
}

const anthropicInput = (u: any) => (u.input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);

/** Token counts as the documented body fields state them, in semconv terms (input includes cache). */
function usageFromBody(body: any, headers: Record<string, string>): { input?: number; output?: number } {
  let input: number | undefined;
  let output: number | undefined;
  const u = body?.usage;
  if (u && typeof u === 'object') {
    if (typeof u.prompt_tokens === 'number') {
      input = u.prompt_tokens; // OpenAI: prompt_tokens already includes cached tokens
      output = u.completion_tokens;
    } else if (typeof u.input_tokens === 'number') {
      if (body.object === 'response') {
        input = u.input_tokens; // Responses: input_tokens includes cached tokens
        output = u.output_tokens;
      } else {
        input = anthropicInput(u); // Anthropic: input_tokens excludes cache reads and writes
        output = u.output_tokens;
      }
    } else if (typeof u.inputTokens === 'number') {
      input = u.inputTokens;
      output = u.outputTokens;
    }
  }
  if (typeof body?.inputTextTokenCount === 'number') {
    input = body.inputTextTokenCount;
    output = (body.results ?? []).reduce((s: number, r: any) => s + (r.tokenCount ?? 0), 0);
  }
  if (typeof body?.prompt_token_count === 'number') {
    input = body.prompt_token_count;
    output = body.generation_token_count;
  }
  const hi = headers['x-amzn-bedrock-input-token-count'];
  const ho = headers['x-amzn-bedrock-output-token-count'];
  if (input === undefined && hi !== undefined) input = Number(hi);
  if (output === undefined && ho !== undefined) output = Number(ho);
  return { input, output };
}

/** SSE data payloads, read with plain string code. */
function sseData(text: string): unknown[] {
  const out: unknown[] = [];
  for (const block of text.replace(/\r\n|\r/g, '\n').split('\n\n')) {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''));
    if (data.length === 0) continue;
    const joined = data.join('\n');
    try {
      out.push(JSON.parse(joined));
    } catch {
      out.push(joined);
    }
  }
  return out;
}

function expectedFromSse(text: string): { id?: string; input?: number; output?: number } {
  const events = sseData(text).filter((e): e is any => typeof e === 'object' && e !== null);
  const first = events[0];
  const id = first?.message?.id ?? first?.response?.id ?? first?.id;
  let input: number | undefined;
  let output: number | undefined;
  for (const ev of events) {
    if (ev.type === 'message_start' && ev.message?.usage) {
      input = anthropicInput(ev.message.usage);
      output = ev.message.usage.output_tokens;
    } else if (ev.type === 'message_delta' && ev.usage) {
      output = ev.usage.output_tokens;
      if (typeof ev.usage.input_tokens === 'number') input = anthropicInput(ev.usage);
    } else if ((ev.type === 'response.completed' || ev.type === 'response.incomplete') && ev.response?.usage) {
      input = ev.response.usage.input_tokens;
      output = ev.response.usage.output_tokens;
    } else if (ev.usage && typeof ev.usage === 'object' && typeof ev.usage.prompt_tokens === 'number') {
      input = ev.usage.prompt_tokens;
      output = ev.usage.completion_tokens;
    }
  }
  return { id, input, output };
}

/** Independent frame walk of an AWS event stream: event type and JSON payload of each message. */
function awsFrames(bytes: Buffer): Array<{ eventType: string; payload: any }> {
  const out: Array<{ eventType: string; payload: any }> = [];
  for (let o = 0; o + 12 <= bytes.length; ) {
    const total = bytes.readUInt32BE(o);
    const hl = bytes.readUInt32BE(o + 4);
    if (o + total > bytes.length) break;
    const headers = bytes.toString('latin1', o + 12, o + 12 + hl);
    const m = /:event-type\x07\x00(.)/s.exec(headers);
    const eventType = m ? headers.substr(m.index + m[0].length, m[1]!.charCodeAt(0)) : '';
    out.push({ eventType, payload: JSON.parse(bytes.toString('utf8', o + 12 + hl, o + total - 4)) });
    o += total;
  }
  return out;
}

function expectedFromAws(bytes: Buffer): { input?: number; output?: number; carriesUsage: boolean } {
  let input: number | undefined;
  let output: number | undefined;
  let carriesUsage = false;
  for (const { eventType, payload } of awsFrames(bytes)) {
    if (eventType === 'metadata' && payload.usage) {
      carriesUsage = true;
      input = payload.usage.inputTokens;
      output = payload.usage.outputTokens;
    }
    if (typeof payload.bytes === 'string') {
      const chunk = JSON.parse(Buffer.from(payload.bytes, 'base64').toString('utf8'));
      const metrics = chunk['amazon-bedrock-invocationMetrics'];
      if (metrics) {
        carriesUsage = true;
        input = metrics.inputTokenCount;
        output = metrics.outputTokenCount;
      }
    }
  }
  return { input, output, carriesUsage };
}

function requestModel(f: Fixture): string | undefined {
  let body: any;
  try {
    body = JSON.parse(f.request.body);
  } catch {
    body = undefined;
  }
  if (typeof body?.model === 'string') return body.model;
  const m = /\/model\/([^/]+)\//.exec(urlOf(f).pathname);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

function requestStreams(f: Fixture): boolean {
  let body: any;
  try {
    body = JSON.parse(f.request.body);
  } catch {
    body = undefined;
  }
  return body?.stream === true || /(-stream|stream[A-Z]\w*)$/.test(urlOf(f).pathname) || /:stream/.test(urlOf(f).pathname);
}

const isSse = (f: Fixture) => contentType(f) === 'text/event-stream';
const isAwsStream = (f: Fixture) => contentType(f) === 'application/vnd.amazon.eventstream';

// ------------------------------------------------------------------------------------------------
// Every fixture, end to end
// ------------------------------------------------------------------------------------------------

const all = loadFixtures();

describe('fixtures: routing', () => {
  test('the corpus is there', () => {
    expect(all.length).toBeGreaterThan(100);
  });

  test.each(all.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const route = routeOf(f);
    if (urlOf(f).pathname.endsWith('/images/generations')) {
      // Image generation is no API family of ours: not claimed.
      expect(route).toBeUndefined();
      return;
    }
    expect(route).toBeDefined();
    expect(route!.provider).toBe(EXPECTED_PROVIDER[f.family]);
  });
});

const routed = all.filter((f) => routeOf(f) !== undefined);

describe('fixtures: LlmExchange end to end', () => {
  test.each(routed.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const input = inputOf(f);
    const whole = run(input, 'whole');

    // Identical across chunkings (request and response bodies both split).
    const chunkings: Chunking[] = [{ seed: 1, max: 7 }, { seed: 2, max: 97 }, { seed: 3, max: 4096 }];
    if (input.response.length <= 20_000) chunkings.push('bytewise');
    for (const how of chunkings) expect(stable(run(input, how))).toEqual(stable(whole));

    expect(whole.family).toBe(input.route.family);
    expect(whole.provider).toBe(EXPECTED_PROVIDER[f.family]);
    expect(whole.httpStatus).toBe(f.response.status);
    expect(whole.serverAddress).toBe('example.test');
    expect(whole.serverPort).toBe(443);
    expect(whole.request.model).toBe(requestModel(f));
    expect(Boolean(whole.request.stream)).toBe(requestStreams(f));

    if (f.response.status >= 400) {
      expect(whole.response.error?.type).toBeDefined();
      expect(whole.response.usage).toBeUndefined();
      return;
    }
    expect(whole.response.error).toBeUndefined();

    if (isSse(f)) {
      const exp = expectedFromSse(wireResponseBytes(f).toString('utf8'));
      expect(exp.id).toBeDefined();
      expect(whole.response.id).toBe(exp.id);
      expect(whole.response.usage?.inputTokens).toBe(exp.input);
      expect(whole.response.usage?.outputTokens).toBe(exp.output);
      expect(whole.partial).toBe(false);
      expect(whole.timeToFirstChunk).toBeGreaterThanOrEqual(0);
      return;
    }

    if (isAwsStream(f)) {
      const exp = expectedFromAws(wireResponseBytes(f));
      if (exp.carriesUsage) {
        expect(whole.response.usage?.inputTokens).toBe(exp.input);
        expect(whole.response.usage?.outputTokens).toBe(exp.output);
      }
      expect(whole.response.finishReasons?.length).toBe(1);
      expect(whole.response.outputMessages?.length).toBe(1);
      expect(whole.partial).toBe(false);
      expect(whole.timeToFirstChunk).toBeGreaterThanOrEqual(0);
      return;
    }

    // Non-stream JSON.
    expect(whole.timeToFirstChunk).toBeUndefined();
    const body = responseJson(f);
    if (body === undefined) {
      // A truncated recording whose gzip body cannot be decompressed to complete JSON.
      expect(f.response.headers['content-encoding']).toBe('gzip');
      expect(whole.partial).toBe(true);
      return;
    }
    if (f.response.headers['content-encoding'] !== 'gzip' || strictGunzipOk(f)) expect(whole.partial).toBe(false);
    if (typeof body.id === 'string') expect(whole.response.id).toBe(body.id);
    if (typeof body.model === 'string') expect(whole.response.model).toBe(body.model);
    const usage = usageFromBody(body, input.headers);
    expect(whole.response.usage?.inputTokens).toBe(usage.input);
    expect(whole.response.usage?.outputTokens).toBe(usage.output);
  });

  test.each(routed.map((f) => [f.id, f] as const))('%s: captureContent=false records no messages', (_id, f) => {
    const call = run(inputOf(f), { seed: 5, max: 300 }, { ...OPTIONS, captureContent: false });
    expect(call.request.inputMessages).toBeUndefined();
    expect(call.request.systemInstructions).toBeUndefined();
    expect(call.request.toolDefinitions).toBeUndefined();
    expect(call.response.outputMessages).toBeUndefined();
    // The rest is as with content on.
    const on = run(inputOf(f));
    expect(call.response.usage).toEqual(on.response.usage);
    expect(call.response.id).toEqual(on.response.id);
    expect(call.request.model).toEqual(on.request.model);
  });
});

describe('fixtures: error bodies without a code', () => {
  const errors = routed.filter((f) => f.response.status >= 400);

  test('there are error fixtures and their bodies name no code', () => {
    expect(errors.length).toBeGreaterThan(0);
    for (const f of errors) expect(responseJson(f)).toEqual({ message: expect.any(String) });
  });

  // A body without a code (and no x-amzn-ErrorType header in these recordings): the status code names the error.
  test.each(errors.map((f) => [f.id, f] as const))('%s: error.type is the status code', (_id, f) => {
    expect(run(inputOf(f)).response.error?.type).toBe(String(f.response.status));
  });
});

test('AWS error class from the x-amzn-ErrorType header when the body names none', () => {
  const f = routed.find((x) => x.family === 'aws-bedrock' && x.response.status >= 400)!;
  const input = inputOf(f);
  // The documented header form: the class name, then a colon and a namespace URL.
  input.headers['x-amzn-errortype'] = 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/';
  const error = run(input).response.error!;
  expect(error.type).toBe('AccessDeniedException');
  expect(error.message).toBe(responseJson(f).message);
});

describe('fixtures: streams cut in the middle', () => {
  const streams = routed.filter((f) => f.response.status < 400 && (isSse(f) || isAwsStream(f)));

  test.each(streams.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const input = inputOf(f);
    const cut = { ...input, response: input.response.subarray(0, Math.floor(input.response.length / 2)) };
    let call!: LlmCall;
    expect(() => (call = run(cut, { seed: 9, max: 64 }, OPTIONS, false))).not.toThrow();
    expect(call.partial).toBe(true);
    expect(call.request.model).toBe(requestModel(f));
    if (isSse(f)) {
      // The first event (with the id) is in the first half of every transcript.
      expect(call.response.id).toBe(expectedFromSse(input.response.toString('utf8')).id);
    }
    expect(call.timeToFirstChunk).toBeGreaterThanOrEqual(0);
  });
});

// ------------------------------------------------------------------------------------------------
// Synthetic exchanges
// ------------------------------------------------------------------------------------------------

const OPENAI_CHAT: RouteMatch = matchRoute({ method: 'POST', host: 'api.openai.com', path: '/v1/chat/completions' })!;
const JSON_HEADERS = { 'content-type': 'application/json' };
const chatRequest = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }));

describe('errors', () => {
  test('429 with the documented OpenAI error JSON → error.type is the error code', () => {
    const body = { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    const call = run({ route: OPENAI_CHAT, requestBody: chatRequest, status: 429, headers: JSON_HEADERS, response: Buffer.from(JSON.stringify(body)) });
    expect(call.httpStatus).toBe(429);
    expect(call.response.error?.type).toBe('rate_limit_exceeded');
    expect(call.response.usage).toBeUndefined();
    expect(call.partial).toBe(false);
  });

  test('500 with a body that names no code → error.type is the status code', () => {
    const call = run({ route: OPENAI_CHAT, requestBody: chatRequest, status: 500, headers: JSON_HEADERS, response: Buffer.from('{"error":{"message":"The server had an error"}}') });
    expect(call.response.error?.type).toBe('500');
  });

  test('502 with an HTML body → error.type is the status code, no throw', () => {
    const call = run({ route: OPENAI_CHAT, requestBody: chatRequest, status: 502, headers: { 'content-type': 'text/html' }, response: Buffer.from('<html><body>Bad Gateway</body></html>') });
    expect(call.response.error?.type).toBe('502');
  });

  test('error with an empty body → error.type is the status code', () => {
    const call = run({ route: OPENAI_CHAT, requestBody: chatRequest, status: 503, headers: {}, response: Buffer.alloc(0) });
    expect(call.response.error?.type).toBe('503');
  });

  test('an error status with an SSE content type is still read as an error body', () => {
    const body = { error: { message: 'x', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } };
    const call = run({ route: OPENAI_CHAT, requestBody: chatRequest, status: 404, headers: { 'content-type': 'text/event-stream' }, response: Buffer.from(JSON.stringify(body)) });
    expect(call.response.error?.type).toBe('model_not_found');
  });

  test('a transport error is reported when the body names none', () => {
    const ex = new LlmExchange(OPENAI_CHAT, OPTIONS);
    ex.onRequestData(chatRequest);
    ex.onResponseHead(200, (n) => (n === 'content-type' ? 'text/event-stream' : undefined));
    ex.onResponseData(Buffer.from('data: {"id":"chatcmpl-x","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[]}\n\n'));
    const call = ex.finish({ complete: false, transportError: 'ECONNRESET' });
    expect(call.response.error?.type).toBe('ECONNRESET');
    expect(call.response.id).toBe('chatcmpl-x');
    expect(call.partial).toBe(true);
  });
});

describe('robustness', () => {
  test('invalid JSON response body → partial with diagnostics, no throw', () => {
    let call!: LlmCall;
    expect(() => (call = run({ route: OPENAI_CHAT, requestBody: chatRequest, status: 200, headers: JSON_HEADERS, response: Buffer.from('{"id": "chatcmpl-1", "choices": [oops') }))).not.toThrow();
    expect(call.partial).toBe(true);
    expect(call.diagnostics?.length).toBeGreaterThan(0);
    expect(call.diagnostics!.join(' ')).not.toContain('oops'); // diagnostics never carry body content
    expect(call.request.model).toBe('gpt-4o-mini');
  });

  test('invalid JSON request body → partial with diagnostics, no throw', () => {
    const ok = Buffer.from(JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion', model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }));
    const call = run({ route: OPENAI_CHAT, requestBody: Buffer.from('model=gpt-4o&x=1'), status: 200, headers: JSON_HEADERS, response: ok });
    expect(call.partial).toBe(true);
    expect(call.diagnostics?.length).toBeGreaterThan(0);
    expect(call.response.id).toBe('chatcmpl-2');
    expect(call.response.usage?.outputTokens).toBe(2);
  });

  test('gzip body that decodes to nothing is partial', () => {
    const gz = zlib.gzipSync(Buffer.from(JSON.stringify({ id: 'chatcmpl-3', model: 'gpt-4o-mini', choices: [] })));
    const call = run({ route: OPENAI_CHAT, requestBody: chatRequest, status: 200, headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' }, response: gz.subarray(0, 10) });
    expect(call.partial).toBe(true);
  });

  test('corrupt gzip body → partial with a diagnostic, no throw', () => {
    const call = run({ route: OPENAI_CHAT, requestBody: chatRequest, status: 200, headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' }, response: Buffer.from('not gzip at all') });
    expect(call.partial).toBe(true);
    expect(call.diagnostics?.some((d) => d.includes('gzip'))).toBe(true);
  });

  test('gzip-compressed request body is decoded', () => {
    const call = run({ route: OPENAI_CHAT, requestBody: zlib.gzipSync(chatRequest), requestEncoding: 'gzip', status: 200, headers: JSON_HEADERS, response: Buffer.from('{}') });
    expect(call.request.model).toBe('gpt-4o-mini');
  });

  test('a body larger than the cap → partial, but id/model from the head and usage from the tail', () => {
    const big = {
      id: 'chatcmpl-big',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, message: { role: 'assistant', content: 'word '.repeat(20_000) }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1234, completion_tokens: 20001, total_tokens: 21235, prompt_tokens_details: { cached_tokens: 1024 } },
    };
    const response = Buffer.from(JSON.stringify(big));
    expect(response.length).toBeGreaterThan(100_000);
    const input: RunInput = { route: OPENAI_CHAT, requestBody: chatRequest, status: 200, headers: JSON_HEADERS, response };
    const options = { captureContent: true, maxCaptureBytes: 4096 };
    const whole = run(input, 'whole', options);
    expect(whole.partial).toBe(true);
    expect(whole.response.id).toBe('chatcmpl-big');
    expect(whole.response.model).toBe('gpt-4o-2024-08-06');
    expect(whole.response.usage?.inputTokens).toBe(1234);
    expect(whole.response.usage?.outputTokens).toBe(20001);
    expect(whole.response.usage?.cacheReadInputTokens).toBe(1024);
    expect(whole.diagnostics?.length).toBeGreaterThan(0);
    for (const how of [{ seed: 11, max: 1000 }, { seed: 12, max: 50 }] as const) expect(stable(run(input, how, options))).toEqual(stable(whole));
  });

  test('a request body larger than the cap → partial, model still found in the head', () => {
    const req = Buffer.from(JSON.stringify({ model: 'gpt-4o', stream: false, messages: [{ role: 'user', content: 'q'.repeat(50_000) }] }));
    const call = run({ route: OPENAI_CHAT, requestBody: req, status: 200, headers: JSON_HEADERS, response: Buffer.from('{"id":"c","object":"chat.completion","model":"gpt-4o","choices":[]}') }, 'whole', { captureContent: true, maxCaptureBytes: 4096 });
    expect(call.partial).toBe(true);
    expect(call.request.model).toBe('gpt-4o');
    expect(call.response.id).toBe('c');
  });

  test('a stream cut in the middle → partial with what was seen', () => {
    const sse = [
      { id: 'chatcmpl-s', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] },
      { id: 'chatcmpl-s', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] },
    ]
      .map((e) => `data: ${JSON.stringify(e)}\n\n`)
      .join('');
    const req = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] }));
    const call = run({ route: OPENAI_CHAT, requestBody: req, status: 200, headers: { 'content-type': 'text/event-stream' }, response: Buffer.from(sse + 'data: {"id":"chatcmpl-s","choi') }, 'whole', OPTIONS, false);
    expect(call.partial).toBe(true);
    expect(call.response.id).toBe('chatcmpl-s');
    expect(call.response.model).toBe('gpt-4o-mini');
    const text = (call.response.outputMessages?.[0]?.parts ?? []).map((p) => (p as { content?: string }).content ?? '').join('');
    expect(text).toBe('Hello');
    expect(call.response.usage).toBeUndefined();
    expect(call.request.stream).toBe(true);
  });

  test('finish is idempotent, and later data is ignored', () => {
    const ex = new LlmExchange(OPENAI_CHAT, OPTIONS);
    ex.onRequestData(chatRequest);
    ex.onResponseHead(200, (n) => (n === 'content-type' ? 'application/json' : undefined));
    ex.onResponseData(Buffer.from('{"id":"chatcmpl-i","object":"chat.completion","model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}'));
    expect(ex.finished).toBe(false);
    const first = ex.finish({ complete: true });
    expect(ex.finished).toBe(true);
    ex.onResponseData(Buffer.from('garbage'));
    ex.onRequestData(Buffer.from('garbage'));
    ex.onResponseHead(500, () => undefined);
    const second = ex.finish({ complete: false, transportError: 'ECONNRESET' });
    expect(second).toBe(first);
    expect(second.partial).toBe(false);
    expect(second.httpStatus).toBe(200);
    expect(second.response.id).toBe('chatcmpl-i');
    expect(second.response.error).toBeUndefined();
  });

  test('finish without a response → partial, no throw', () => {
    const ex = new LlmExchange(OPENAI_CHAT, OPTIONS);
    ex.onRequestData(chatRequest);
    const call = ex.finish({ complete: false, transportError: 'ETIMEDOUT' });
    expect(call.partial).toBe(true);
    expect(call.request.model).toBe('gpt-4o-mini');
    expect(call.response.error?.type).toBe('ETIMEDOUT');
    expect(call.httpStatus).toBeUndefined();
  });

  test('time to first chunk only for streams', () => {
    const nonStream = run({ route: OPENAI_CHAT, requestBody: chatRequest, status: 200, headers: JSON_HEADERS, response: Buffer.from('{"id":"a","object":"chat.completion","model":"m","choices":[]}') });
    expect(nonStream.timeToFirstChunk).toBeUndefined();
    const streamReq = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [] }));
    const stream = run({ route: OPENAI_CHAT, requestBody: streamReq, status: 200, headers: { 'content-type': 'text/event-stream' }, response: Buffer.from('data: {"id":"a","choices":[]}\n\ndata: [DONE]\n\n') });
    expect(typeof stream.timeToFirstChunk).toBe('number');
    expect(stream.timeToFirstChunk).toBeGreaterThanOrEqual(0);
    expect(stream.timeToFirstChunk).toBeLessThan(60);
  });
});

describe('Bedrock token-count headers', () => {
  const url = 'https://bedrock-runtime.us-east-1.amazonaws.com/model/cohere.command-text-v14/invoke';
  const u = new URL(url);
  const route = matchRoute({ method: 'POST', host: u.hostname, path: u.pathname })!;
  const requestBody = Buffer.from(JSON.stringify({ prompt: 'Hi', max_tokens: 10 }));

  test('fill usage when the body has none', () => {
    const response = Buffer.from(JSON.stringify({ generations: [{ finish_reason: 'COMPLETE', id: 'g1', text: 'Hello' }] }));
    const call = run({ route, requestBody, status: 200, headers: { 'content-type': 'application/json', 'x-amzn-bedrock-input-token-count': '7', 'x-amzn-bedrock-output-token-count': '9' }, response });
    expect(call.response.usage?.inputTokens).toBe(7);
    expect(call.response.usage?.outputTokens).toBe(9);
    expect(call.request.model).toBe('cohere.command-text-v14');
  });

  test('do not override counts the body states', () => {
    const titanUrl = new URL('https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-text-express-v1/invoke');
    const titan = matchRoute({ method: 'POST', host: titanUrl.hostname, path: titanUrl.pathname })!;
    const response = Buffer.from(JSON.stringify({ inputTextTokenCount: 8, results: [{ tokenCount: 15, outputText: 'x', completionReason: 'FINISH' }] }));
    const call = run({ route: titan, requestBody: Buffer.from('{"inputText":"Hi"}'), status: 200, headers: { 'content-type': 'application/json', 'x-amzn-bedrock-input-token-count': '100', 'x-amzn-bedrock-output-token-count': '200' }, response });
    expect(call.response.usage?.inputTokens).toBe(8);
    expect(call.response.usage?.outputTokens).toBe(15);
  });

  test('invalid header values are ignored', () => {
    const response = Buffer.from(JSON.stringify({ generations: [{ finish_reason: 'COMPLETE', text: 'Hello' }] }));
    const call = run({ route, requestBody, status: 200, headers: { 'content-type': 'application/json', 'x-amzn-bedrock-input-token-count': 'abc', 'x-amzn-bedrock-output-token-count': '-1' }, response });
    expect(call.response.usage?.inputTokens).toBeUndefined();
    expect(call.response.usage?.outputTokens).toBeUndefined();
  });
});

describe('binary garbage on an LLM route', () => {
  const route = matchRoute({ method: 'POST', host: 'api.openai.com', port: 443, path: '/v1/chat/completions' })!;
  function noise(n: number, seed: number): Buffer {
    const out = Buffer.alloc(n);
    let x = seed;
    for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    return out;
  }

  test.each([
    ['application/octet-stream', undefined],
    ['application/json', 'gzip'],
    ['text/event-stream', undefined],
    ['application/vnd.amazon.eventstream', undefined],
    ['text/event-stream', 'br'],
  ])('%s (%s): a partial call, no throw, memory bounded by the cap', (type, encoding) => {
    const ex = new LlmExchange(route, { captureContent: true, maxCaptureBytes: 64 * 1024 }, {});
    ex.onRequestData(noise(10_000, 1));
    ex.onResponseHead(200, (n) => (n === 'content-type' ? type : n === 'content-encoding' ? encoding : undefined));
    for (let i = 0; i < 50; i++) ex.onResponseData(noise(8192, i + 2));
    let call!: LlmCall;
    expect(() => (call = ex.finish({ complete: true }))).not.toThrow();
    expect(call.partial).toBe(true);
    expect(call.request.operation).toBe('chat');
    expect(JSON.stringify(call).length).toBeLessThan(200_000);
  });
});

describe('twin exchanges: the two sides of a gateway hop share one parse', () => {
  /** A served request and its upstream call seeing `served` and `upstream` bytes; the upstream finishes first. */
  function hop(served: RunInput, upstream: RunInput, servedComplete = true): { served: LlmCall; upstream: LlmCall } {
    const feed = (input: RunInput, how: Chunking) => {
      const ex = new LlmExchange(input.route, OPTIONS, { address: 'example.test', port: 443 });
      ex.retainRawResponse();
      ex.onRequestHeaders(input.requestEncoding);
      for (const c of split(input.requestBody, how)) ex.onRequestData(c);
      ex.onResponseHead(input.status, (name) => input.headers[name]);
      for (const c of split(input.response, how)) ex.onResponseData(c);
      return ex;
    };
    const s = feed(served, { seed: 5, max: 61 });
    const u = feed(upstream, { seed: 6, max: 997 });
    const upstreamCall = u.finish({ complete: true }, s);
    return { upstream: upstreamCall, served: s.finish({ complete: servedComplete }, u) };
  }

  test.each(routed.map((f) => [f.id, f] as const))('%s: same bytes, same results, parsed once', (_id, f) => {
    const input = inputOf(f);
    const { served, upstream } = hop(input, input);
    expect(stable(served)).toEqual(stable(run(input)));
    expect(stable(upstream)).toEqual(stable(run(input)));
    // Shared, not re-parsed: the message lists are the same objects (so they are serialised once too).
    if (upstream.request.inputMessages) expect(served.request.inputMessages).toBe(upstream.request.inputMessages);
    if (upstream.response.outputMessages) expect(served.response.outputMessages).toBe(upstream.response.outputMessages);
  });

  const chat = routed.find((f) => f.request.url.endsWith('/chat/completions') && !isSse(f) && f.response.status === 200)!;

  it('a gateway that rewrites the request body (e.g. sets `user`) gets its own parse of each', () => {
    const input = inputOf(chat);
    const rewritten = { ...input, requestBody: Buffer.from(JSON.stringify({ ...JSON.parse(input.requestBody.toString()), user: 'u-1' })) };
    const { served, upstream } = hop(input, rewritten);
    expect(upstream.request.userId).toBe('u-1');
    expect(served.request.userId).toBeUndefined();
    expect(served.request.inputMessages).not.toBe(upstream.request.inputMessages);
    expect(served.request.inputMessages).toEqual(upstream.request.inputMessages);
    // The response bytes are the same: that part is still shared.
    expect(served.response.outputMessages).toBe(upstream.response.outputMessages);
  });

  it('a served response that differs (cut short, or rewritten) is parsed from its own bytes', () => {
    const input = inputOf(chat);
    const cut = { ...input, response: input.response.subarray(0, Math.floor(input.response.length / 2)) };
    const { served } = hop(cut, input, false);
    expect(stable(served)).toEqual(stable(run(cut, 'whole', OPTIONS, false)));
    expect(served.partial).toBe(true);
    const rewritten = { ...input, response: Buffer.from(input.response.toString().replace('"assistant"', '"assistant" ')) };
    const other = hop(rewritten, input);
    expect(other.served.response.outputMessages).not.toBe(other.upstream.response.outputMessages);
    expect(stable(other.served)).toEqual(stable(run(rewritten)));
  });

  it('different families never share, even with the same bytes', () => {
    const input = inputOf(chat);
    const asCompletions = { ...input, route: { ...input.route, family: 'openai.completions' as const } };
    const { served, upstream } = hop(asCompletions, input);
    expect(stable(served)).toEqual(stable(run(asCompletions)));
    expect(upstream.request.operation).toBe('chat');
  });
});

describe('cost: every recorded exchange with usage and a priced model gets gen_ai.usage.cost', () => {
  const estimator = createCostEstimator();
  const estimateCost = costEstimatorFor({});
  const priced: string[] = [];

  test.each(routed.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const call = run(inputOf(f));
    const usage = call.response.usage;
    const model = call.response.model ?? call.request.model;
    const attributes = callAttributes(call, { captureContent: false, maxContentChars: 1000, semconvLatestExperimental: false, estimateCost });
    const price = model ? estimator.priceFor(model, call.provider) : undefined;
    if (!usage || !price || (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) === 0) {
      // Unknown model (or nothing used): no cost rather than a guess.
      if (!price) expect(attributes['gen_ai.usage.cost']).toBeUndefined();
      return;
    }
    priced.push(f.id);
    const cost = attributes['gen_ai.usage.cost'] as number;
    expect(cost).toBeGreaterThan(0);
    // The recorded counts at the published per-1M prices (uncached input, cache reads and writes, output).
    const cacheRead = usage.cacheReadInputTokens ?? 0;
    const cacheWrite = usage.cacheCreationInputTokens ?? 0;
    const uncached = (usage.inputTokens ?? 0) - cacheRead - cacheWrite;
    const tier = price.longContext && (usage.inputTokens ?? 0) > price.longContext.aboveInputTokens ? price.longContext : price;
    const expected = (uncached * tier.input + cacheRead * (tier.cacheRead ?? tier.input) + cacheWrite * (tier.cacheWrite5m ?? tier.input) + (usage.outputTokens ?? 0) * (tier.output ?? 0)) / 1e6;
    expect(cost).toBeCloseTo(expected, 9);
  });

  afterAll(() => {
    // The corpus has many priced calls (OpenAI, Anthropic, Bedrock): a test that priced none proves nothing.
    expect(priced.length).toBeGreaterThanOrEqual(10);
  });
});

describe('cost reported by the provider wins over the table', () => {
  it('OpenRouter `usage.cost` (documented: https://openrouter.ai/docs/use-cases/usage-accounting)', () => {
    const route = matchRoute({ method: 'POST', host: 'openrouter.ai', path: '/api/v1/chat/completions' }, [])!;
    const ex = new LlmExchange(route, OPTIONS);
    ex.onRequestData(Buffer.from(JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'Hi' }], usage: { include: true } })));
    ex.onResponseHead(200, (name) => (name === 'content-type' ? 'application/json' : undefined));
    ex.onResponseData(Buffer.from(JSON.stringify({
      id: 'gen-1', model: 'openai/gpt-4o', object: 'chat.completion',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello' } }],
      usage: { prompt_tokens: 194, completion_tokens: 2, total_tokens: 196, cost: 0.95, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    })));
    const call = ex.finish({ complete: true });
    const attributes = callAttributes(call, { captureContent: false, maxContentChars: 1000, semconvLatestExperimental: false, estimateCost: () => 123 });
    expect(attributes['gen_ai.usage.cost']).toBe(0.95);
  });
});

describe('Anthropic 1-hour cache writes are priced at their own rate', () => {
  it('usage.cache_creation splits the writes by TTL (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching)', () => {
    const route = matchRoute({ method: 'POST', host: 'api.anthropic.com', path: '/v1/messages' }, [])!;
    const ex = new LlmExchange(route, OPTIONS);
    ex.onRequestData(Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5-20250929', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] })));
    ex.onResponseHead(200, (name) => (name === 'content-type' ? 'application/json' : undefined));
    ex.onResponseData(Buffer.from(JSON.stringify({
      id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Hello' }],
      usage: { input_tokens: 2048, cache_read_input_tokens: 1800, cache_creation_input_tokens: 248, output_tokens: 503, cache_creation: { ephemeral_5m_input_tokens: 148, ephemeral_1h_input_tokens: 100 } },
    })));
    const call = ex.finish({ complete: true });
    expect(call.response.usage).toMatchObject({ inputTokens: 4096, cacheReadInputTokens: 1800, cacheCreationInputTokens: 248, cacheCreation1hInputTokens: 100 });
    const attributes = callAttributes(call, { captureContent: false, maxContentChars: 1000, semconvLatestExperimental: false, estimateCost: costEstimatorFor({}) });
    // Sonnet 4.5 per 1M: input $3, cache read $0.30, 5-minute write $3.75, 1-hour write $6, output $15.
    expect(attributes['gen_ai.usage.cost']).toBeCloseTo((2048 * 3 + 1800 * 0.3 + 148 * 3.75 + 100 * 6 + 503 * 15) / 1e6, 10);
  });
});

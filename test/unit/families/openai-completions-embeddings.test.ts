import * as zlib from 'node:zlib';
import { openaiCompletions } from '../../../src/families/openai-completions';
import { openaiEmbeddings } from '../../../src/families/openai-embeddings';
import type { ApiFamily, ParseContext, StreamEvent } from '../../../src/families/family';
import type { LlmResponse } from '../../../src/llm-call';
import { SseDecoder } from '../../../src/wire/sse';
import { contentType, decodedResponseBytes, loadFixtures, requestJson, wireResponseBytes, type Fixture } from '../../helpers/fixtures';

const ctx: ParseContext = { captureContent: true, maxContentChars: 1_000_000 };
const noContent: ParseContext = { captureContent: false, maxContentChars: 1_000_000 };

const all = [...loadFixtures('openai'), ...loadFixtures('together')];
const byPath = (suffix: string) => all.filter((f) => new URL(f.request.url).pathname.endsWith(suffix));
// `/chat/completions` also ends with `/completions`: the legacy API is exactly `/v1/completions`.
const completionFixtures = all.filter((f) => /\/v1\/completions$/.test(new URL(f.request.url).pathname));
const embeddingFixtures = byPath('/embeddings');

/** Lenient decompression: some recordings lost the gzip trailer or were cut mid-body. */
function responseText(f: Fixture): string {
  try {
    return decodedResponseBytes(f).toString('utf8');
  } catch {
    return zlib.gunzipSync(wireResponseBytes(f), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
  }
}

function responseJson(f: Fixture): any | undefined {
  try {
    return JSON.parse(responseText(f));
  } catch {
    return undefined;
  }
}

function runStream(family: ApiFamily, bytes: Buffer, c: ParseContext, chunkSize = 41): LlmResponse {
  const reducer = family.createStreamReducer(c);
  const decoder = new SseDecoder((e) => {
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch {
      data = e.data;
    }
    const event: StreamEvent = { data };
    if (e.event) event.event = e.event;
    reducer.push(event);
  });
  for (let i = 0; i < bytes.length; i += chunkSize) decoder.push(bytes.subarray(i, i + chunkSize));
  decoder.end();
  return reducer.finish();
}

function sseChunks(text: string): any[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d));
}

describe('openai.completions fixtures', () => {
  test('the corpus has legacy completions from OpenAI and Together', () => {
    expect(completionFixtures.map((f) => f.family).sort()).toEqual(['openai', 'openai', 'together', 'together']);
  });

  test.each(completionFixtures.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const req = requestJson(f);
    const parsed = openaiCompletions.parseRequest(req, ctx);
    expect(parsed.operation).toBe('text_completion');
    expect(parsed.model).toBe(req.model);
    expect(parsed.stream).toBe(req.stream);
    expect(parsed.maxTokens).toBe(req.max_tokens);
    expect(parsed.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: req.prompt }] }]);
    expect(openaiCompletions.parseRequest(req, noContent).inputMessages).toBeUndefined();

    if (contentType(f) === 'text/event-stream') {
      const bytes = decodedResponseBytes(f);
      const chunks = sseChunks(bytes.toString('utf8'));
      const text = chunks.flatMap((c) => c.choices).map((c: any) => c.text).join('');
      const finish = chunks.flatMap((c) => c.choices).map((c: any) => c.finish_reason).filter(Boolean);
      const usage = chunks.map((c) => c.usage).filter(Boolean).pop();
      const r = runStream(openaiCompletions, bytes, ctx);
      expect(r.id).toBe(chunks[0].id);
      expect(r.model).toBe(chunks[0].model);
      expect(r.finishReasons).toEqual(finish);
      expect(r.outputMessages).toHaveLength(1);
      expect(r.outputMessages![0]!.parts).toEqual([{ type: 'text', content: text }]);
      expect(r.outputMessages![0]!.finish_reason).toBe({ length: 'length', stop: 'stop', eos: 'stop' }[finish[0] as string]);
      expect(r.usage?.inputTokens).toBe(usage?.prompt_tokens);
      expect(r.usage?.outputTokens).toBe(usage?.completion_tokens);
      const bare = runStream(openaiCompletions, bytes, noContent);
      expect(bare.outputMessages).toBeUndefined();
      expect(bare.finishReasons).toEqual(finish);
      const small = runStream(openaiCompletions, bytes, { captureContent: true, maxContentChars: 10 });
      expect(small.contentTruncated).toBe(true);
      expect(small.outputMessages![0]!.parts).toEqual([{ type: 'text', content: text.slice(0, 10) }]);
      const cut = runStream(openaiCompletions, bytes.subarray(0, Math.floor(bytes.length / 3)), ctx);
      expect(cut.finishReasons).toBeUndefined();
      expect(cut.outputMessages![0]!.finish_reason).toBe('unknown');
      expect(text.startsWith((cut.outputMessages![0]!.parts[0] as { content: string }).content)).toBe(true);
      return;
    }

    const body = responseJson(f);
    if (body === undefined) {
      // The recorded body was cut short: not JSON, so the runtime never calls the parser.
      expect(() => JSON.parse(responseText(f))).toThrow();
      return;
    }
    const r = openaiCompletions.parseResponse(body, ctx);
    expect(r.id).toBe(body.id);
    expect(r.model).toBe(body.model);
    expect(r.usage).toEqual({ inputTokens: body.usage.prompt_tokens, outputTokens: body.usage.completion_tokens });
    expect(r.finishReasons).toEqual(body.choices.map((c: any) => c.finish_reason));
    expect(r.outputMessages).toEqual(
      body.choices.map((c: any) => ({ role: 'assistant', parts: [{ type: 'text', content: c.text }], finish_reason: { length: 'length', stop: 'stop', eos: 'stop' }[c.finish_reason as string] })),
    );
    expect(openaiCompletions.parseResponse(body, noContent).outputMessages).toBeUndefined();
  });
});

describe('openai.completions: documented shapes', () => {
  test('prompt as a list of strings, token ids, params', () => {
    const r = openaiCompletions.parseRequest(
      { model: 'gpt-3.5-turbo-instruct', prompt: ['Say this', 'Say that'], max_tokens: 7, temperature: 0, n: 2, stop: '\n', user: 'u', seed: 3, best_of: 2 },
      ctx,
    );
    expect(r.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Say this' }, { type: 'text', content: 'Say that' }] }]);
    expect(r).toMatchObject({ maxTokens: 7, temperature: 0, choiceCount: 2, stopSequences: ['\n'], userId: 'u', seed: 3 });
    expect(openaiCompletions.parseRequest({ prompt: [1212, 318] }, ctx).inputMessages).toBeUndefined();
    expect(openaiCompletions.parseRequest({ prompt: [[1212], [318]] }, ctx).inputMessages).toBeUndefined();
  });

  test('several choices, streamed out of order', () => {
    const reducer = openaiCompletions.createStreamReducer(ctx);
    reducer.push({ data: { id: 'cmpl-1', object: 'text_completion', model: 'gpt-3.5-turbo-instruct', choices: [{ index: 1, text: 'B' }] } });
    reducer.push({ data: { id: 'cmpl-1', choices: [{ index: 0, text: 'A', finish_reason: 'stop' }] } });
    reducer.push({ data: { id: 'cmpl-1', choices: [{ index: 1, text: 'b', finish_reason: 'length' }] } });
    reducer.push({ data: { id: 'cmpl-1', choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } } });
    reducer.push({ data: '[DONE]' });
    const r = reducer.finish();
    expect(r.finishReasons).toEqual(['stop', 'length']);
    expect(r.outputMessages!.map((m) => m.parts)).toEqual([[{ type: 'text', content: 'A' }], [{ type: 'text', content: 'Bb' }]]);
    expect(r.usage).toEqual({ inputTokens: 5, outputTokens: 3 });
  });

  test('errors in a stream and in bodies', () => {
    const reducer = openaiCompletions.createStreamReducer(ctx);
    reducer.push({ data: { choices: [{ index: 0, text: 'par' }] } });
    reducer.push({ data: { error: { message: 'overloaded', type: 'server_error', code: null } } });
    const r = reducer.finish();
    expect(r.error).toEqual({ type: 'server_error', message: 'overloaded' });
    expect(r.outputMessages![0]!.finish_reason).toBe('error');
    expect(openaiCompletions.parseError({ error: { message: 'This model is only supported in v1/chat/completions', type: 'invalid_request_error', param: 'model', code: null } })).toEqual({
      type: 'invalid_request_error',
      message: 'This model is only supported in v1/chat/completions',
    });
  });

  test.each([null, undefined, 42, 'x', [], {}, { choices: 'no' }, { choices: [null, { index: 'a', text: 5 }] }, { prompt: { a: 1 } }])('no throw on %p', (g) => {
    expect(() => openaiCompletions.parseRequest(g, ctx)).not.toThrow();
    expect(() => openaiCompletions.parseResponse(g, ctx)).not.toThrow();
    expect(() => openaiCompletions.parseError(g)).not.toThrow();
    const reducer = openaiCompletions.createStreamReducer(ctx);
    expect(() => reducer.push({ data: g })).not.toThrow();
    expect(reducer.finish().finishReasons).toBeUndefined();
  });
});

describe('openai.embeddings fixtures', () => {
  test.each(embeddingFixtures.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const req = requestJson(f);
    const parsed = openaiEmbeddings.parseRequest(req, ctx);
    expect(parsed.operation).toBe('embeddings');
    expect(parsed.model).toBe(req.model);
    expect(parsed.encodingFormats).toEqual(req.encoding_format ? [req.encoding_format] : undefined);
    expect(parsed.dimensionCount).toBe(req.dimensions);
    const inputs: string[] = [req.input].flat();
    expect(parsed.inputMessages).toEqual([{ role: 'user', parts: inputs.map((t) => ({ type: 'text', content: t })) }]);
    expect(openaiEmbeddings.parseRequest(req, noContent).inputMessages).toBeUndefined();

    const body = responseJson(f);
    if (body === undefined) {
      // Recorded gzip body cut inside the vector list: not JSON, so the runtime never calls the parser.
      expect(() => JSON.parse(responseText(f))).toThrow();
      return;
    }
    const r = openaiEmbeddings.parseResponse(body, ctx);
    expect(r.model).toBe(body.model);
    expect(r.usage).toEqual({ inputTokens: body.usage.prompt_tokens });
    expect(r.outputMessages).toBeUndefined();
    // Vectors are never copied.
    expect(JSON.stringify(r)).not.toContain(String(body.data[0].embedding[0]));
  });
});

describe('openai.embeddings: documented shapes', () => {
  test('dimensions, base64 encoding, token-id input, user', () => {
    const r = openaiEmbeddings.parseRequest(
      { model: 'text-embedding-3-large', input: [[1, 2, 3], 'text too'], dimensions: 256, encoding_format: 'base64', user: 'user-1' },
      ctx,
    );
    expect(r.dimensionCount).toBe(256);
    expect(r.encodingFormats).toEqual(['base64']);
    expect(r.userId).toBe('user-1');
    expect(r.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'text too' }] }]);
    expect(openaiEmbeddings.parseRequest({ model: 'm', input: [[1, 2]] }, ctx).inputMessages).toBeUndefined();
    expect(openaiEmbeddings.parseRequest({ input: 'x' }, { ...ctx, pathModel: 'azure-embed' }).model).toBe('azure-embed');
  });

  test('base64 vectors are not copied; Together/Mistral ids kept', () => {
    const r = openaiEmbeddings.parseResponse(
      { id: 'embd-1', object: 'list', data: [{ object: 'embedding', index: 0, embedding: 'AAAAAAAAAAAAAAAA' }], model: 'mistral-embed', usage: { prompt_tokens: 9, total_tokens: 9 } },
      ctx,
    );
    expect(r).toEqual({ id: 'embd-1', model: 'mistral-embed', usage: { inputTokens: 9 } });
  });

  test('errors and a stray stream', () => {
    expect(openaiEmbeddings.parseError({ error: { message: 'maximum context length is 8192 tokens', type: 'invalid_request_error', param: null, code: 'context_length_exceeded' } })).toEqual({
      type: 'context_length_exceeded',
      message: 'maximum context length is 8192 tokens',
    });
    const reducer = openaiEmbeddings.createStreamReducer(ctx);
    reducer.push({ data: { model: 'm', data: [{ embedding: [0.5] }], usage: { prompt_tokens: 2 } } });
    expect(reducer.finish()).toEqual({ model: 'm', usage: { inputTokens: 2 } });
  });

  test.each([null, undefined, 42, 'x', [], {}, { input: { a: 1 } }, { usage: 'no' }])('no throw on %p', (g) => {
    expect(() => openaiEmbeddings.parseRequest(g, ctx)).not.toThrow();
    expect(openaiEmbeddings.parseResponse(g, ctx)).toEqual({});
    expect(() => openaiEmbeddings.parseError(g)).not.toThrow();
    const reducer = openaiEmbeddings.createStreamReducer(ctx);
    expect(() => reducer.push({ data: g })).not.toThrow();
    expect(() => reducer.finish()).not.toThrow();
  });
});

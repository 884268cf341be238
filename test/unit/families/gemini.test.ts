/**
 * No recorded Gemini exchanges exist; these bodies follow the public API documentation
 * (the URL above each example says where its shape comes from).
 */
import type { ParseContext } from '../../../src/families/family';
import { geminiGenerateContent as gemini } from '../../../src/families/gemini';
import type { LlmResponse, MessagePart } from '../../../src/llm-call';
import { SseDecoder } from '../../../src/wire/sse';

const ctx: ParseContext = { captureContent: true, maxContentChars: 1_000_000, pathModel: 'gemini-2.0-flash' };
const noContent: ParseContext = { ...ctx, captureContent: false };

function runSse(text: string, context: ParseContext = ctx, chunkSize = 5): LlmResponse {
  const reducer = gemini.createStreamReducer(context);
  const decoder = new SseDecoder((ev) => {
    let data: unknown = ev.data;
    try {
      data = JSON.parse(ev.data);
    } catch {
      /* stays a string */
    }
    reducer.push(ev.event === undefined ? { data } : { event: ev.event, data });
  });
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunkSize) decoder.push(bytes.subarray(i, i + chunkSize));
  decoder.end();
  return reducer.finish();
}

function texts(parts: MessagePart[] | undefined, type = 'text'): string {
  return (parts ?? [])
    .filter((p) => p.type === type)
    .map((p) => (p as { content: string }).content)
    .join('');
}

describe('gemini request', () => {
  // https://ai.google.dev/api/generate-content#request-body, https://ai.google.dev/gemini-api/docs/function-calling,
  // https://ai.google.dev/gemini-api/docs/vision (inlineData), https://ai.google.dev/gemini-api/docs/files (fileData)
  const body = {
    systemInstruction: { parts: [{ text: 'You are a cat.' }, { text: 'Your name is Neko.' }] },
    contents: [
      {
        role: 'user',
        parts: [
          { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQSkZJRg==' } },
          { fileData: { mimeType: 'audio/mp3', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } },
          { text: 'What is in these, and what is the weather in Boston?' },
        ],
      },
      {
        role: 'model',
        parts: [
          { text: 'Thinking about it', thought: true },
          { functionCall: { name: 'get_current_weather', args: { location: 'Boston, MA' } } },
        ],
      },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'get_current_weather', response: { temperature: 15, unit: 'C' } } }],
      },
    ],
    tools: [
      {
        functionDeclarations: [
          { name: 'get_current_weather', description: 'Get the weather', parameters: { type: 'OBJECT', properties: { location: { type: 'STRING' } } } },
          { name: 'find_theaters', description: 'Find theaters' },
        ],
      },
      { googleSearch: {} },
    ],
    generationConfig: {
      stopSequences: ['Title'],
      temperature: 1.0,
      maxOutputTokens: 800,
      topP: 0.8,
      topK: 10,
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      candidateCount: 2,
      responseMimeType: 'application/json',
    },
  };

  test('model comes from the URL; parameters from generationConfig', () => {
    const req = gemini.parseRequest(body, { ...ctx, pathStream: true });
    expect(req).toMatchObject({
      operation: 'generate_content',
      model: 'gemini-2.0-flash',
      stream: true,
      maxTokens: 800,
      temperature: 1,
      topP: 0.8,
      topK: 10,
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      stopSequences: ['Title'],
      choiceCount: 2,
      outputType: 'json',
    });
  });

  test('contents, system instruction and tools become semconv parts', () => {
    const req = gemini.parseRequest(body, ctx);
    expect(req.systemInstructions).toEqual([
      { type: 'text', content: 'You are a cat.' },
      { type: 'text', content: 'Your name is Neko.' },
    ]);
    expect(req.inputMessages).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'blob', modality: 'image', mime_type: 'image/jpeg', content: '/9j/4AAQSkZJRg==' },
          { type: 'uri', modality: 'audio', mime_type: 'audio/mp3', uri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' },
          { type: 'text', content: 'What is in these, and what is the weather in Boston?' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'Thinking about it' },
          { type: 'tool_call', name: 'get_current_weather', arguments: { location: 'Boston, MA' } },
        ],
      },
      { role: 'user', parts: [{ type: 'tool_call_response', response: { temperature: 15, unit: 'C' } }] },
    ]);
    expect(req.toolDefinitions).toEqual([...body.tools[0]!.functionDeclarations!, { googleSearch: {} }]);
  });

  test('Vertex AI snake_case bodies and model resource paths', () => {
    // https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference (curl examples use snake_case)
    const req = gemini.parseRequest(
      {
        contents: { role: 'user', parts: [{ text: 'Hi' }, { inline_data: { mime_type: 'application/pdf', data: 'JVBE' } }] },
        system_instruction: { parts: [{ text: 'Be brief.' }] },
        generation_config: { max_output_tokens: 100, top_k: 3, candidate_count: 1, response_mime_type: 'text/plain' },
      },
      { ...ctx, pathModel: 'projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro' },
    );
    expect(req.model).toBe('gemini-2.5-pro');
    expect(req.maxTokens).toBe(100);
    expect(req.topK).toBe(3);
    expect(req.choiceCount).toBeUndefined(); // candidateCount 1 is the default
    expect(req.outputType).toBe('text');
    expect(req.systemInstructions).toEqual([{ type: 'text', content: 'Be brief.' }]);
    expect(req.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Hi' }, { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBE' }] },
    ]);
  });

  test('image output modality', () => {
    // https://ai.google.dev/gemini-api/docs/image-generation
    const req = gemini.parseRequest({ contents: [], generationConfig: { responseModalities: ['TEXT', 'IMAGE'] } }, ctx);
    expect(req.outputType).toBe('image');
  });

  test('captureContent=false builds no messages, system or tools', () => {
    const req = gemini.parseRequest(body, noContent);
    expect(req.inputMessages).toBeUndefined();
    expect(req.systemInstructions).toBeUndefined();
    expect(req.toolDefinitions).toBeUndefined();
    expect(req.maxTokens).toBe(800);
  });
});

describe('gemini response', () => {
  test('plain generateContent response', () => {
    // https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse and the REST text-generation example
    const body = {
      candidates: [
        {
          content: { parts: [{ text: 'AI learns patterns from data' }, { text: ' to make predictions.' }], role: 'model' },
          finishReason: 'STOP',
          avgLogprobs: -0.1,
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 12, totalTokenCount: 20, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }] },
      modelVersion: 'gemini-2.0-flash',
      responseId: 'mAitaLmkHPPlz7IPvtfUqQ4',
    };
    const res = gemini.parseResponse(body, ctx);
    expect(res.id).toBe(body.responseId);
    expect(res.model).toBe(body.modelVersion);
    expect(res.finishReasons).toEqual(['STOP']);
    expect(res.usage).toEqual({ inputTokens: 8, outputTokens: 12 });
    expect(res.outputMessages).toHaveLength(1);
    expect(res.outputMessages![0]!.finish_reason).toBe('stop');
    expect(texts(res.outputMessages![0]!.parts)).toBe(body.candidates[0]!.content.parts.map((p) => p.text).join(''));
  });

  test('thinking: thought parts are reasoning; thoughtsTokenCount is added to output', () => {
    // https://ai.google.dev/gemini-api/docs/thinking (includeThoughts; usageMetadata.thoughtsTokenCount)
    const body = {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: '**Analyzing the problem**\nI need to count...', thought: true },
              { text: 'There are 3 Rs in strawberry.', thoughtSignature: 'CiQB0e2Kb...' },
            ],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 13, candidatesTokenCount: 9, thoughtsTokenCount: 412, totalTokenCount: 434 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'r1',
    };
    const res = gemini.parseResponse(body, ctx);
    const u = body.usageMetadata;
    expect(res.usage).toEqual({ inputTokens: u.promptTokenCount, outputTokens: u.candidatesTokenCount + u.thoughtsTokenCount, reasoningOutputTokens: u.thoughtsTokenCount });
    expect(res.outputMessages![0]!.parts).toEqual([
      { type: 'reasoning', content: body.candidates[0]!.content.parts[0]!.text },
      { type: 'text', content: body.candidates[0]!.content.parts[1]!.text },
    ]);
  });

  test('cached content and tool-use prompt tokens', () => {
    // https://ai.google.dev/gemini-api/docs/caching (cachedContentTokenCount is part of promptTokenCount);
    // https://ai.google.dev/api/generate-content#UsageMetadata (toolUsePromptTokenCount is counted separately)
    const res = gemini.parseResponse(
      { candidates: [], usageMetadata: { promptTokenCount: 696190, cachedContentTokenCount: 696175, candidatesTokenCount: 214, toolUsePromptTokenCount: 50, totalTokenCount: 696454 } },
      ctx,
    );
    expect(res.usage).toEqual({ inputTokens: 696240, outputTokens: 214, cacheReadInputTokens: 696175 });
  });

  test('function call response', () => {
    // https://ai.google.dev/gemini-api/docs/function-calling (response with functionCall)
    const res = gemini.parseResponse(
      {
        candidates: [
          { content: { role: 'model', parts: [{ functionCall: { id: 'call_1', name: 'schedule_meeting', args: { attendees: ['Bob', 'Alice'], date: '2025-03-27' } } }] }, finishReason: 'STOP' },
        ],
      },
      ctx,
    );
    expect(res.outputMessages![0]!.parts).toEqual([
      { type: 'tool_call', id: 'call_1', name: 'schedule_meeting', arguments: { attendees: ['Bob', 'Alice'], date: '2025-03-27' } },
    ]);
  });

  test('several candidates: one finish reason and one message each, in index order', () => {
    const res = gemini.parseResponse(
      {
        candidates: [
          { index: 1, content: { role: 'model', parts: [{ text: 'second' }] }, finishReason: 'MAX_TOKENS' },
          { index: 0, content: { role: 'model', parts: [{ text: 'first' }] }, finishReason: 'STOP' },
          { index: 2, content: { role: 'model', parts: [] }, finishReason: 'SAFETY' },
        ],
      },
      ctx,
    );
    expect(res.finishReasons).toEqual(['STOP', 'MAX_TOKENS', 'SAFETY']);
    expect(res.outputMessages!.map((m) => [texts(m.parts), m.finish_reason])).toEqual([
      ['first', 'stop'],
      ['second', 'length'],
      ['', 'content_filter'],
    ]);
  });

  test('a blocked prompt reports its block reason', () => {
    // https://ai.google.dev/api/generate-content#PromptFeedback
    const res = gemini.parseResponse(
      { promptFeedback: { blockReason: 'SAFETY', safetyRatings: [] }, usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 }, modelVersion: 'gemini-2.0-flash' },
      ctx,
    );
    expect(res.finishReasons).toEqual(['SAFETY']);
    expect(res.outputMessages).toEqual([{ role: 'assistant', parts: [], finish_reason: 'content_filter' }]);
    expect(res.usage).toEqual({ inputTokens: 7 });
  });

  test('captureContent=false: usage and reasons but no messages', () => {
    const res = gemini.parseResponse({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1 } }, noContent);
    expect(res).toEqual({ finishReasons: ['STOP'], usage: { inputTokens: 1, outputTokens: 1 } });
  });
});

// https://ai.google.dev/gemini-api/docs/text-generation#streaming-responses (`:streamGenerateContent?alt=sse`;
// every `data:` is a GenerateContentResponse; the last chunk has finishReason and the full usageMetadata).
const chunks = [
  {
    candidates: [{ content: { parts: [{ text: '**Counting**', thought: true }], role: 'model' }, index: 0 }],
    usageMetadata: { promptTokenCount: 11, totalTokenCount: 11 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'tTCwacuEBMvnitYP06qsgQY',
  },
  {
    candidates: [{ content: { parts: [{ text: 'The capital' }], role: 'model' }, index: 0 }],
    usageMetadata: { promptTokenCount: 11, totalTokenCount: 11 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'tTCwacuEBMvnitYP06qsgQY',
  },
  {
    candidates: [{ content: { parts: [{ text: ' of France is Paris. Grüße 👋' }], role: 'model' }, index: 0 }],
    usageMetadata: { promptTokenCount: 11, totalTokenCount: 11 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'tTCwacuEBMvnitYP06qsgQY',
  },
  {
    candidates: [{ content: { parts: [{ text: '', thoughtSignature: 'AY89a18i' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 9, thoughtsTokenCount: 30, totalTokenCount: 50 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'tTCwacuEBMvnitYP06qsgQY',
  },
];
const sseText = chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join('');
const expectedText = chunks.flatMap((c) => c.candidates[0]!.content.parts.filter((p: any) => !p.thought).map((p) => p.text)).join('');
const expectedThought = chunks.flatMap((c) => c.candidates[0]!.content.parts.filter((p: any) => p.thought).map((p) => p.text)).join('');
const last = chunks[chunks.length - 1]!;

describe('gemini streams', () => {
  test.each([1, 5, 4096])('SSE stream reassembles text, usage of the last chunk (chunk size %i)', (size) => {
    const res = runSse(sseText, ctx, size);
    expect(res.id).toBe(last.responseId);
    expect(res.model).toBe(last.modelVersion);
    expect(res.finishReasons).toEqual([(last.candidates[0] as { finishReason?: string }).finishReason]);
    const u = last.usageMetadata;
    expect(res.usage).toEqual({ inputTokens: u.promptTokenCount, outputTokens: u.candidatesTokenCount! + u.thoughtsTokenCount!, reasoningOutputTokens: u.thoughtsTokenCount });
    expect(texts(res.outputMessages![0]!.parts)).toBe(expectedText);
    expect(texts(res.outputMessages![0]!.parts, 'reasoning')).toBe(expectedThought);
    expect(res.outputMessages![0]!.parts.filter((p) => p.type === 'text')).toHaveLength(1);
    expect(res.outputMessages![0]!.finish_reason).toBe('stop');
  });

  test('the non-SSE streamGenerateContent body (a JSON array) reduces like the stream', () => {
    // https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference (streamGenerateContent returns an array)
    expect(gemini.parseResponse(JSON.parse(JSON.stringify(chunks)), ctx)).toEqual(runSse(sseText));
  });

  test('several candidates stream by index', () => {
    const reducer = gemini.createStreamReducer(ctx);
    reducer.push({ data: { candidates: [{ index: 0, content: { parts: [{ text: 'a' }] } }, { index: 1, content: { parts: [{ text: 'x' }] } }] } });
    reducer.push({ data: { candidates: [{ index: 1, content: { parts: [{ text: 'y' }] }, finishReason: 'MAX_TOKENS' }] } });
    reducer.push({ data: { candidates: [{ index: 0, content: { parts: [{ text: 'b' }] }, finishReason: 'STOP' }] } });
    const res = reducer.finish();
    expect(res.finishReasons).toEqual(['STOP', 'MAX_TOKENS']);
    expect(res.outputMessages!.map((m) => texts(m.parts))).toEqual(['ab', 'xy']);
  });

  test('a truncated stream returns what was seen', () => {
    const cut = sseText.slice(0, sseText.indexOf('data:', sseText.indexOf('The capital')));
    const res = runSse(cut);
    expect(res.finishReasons).toBeUndefined();
    expect(texts(res.outputMessages![0]!.parts)).toBe('The capital');
    expect(res.outputMessages![0]!.finish_reason).toBe('unknown');
    expect(res.usage).toEqual({ inputTokens: 11 });
  });

  test('the content budget truncates and says so', () => {
    const res = runSse(sseText, { ...ctx, maxContentChars: 15 });
    expect(res.contentTruncated).toBe(true);
    const all = texts(res.outputMessages![0]!.parts, 'reasoning') + texts(res.outputMessages![0]!.parts);
    expect(all).toBe((expectedThought + expectedText).slice(0, 15));
  });

  test('captureContent=false keeps no text', () => {
    const res = runSse(sseText, noContent);
    expect(res.outputMessages).toBeUndefined();
    expect(res.finishReasons).toEqual(['STOP']);
  });

  test('an error chunk mid-stream', () => {
    const res = runSse(sseText.split('\r\n\r\n')[1] + '\r\n\r\ndata: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}\r\n\r\n');
    expect(res.error).toEqual({ type: 'UNAVAILABLE', message: 'The model is overloaded.' });
    expect(texts(res.outputMessages![0]!.parts)).toBe('The capital');
  });

  test('garbage events are ignored', () => {
    const reducer = gemini.createStreamReducer(ctx);
    for (const data of [null, 42, 'x', [], {}, { candidates: 'no' }, { candidates: [null, 5, { content: { parts: 'no' } }] }, { usageMetadata: [] }]) {
      reducer.push({ data });
    }
    const res = reducer.finish();
    expect(res.finishReasons).toBeUndefined();
    expect(res.usage).toBeUndefined();
  });
});

describe('gemini errors', () => {
  // https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
  test('status wins, code is the fallback, array-wrapped bodies are unwrapped', () => {
    const e429 = { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } };
    expect(gemini.parseError(e429)).toEqual({ type: 'RESOURCE_EXHAUSTED', message: e429.error.message });
    expect(gemini.parseError([e429])).toEqual({ type: 'RESOURCE_EXHAUSTED', message: e429.error.message });
    expect(gemini.parseError({ error: { code: 500, message: 'Internal error' } })).toEqual({ type: '500', message: 'Internal error' });
    expect(gemini.parseResponse([e429], ctx).error).toEqual({ type: 'RESOURCE_EXHAUSTED', message: e429.error.message });
    expect(gemini.parseError({ error: {} })).toBeUndefined();
    expect(gemini.parseError('Service Unavailable')).toBeUndefined();
  });
});

describe('gemini robustness', () => {
  const garbage: unknown[] = [null, undefined, 42, 'x', [], {}, { contents: 'no' }, { candidates: 'no' }, [null, 1, 'x'], { contents: [null, { parts: [null, 1, { inlineData: 5 }] }] }];
  test.each(garbage.map((g) => [JSON.stringify(g) ?? 'undefined', g]))('never throws on %s', (_name, g) => {
    expect(() => gemini.parseRequest(g, ctx)).not.toThrow();
    expect(() => gemini.parseResponse(g, ctx)).not.toThrow();
    expect(() => gemini.parseError(g)).not.toThrow();
    const reducer = gemini.createStreamReducer(ctx);
    expect(() => reducer.push({ data: g })).not.toThrow();
    expect(() => reducer.finish()).not.toThrow();
  });

  test('garbage yields no invented values', () => {
    expect(gemini.parseRequest(42, { captureContent: true, maxContentChars: 10 })).toEqual({ operation: 'generate_content' });
    expect(gemini.parseResponse({ candidates: 'no' }, ctx)).toEqual({});
    expect(gemini.parseResponse({ usageMetadata: { promptTokenCount: '5' } }, ctx)).toEqual({});
  });
});

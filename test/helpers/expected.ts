/**
 * What a recorded exchange says, read straight from its bodies with a few lines per format (not
 * through the package's parsers), so integration tests compare our spans against the recording.
 * Only facts that a provider states explicitly are extracted; anything absent is left undefined.
 */
import * as zlib from 'node:zlib';
import { contentType, type Fixture, wireResponseBytes } from './fixtures';

export interface Expected {
  operation: string;
  requestModel?: string;
  responseId?: string;
  responseModel?: string;
  inputTokens?: number;
  outputTokens?: number;
  finishReasons?: string[];
  /** Text of the first output message, when the recording has one. */
  outputText?: string;
  stream: boolean;
  /** Request parameters named at the top level of an OpenAI-style or Anthropic request body, by attribute. */
  params: Record<string, unknown>;
  /** The body could not be read whole (truncated recording). */
  unreadable?: boolean;
  /** Cached input tokens the provider reports (Gemini `cachedContentTokenCount`). */
  cacheReadInputTokens?: number;
  /** Reasoning tokens the provider reports (Gemini `thoughtsTokenCount`). */
  reasoningOutputTokens?: number;
  /** The provider's error code in an error body (Gemini `error.status`). */
  errorType?: string;
}

function path(f: Fixture): string {
  return new URL(f.request.url).pathname;
}

export function apiOf(f: Fixture): 'chat' | 'completions' | 'responses' | 'embeddings' | 'anthropic' | 'bedrock' | 'images' | 'gemini' | 'cohere' {
  const p = path(f);
  if (p.includes('/images/')) return 'images';
  if (p.endsWith(':generateContent') || p.endsWith(':streamGenerateContent')) return 'gemini';
  if (p.endsWith('/v1/chat') || p.endsWith('/v2/chat')) return 'cohere';
  if (p.endsWith('/chat/completions')) return 'chat';
  if (p.endsWith('/completions')) return 'completions';
  if (p.endsWith('/responses')) return 'responses';
  if (p.endsWith('/embeddings')) return 'embeddings';
  if (p.endsWith('/messages')) return 'anthropic';
  return 'bedrock';
}

/** The response body as text, or undefined when the recording is cut (e.g. a truncated gzip). */
export function responseText(f: Fixture): string | undefined {
  const bytes = wireResponseBytes(f);
  if (f.response.headers['content-encoding'] === 'gzip') {
    try {
      return zlib.gunzipSync(bytes).toString('utf8');
    } catch {
      try {
        const text = zlib.gunzipSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
        JSON.parse(text);
        return text;
      } catch {
        return undefined;
      }
    }
  }
  return bytes.toString('utf8');
}

function sseData(text: string): any[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter((d) => d.startsWith('{'))
    .map((d) => JSON.parse(d));
}

export function expectedFrom(f: Fixture): Expected {
  const api = apiOf(f);
  if (api === 'gemini') return expectedGemini(f);
  if (api === 'cohere') return expectedCohere(f);
  const req = JSON.parse(f.request.body);
  const stream = req.stream === true || /-stream$/.test(path(f));
  const operation = api === 'completions' ? 'text_completion' : api === 'embeddings' ? 'embeddings' : api === 'bedrock' && (req.inputText !== undefined || req.prompt !== undefined) ? 'text_completion' : 'chat';
  const out: Expected = { operation, stream, params: api === 'bedrock' ? {} : topLevelParams(req) };
  out.requestModel = req.model ?? (api === 'bedrock' ? decodeURIComponent(path(f).split('/').slice(-2, -1)[0]!) : azureDeployment(f));
  if (f.response.status >= 400 || api === 'bedrock' || api === 'images') return out;
  const text = responseText(f);
  if (text === undefined) return { ...out, unreadable: true };

  if (contentType(f) === 'text/event-stream') {
    const events = sseData(text);
    if (api === 'chat' || api === 'completions') {
      out.responseId = events.find((e) => e.id)?.id;
      out.responseModel = events.find((e) => e.model)?.model;
      const usage = events.find((e) => e.usage)?.usage;
      out.inputTokens = usage?.prompt_tokens;
      out.outputTokens = usage?.completion_tokens;
      const finish = new Map<number, string>();
      let first = '';
      for (const e of events) {
        for (const c of e.choices ?? []) {
          if (c.finish_reason) finish.set(c.index, c.finish_reason);
          if (c.index === 0) first += c.delta?.content ?? c.text ?? '';
        }
      }
      out.finishReasons = [...finish.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
      if (first) out.outputText = first;
    } else if (api === 'responses') {
      const done = events.find((e) => e.type === 'response.completed')?.response;
      out.responseId = done?.id;
      out.responseModel = done?.model;
      out.inputTokens = done?.usage?.input_tokens;
      out.outputTokens = done?.usage?.output_tokens;
    } else if (api === 'anthropic') {
      const start = events.find((e) => e.type === 'message_start')?.message;
      const delta = events.filter((e) => e.type === 'message_delta').pop();
      out.responseId = start?.id;
      out.responseModel = start?.model;
      const u = start?.usage ?? {};
      out.inputTokens = (u.input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);
      out.outputTokens = delta?.usage?.output_tokens;
      out.finishReasons = delta?.delta?.stop_reason ? [delta.delta.stop_reason] : undefined;
      out.outputText = events.filter((e) => e.type === 'content_block_delta' && e.delta?.type === 'text_delta').map((e) => e.delta.text).join('') || undefined;
    }
    return out;
  }

  const body = JSON.parse(text);
  out.responseModel = body.model;
  if (api === 'embeddings') {
    out.inputTokens = body.usage?.prompt_tokens;
    return out;
  }
  out.responseId = body.id;
  if (api === 'chat' || api === 'completions') {
    out.inputTokens = body.usage?.prompt_tokens;
    out.outputTokens = body.usage?.completion_tokens;
    out.finishReasons = (body.choices ?? []).map((c: any) => c.finish_reason);
    const first = body.choices?.[0];
    out.outputText = first?.message?.content ?? first?.text ?? undefined;
  } else if (api === 'responses') {
    out.inputTokens = body.usage?.input_tokens;
    out.outputTokens = body.usage?.output_tokens;
  } else if (api === 'anthropic') {
    const u = body.usage ?? {};
    out.inputTokens = (u.input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);
    out.outputTokens = u.output_tokens;
    out.finishReasons = body.stop_reason ? [body.stop_reason] : undefined;
    out.outputText = (body.content ?? []).filter((b: any) => b.type === 'text').map((b: any) => b.text).join('') || undefined;
  }
  return out;
}

/** Azure OpenAI names the model by the deployment in the URL (`/openai/deployments/{d}/…`); the body has none. */
function azureDeployment(f: Fixture): string | undefined {
  const m = /\/openai\/deployments\/([^/]+)\//.exec(path(f));
  return m ? decodeURIComponent(m[1]!) : undefined;
}

/**
 * Gemini `generateContent` / `streamGenerateContent` (https://ai.google.dev/api/generate-content): the model
 * is in the URL; a response is one GenerateContentResponse, an SSE stream of them (`alt=sse`) or a JSON
 * array of them. Usage is the last `usageMetadata`; output tokens are candidates + thoughts (the docs'
 * `totalTokenCount` = prompt + candidates + thoughts + tool-use prompt).
 */
function expectedGemini(f: Fixture): Expected {
  const p = path(f);
  const req = JSON.parse(f.request.body);
  const method = p.slice(p.lastIndexOf(':') + 1);
  const out: Expected = { operation: 'generate_content', stream: method === 'streamGenerateContent', params: {} };
  out.requestModel = decodeURIComponent(p.slice(p.lastIndexOf('/') + 1, p.lastIndexOf(':'))).replace(/^models\//, '');
  const gc = req.generationConfig ?? {};
  if (typeof gc.maxOutputTokens === 'number') out.params['gen_ai.request.max_tokens'] = gc.maxOutputTokens;
  if (typeof gc.temperature === 'number') out.params['gen_ai.request.temperature'] = gc.temperature;
  if (typeof gc.topP === 'number') out.params['gen_ai.request.top_p'] = gc.topP;
  const text = responseText(f);
  if (text === undefined) return { ...out, unreadable: true };
  if (f.response.status >= 400) {
    const body = JSON.parse(text);
    out.errorType = (Array.isArray(body) ? body[0] : body)?.error?.status;
    return out;
  }
  const chunks: any[] = contentType(f) === 'text/event-stream' ? sseData(text) : [JSON.parse(text)].flat();
  out.responseId = chunks.find((c) => c.responseId)?.responseId;
  out.responseModel = chunks.find((c) => c.modelVersion)?.modelVersion;
  const usage = chunks.filter((c) => c.usageMetadata).pop()?.usageMetadata;
  if (usage) {
    out.inputTokens = usage.promptTokenCount;
    if (usage.candidatesTokenCount !== undefined || usage.thoughtsTokenCount !== undefined) out.outputTokens = (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0);
    out.cacheReadInputTokens = usage.cachedContentTokenCount;
    out.reasoningOutputTokens = usage.thoughtsTokenCount;
  }
  const finish = new Map<number, string>();
  let first = '';
  for (const c of chunks) {
    for (const cand of c.candidates ?? []) {
      const index = cand.index ?? 0;
      if (cand.finishReason) finish.set(index, cand.finishReason);
      if (index === 0) for (const part of cand.content?.parts ?? []) if (typeof part.text === 'string' && !part.thought) first += part.text;
    }
  }
  out.finishReasons = [...finish.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  if (first) out.outputText = first;
  return out;
}

/**
 * Cohere chat v2 (https://docs.cohere.com/reference/chat, /reference/chat-stream): `id`, `finish_reason`,
 * `message.content[].text`, `usage.tokens` (what the model saw; `billed_units` is the billed subset); the
 * stream's `message-start` carries the id, `content-delta` the text, `message-end` the reason and usage.
 */
function expectedCohere(f: Fixture): Expected {
  const req = JSON.parse(f.request.body);
  const out: Expected = { operation: 'chat', stream: req.stream === true, params: topLevelParams(req) };
  out.requestModel = req.model;
  if (f.response.status >= 400) return out;
  const text = responseText(f);
  if (text === undefined) return { ...out, unreadable: true };
  if (contentType(f) === 'text/event-stream') {
    const events = sseData(text);
    const end = events.find((e) => e.type === 'message-end')?.delta;
    out.responseId = events.find((e) => e.type === 'message-start')?.id;
    out.inputTokens = end?.usage?.tokens?.input_tokens;
    out.outputTokens = end?.usage?.tokens?.output_tokens;
    out.finishReasons = end?.finish_reason ? [end.finish_reason] : undefined;
    out.outputText = events.filter((e) => e.type === 'content-delta').map((e) => e.delta?.message?.content?.text ?? '').join('') || undefined;
    return out;
  }
  const body = JSON.parse(text);
  out.responseId = body.id;
  out.inputTokens = body.usage?.tokens?.input_tokens;
  out.outputTokens = body.usage?.tokens?.output_tokens;
  out.finishReasons = body.finish_reason ? [body.finish_reason] : undefined;
  out.outputText = (body.message?.content ?? []).filter((c: any) => c.type === 'text').map((c: any) => c.text).join('') || undefined;
  return out;
}

/**
 * The response's payload text: for AWS event streams, every frame's JSON payload with base64
 * `bytes` chunks decoded (frame = total length u32, headers length u32, prelude CRC, headers, payload, CRC).
 */
export function payloadText(f: Fixture): string {
  const bytes = wireResponseBytes(f);
  if (contentType(f) !== 'application/vnd.amazon.eventstream') return responseText(f) ?? '';
  const texts: string[] = [];
  for (let at = 0; at + 12 <= bytes.length; ) {
    const total = bytes.readUInt32BE(at);
    const headers = bytes.readUInt32BE(at + 4);
    if (total < 16 || at + total > bytes.length) break;
    const payload = bytes.subarray(at + 12 + headers, at + total - 4).toString('utf8');
    texts.push(payload);
    try {
      const chunk = JSON.parse(payload);
      if (typeof chunk.bytes === 'string') texts.push(Buffer.from(chunk.bytes, 'base64').toString('utf8'));
    } catch {
      // not JSON: keep the raw text
    }
    at += total;
  }
  return texts.join('\n');
}

/** Whether the provider reported token usage anywhere in the response (body, stream, or headers). */
export function reportsUsage(f: Fixture): boolean {
  if (Object.keys(f.response.headers).some((h) => h.toLowerCase().startsWith('x-amzn-bedrock-input-token-count'))) return true;
  return /"(usage|inputTokenCount|input_tokens|inputTokens|prompt_token_count|inputTextTokenCount|prompt_tokens)"/.test(payloadText(f));
}

/** The documented top-level request fields of the OpenAI and Anthropic APIs, as their attributes. */
function topLevelParams(req: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const maxTokens = req.max_tokens ?? req.max_completion_tokens ?? req.max_output_tokens;
  if (typeof maxTokens === 'number') out['gen_ai.request.max_tokens'] = maxTokens;
  if (typeof req.temperature === 'number') out['gen_ai.request.temperature'] = req.temperature;
  if (typeof req.top_p === 'number') out['gen_ai.request.top_p'] = req.top_p;
  if (typeof req.seed === 'number') out['gen_ai.request.seed'] = req.seed;
  if (typeof req.frequency_penalty === 'number') out['gen_ai.request.frequency_penalty'] = req.frequency_penalty;
  if (typeof req.presence_penalty === 'number') out['gen_ai.request.presence_penalty'] = req.presence_penalty;
  if (typeof req.n === 'number' && req.n !== 1) out['gen_ai.request.choice.count'] = req.n;
  if (typeof req.encoding_format === 'string') out['gen_ai.request.encoding_formats'] = [req.encoding_format];
  if (typeof req.user === 'string') out['user.id'] = req.user;
  return out;
}

/**
 * Helpers shared by the OpenAI-style families (chat completions, legacy completions, Responses,
 * embeddings). Many providers speak these formats (Azure OpenAI, Groq, Together, OpenRouter, DeepSeek,
 * Mistral, vLLM, Ollama, xAI, ...), each with small deviations; the readers here accept all of them
 * and never throw.
 */
import type { ChatMessage, LlmRequest, MessagePart, ProviderError, Usage } from '../llm-call';
import type { ParseContext } from './family';
import { asArray, asBoolean, asInt, asNumber, asObject, asString, asStringList, isObject, type Json } from './util';

/** Keeps streamed-or-copied text under a budget; the identity for whole bodies. */
export type TextSink = (text: string) => string;

export const keepAll: TextSink = (text) => text;

// ---------------------------------------------------------------------------------------------
// Usage

/**
 * Chat/completions usage. OpenAI's `prompt_tokens` already includes cached tokens, so it maps to
 * `inputTokens` as is; `reasoning_tokens` are part of `completion_tokens`.
 */
export function chatUsage(value: unknown): Usage | undefined {
  const u = asObject(value);
  if (!u) return undefined;
  const promptDetails = asObject(u.prompt_tokens_details);
  const completionDetails = asObject(u.completion_tokens_details);
  const inputTokens = asInt(u.prompt_tokens);
  let outputTokens = asInt(u.completion_tokens);
  const reasoning = asInt(completionDetails?.reasoning_tokens) ?? asInt(u.reasoning_tokens);
  // xAI reports reasoning tokens outside completion_tokens (total = prompt + completion + reasoning);
  // semconv wants them inside outputTokens, so add them only when the total proves they were excluded.
  const total = asInt(u.total_tokens);
  if (
    reasoning !== undefined && reasoning > 0 && inputTokens !== undefined && outputTokens !== undefined &&
    total !== undefined && total !== inputTokens + outputTokens && total === inputTokens + outputTokens + reasoning
  ) {
    outputTokens += reasoning;
  }
  const usage: Usage = {
    inputTokens,
    outputTokens,
    // DeepSeek reports cache hits as `prompt_cache_hit_tokens` (also included in prompt_tokens).
    cacheReadInputTokens: asInt(promptDetails?.cached_tokens) ?? asInt(u.prompt_cache_hit_tokens),
    // OpenRouter reports cache writes (included in prompt_tokens) for providers that bill them.
    cacheCreationInputTokens: asInt(promptDetails?.cache_write_tokens) ?? asInt(promptDetails?.cache_creation_tokens),
    reasoningOutputTokens: reasoning,
    costUsd: reportedCost(u),
  };
  return compactUsage(usage);
}

/** Responses API usage: `input_tokens` includes cached tokens, `output_tokens` includes reasoning. */
export function responsesUsage(value: unknown): Usage | undefined {
  const u = asObject(value);
  if (!u) return undefined;
  return compactUsage({
    inputTokens: asInt(u.input_tokens),
    outputTokens: asInt(u.output_tokens),
    cacheReadInputTokens: asInt(asObject(u.input_tokens_details)?.cached_tokens),
    reasoningOutputTokens: asInt(asObject(u.output_tokens_details)?.reasoning_tokens),
    costUsd: reportedCost(u),
  });
}

/** OpenRouter reports what the call cost (`usage.cost`, in USD credits) on chat and Responses usage. */
function reportedCost(u: Record<string, unknown>): number | undefined {
  const cost = u.cost;
  return typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? cost : undefined;
}

/** Embeddings usage: only `prompt_tokens`. */
export function embeddingsUsage(value: unknown): Usage | undefined {
  const u = asObject(value);
  if (!u) return undefined;
  return compactUsage({ inputTokens: asInt(u.prompt_tokens) ?? asInt(u.input_tokens) });
}

/** Drops undefined fields; undefined when nothing was reported. */
function compactUsage(usage: Usage): Usage | undefined {
  const out: Usage = {};
  let any = false;
  for (const key of Object.keys(usage) as Array<keyof Usage>) {
    const v = usage[key];
    if (v !== undefined) {
      out[key] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Upper bound for an error message we keep: some gateways put whole HTML pages there. */
const MAX_ERROR_MESSAGE = 2000;

/**
 * Error bodies of OpenAI and OpenAI-compatible APIs:
 * - OpenAI / Groq / Together / vLLM: `{error:{message, type, code, param}}`
 * - Azure: `{error:{code:"429", message, innererror?}}`
 * - OpenRouter: `{error:{code:429, message, metadata}}`
 * - Gemini's OpenAI endpoint: `[{error:{code:400, message, status:"INVALID_ARGUMENT"}}]`
 * - Mistral / vLLM top level: `{object:"error", message, type, code}`; gateways: `{message}`, `{detail}`
 * - Ollama and some proxies: `{error:"message"}`
 */
export function parseOpenAiError(body: unknown): ProviderError | undefined {
  const root = Array.isArray(body) ? asObject(body[0]) : asObject(body);
  if (!root) return undefined;
  if (typeof root.error === 'string') return { type: '_OTHER', message: limit(root.error) };
  const err = asObject(root.error) ?? (root.object === 'error' || 'message' in root || 'detail' in root ? root : undefined);
  if (!err) return undefined;
  const type =
    nonEmpty(asString(err.code)) ??
    nonEmpty(asString(err.status)) ??
    nonEmpty(asString(err.type)) ??
    numberText(err.code) ??
    nonEmpty(asString(err.error_type));
  const message = messageText(err.message) ?? messageText(err.detail);
  if (type === undefined && message === undefined) return undefined;
  const out: ProviderError = { type: type ?? '_OTHER' };
  if (message !== undefined) out.message = message;
  return out;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s !== undefined && s.length > 0 ? s : undefined;
}

function numberText(value: unknown): string | undefined {
  const n = asInt(value);
  return n === undefined ? undefined : String(n);
}

function messageText(value: unknown): string | undefined {
  if (typeof value === 'string') return limit(value);
  // Mistral/FastAPI validation errors carry structured details; keep a bounded JSON rendering.
  if (isObject(value) || Array.isArray(value)) {
    try {
      return limit(JSON.stringify(value));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function limit(s: string): string {
  return s.length > MAX_ERROR_MESSAGE ? s.slice(0, MAX_ERROR_MESSAGE) : s;
}

// ---------------------------------------------------------------------------------------------
// Finish reasons

const FINISH_REASON_MAP: Record<string, string> = {
  stop: 'stop',
  eos: 'stop', // Together / TGI
  end_turn: 'stop',
  stop_sequence: 'stop',
  completed: 'stop',
  length: 'length',
  max_tokens: 'length',
  max_output_tokens: 'length',
  model_length: 'length', // Mistral: context window reached
  tool_calls: 'tool_call',
  tool_call: 'tool_call',
  tool_use: 'tool_call',
  function_call: 'tool_call',
  content_filter: 'content_filter',
  safety: 'content_filter',
  error: 'error',
  failed: 'error',
};

/** The semconv `finish_reason` for a provider's raw value (the raw value when there is no clear equivalent). */
export function mapFinishReason(raw: string): string {
  return FINISH_REASON_MAP[raw.toLowerCase()] ?? raw;
}

/** What an output message says when the stream ended before the provider gave a reason. */
export function unfinishedReason(sawError: boolean): string {
  return sawError ? 'error' : 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Parts

/** Tool-call arguments: the parsed value when the text is valid JSON, else the raw text. */
export function parseArguments(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw ?? undefined;
  if (raw.length === 0) return undefined;
  const first = raw.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

/** Semconv modality for a MIME type (`document` for anything that is not image/audio/video). */
export function modalityOf(mime: string | undefined, fallback = 'document'): string {
  if (!mime) return fallback;
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return 'document';
}

/**
 * A data URL becomes a blob part, anything else a uri part. `data:<mime>[;base64],<payload>`:
 * found with indexOf, not a regex, because payloads can be megabytes.
 */
export function urlPart(url: string, modality: string, sink: TextSink = keepAll): MessagePart {
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    const header = comma === -1 ? url.slice(5) : url.slice(5, comma);
    const mime = header.split(';')[0] || undefined;
    const part: MessagePart = { type: 'blob', modality: modality === 'auto' ? modalityOf(mime) : modality, content: sink(comma === -1 ? '' : url.slice(comma + 1)) };
    if (mime) part.mime_type = mime;
    return part;
  }
  return { type: 'uri', modality: modality === 'auto' ? 'document' : modality, uri: url };
}

/** Keys whose values are payloads, not descriptions: never copied into generic parts. */
const BLOB_KEYS = new Set(['data', 'file_data', 'image_url', 'result', 'b64_json', 'encrypted_content', 'partial_image_b64', 'embedding']);
const MAX_SCALAR_CHARS = 2000;
const MAX_LIST_ITEMS = 64;

/**
 * Small scalar fields of a provider object (strings, numbers, booleans, short string lists), for
 * generic parts and built-in tool calls: enough to tell what happened without copying payloads.
 */
export function smallScalars(obj: Json, exclude: ReadonlySet<string> = new Set()): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(obj)) {
    if (exclude.has(key) || BLOB_KEYS.has(key)) continue;
    if (typeof value === 'string') {
      if (value.length <= MAX_SCALAR_CHARS && !value.startsWith('data:')) out[key] = value;
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      out[key] = value;
    } else if (Array.isArray(value) && value.length > 0 && value.length <= MAX_LIST_ITEMS && value.every((v) => typeof v === 'string' && v.length <= 256)) {
      out[key] = value;
    }
  }
  return out;
}

/** A generic part `{type, ...small scalar fields}` for content we do not model. */
export function genericPart(type: string, obj: Json): MessagePart {
  return { ...smallScalars(obj, TYPE_KEY), type };
}

const TYPE_KEY = new Set(['type']);

/**
 * One chat-completions content part (`text`, `image_url`, `input_audio`, `file`, `refusal`, plus the
 * Responses-style names some proxies accept). Unknown types become generic parts.
 */
export function chatContentPart(value: unknown, sink: TextSink = keepAll): MessagePart | undefined {
  if (typeof value === 'string') return { type: 'text', content: sink(value) };
  const p = asObject(value);
  if (!p) return undefined;
  const type = asString(p.type) ?? 'text';
  switch (type) {
    case 'text':
    case 'input_text':
    case 'output_text': {
      const text = asString(p.text);
      return text === undefined ? undefined : { type: 'text', content: sink(text) };
    }
    case 'refusal': {
      const text = asString(p.refusal) ?? asString(p.text);
      return text === undefined ? undefined : { type: 'refusal', content: sink(text) };
    }
    case 'image_url': {
      // `image_url` is `{url, detail}` in OpenAI's format, a bare string in some compatible servers.
      const url = asString(asObject(p.image_url)?.url) ?? asString(p.image_url);
      return url === undefined ? genericPart(type, p) : urlPart(url, 'image', sink);
    }
    case 'input_audio': {
      const audio = asObject(p.input_audio);
      const data = asString(audio?.data);
      if (data === undefined) return genericPart(type, p);
      const part: MessagePart = { type: 'blob', modality: 'audio', content: sink(data) };
      const format = asString(audio?.format);
      if (format) part.mime_type = `audio/${format}`;
      return part;
    }
    case 'file':
      return fileReference(asObject(p.file) ?? p, sink) ?? genericPart(type, p);
    case 'thinking': {
      // Mistral returns reasoning as `{type:"thinking", thinking:[{type:"text", text}]}`.
      const text = joinText(p.thinking) ?? asString(p.thinking);
      return text === undefined ? genericPart(type, p) : { type: 'reasoning', content: sink(text) };
    }
    default:
      return genericPart(type, p);
  }
}

/** A file given by id, inline data, or URL (chat `file` parts and Responses `input_file`). */
export function fileReference(f: Json, sink: TextSink = keepAll): MessagePart | undefined {
  const filename = asString(f.filename);
  const mime = asString(f.mime_type) ?? mimeFromFilename(filename);
  const fileId = asString(f.file_id);
  if (fileId !== undefined) {
    const part: MessagePart = { type: 'file', modality: modalityOf(mime), file_id: fileId };
    if (mime) part.mime_type = mime;
    return part;
  }
  const data = asString(f.file_data);
  if (data !== undefined) {
    if (data.startsWith('data:')) return urlPart(data, 'auto', sink);
    const part: MessagePart = { type: 'blob', modality: modalityOf(mime), content: sink(data) };
    if (mime) part.mime_type = mime;
    return part;
  }
  const url = asString(f.file_url);
  if (url !== undefined) {
    const part: MessagePart = { type: 'uri', modality: modalityOf(mime), uri: url };
    if (mime) part.mime_type = mime;
    return part;
  }
  return undefined;
}

const EXTENSION_MIME: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  json: 'application/json',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
};

function mimeFromFilename(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const dot = name.lastIndexOf('.');
  return dot === -1 ? undefined : EXTENSION_MIME[name.slice(dot + 1).toLowerCase()];
}

/** Text of a string or an array of `{type:"text", text}` parts; undefined when there is none. */
export function joinText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const list = asArray(value);
  if (!list) return undefined;
  let out: string | undefined;
  for (const item of list) {
    const text = typeof item === 'string' ? item : asString(asObject(item)?.text);
    if (text !== undefined) out = (out ?? '') + text;
  }
  return out;
}

/** Content that is a string or an array of parts. */
export function chatContentParts(content: unknown, sink: TextSink = keepAll): MessagePart[] {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', content: sink(content) }] : [];
  const list = asArray(content);
  if (!list) return [];
  const parts: MessagePart[] = [];
  for (const item of list) {
    const part = chatContentPart(item, sink);
    if (part) parts.push(part);
  }
  return parts;
}

/** One assistant `tool_calls[]` entry (function or custom tool) as a semconv part. */
export function toolCallPart(value: unknown): MessagePart | undefined {
  const call = asObject(value);
  if (!call) return undefined;
  const fn = asObject(call.function);
  const custom = asObject(call.custom);
  const name = asString(fn?.name) ?? asString(custom?.name) ?? asString(call.name);
  if (name === undefined) return undefined;
  const part: MessagePart = { type: 'tool_call', name };
  const id = asString(call.id);
  if (id !== undefined) part.id = id;
  const args = parseArguments(fn ? fn.arguments : custom ? custom.input : call.arguments);
  if (args !== undefined) part.arguments = args;
  return part;
}

/**
 * Chat `messages` → semconv input messages. System/developer messages stay in the list with their
 * role (they are history, not a separate instructions field).
 */
export function chatMessages(value: unknown): ChatMessage[] | undefined {
  const list = asArray(value);
  if (!list) return undefined;
  const out: ChatMessage[] = [];
  for (const item of list) {
    const message = chatMessage(item);
    if (message) out.push(message);
  }
  return out;
}

function chatMessage(value: unknown): ChatMessage | undefined {
  const m = asObject(value);
  if (!m) return undefined;
  const role = asString(m.role) ?? 'user';
  const parts: MessagePart[] = [];
  if (role === 'tool' || role === 'function') {
    // Tool results: `tool_call_id` links them to the assistant's call; legacy `function` messages have only a name.
    const part: MessagePart = { type: 'tool_call_response', response: joinText(m.content) ?? m.content ?? null };
    const id = asString(m.tool_call_id);
    if (id !== undefined) part.id = id;
    parts.push(part);
  } else {
    const reasoning = asString(m.reasoning_content) ?? asString(m.reasoning);
    if (reasoning) parts.push({ type: 'reasoning', content: reasoning });
    parts.push(...chatContentParts(m.content));
    const refusal = asString(m.refusal);
    if (refusal) parts.push({ type: 'refusal', content: refusal });
    for (const call of asArray(m.tool_calls) ?? []) {
      const part = toolCallPart(call);
      if (part) parts.push(part);
    }
    const legacy = toolCallPart(m.function_call);
    if (legacy) parts.push(legacy);
  }
  const message: ChatMessage = { role, parts };
  const name = asString(m.name);
  if (name !== undefined) message.name = name;
  return message;
}

// ---------------------------------------------------------------------------------------------
// Request parameters

/**
 * Sampling and identity parameters common to the OpenAI request formats. `model` falls back to the
 * URL (Azure deployments); `stream` to what the URL says.
 */
export function commonRequestParams(body: Json, request: LlmRequest, ctx: ParseContext): void {
  request.model = nonEmpty(asString(body.model)) ?? ctx.pathModel;
  const stream = asBoolean(body.stream) ?? (ctx.pathStream ? true : undefined);
  if (stream !== undefined) request.stream = stream;
  // `max_completion_tokens` replaced `max_tokens` for chat; Responses uses `max_output_tokens`.
  const maxTokens = asInt(body.max_completion_tokens) ?? asInt(body.max_output_tokens) ?? asInt(body.max_tokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  setNumber(request, 'temperature', body.temperature);
  setNumber(request, 'topP', body.top_p);
  // Not in OpenAI's API, but accepted by Together, vLLM, OpenRouter, Groq-compatible servers.
  const topK = asNumber(body.top_k);
  if (topK !== undefined) request.topK = topK;
  const stop = asStringList(body.stop);
  if (stop) request.stopSequences = stop;
  const seed = asInt(body.seed);
  if (seed !== undefined) request.seed = seed;
  setNumber(request, 'frequencyPenalty', body.frequency_penalty);
  setNumber(request, 'presencePenalty', body.presence_penalty);
  const n = asInt(body.n);
  if (n !== undefined && n !== 1) request.choiceCount = n;
  // `safety_identifier` supersedes the deprecated `user`.
  const metadata = asObject(body.metadata);
  const user = nonEmpty(asString(body.safety_identifier)) ?? nonEmpty(asString(body.user)) ?? nonEmpty(asString(metadata?.user_id));
  if (user !== undefined) request.userId = user;
  const session = nonEmpty(asString(metadata?.session_id));
  if (session !== undefined) request.sessionId = session;
}

function setNumber(request: LlmRequest, key: 'temperature' | 'topP' | 'frequencyPenalty' | 'presencePenalty', value: unknown): void {
  const n = asNumber(value);
  if (n !== undefined) request[key] = n;
}

/** `gen_ai.output.type` from a `response_format` / `text.format` object (`{type: ...}`) or string. */
export function outputTypeOf(format: unknown): 'json' | 'text' | undefined {
  const type = asString(asObject(format)?.type) ?? asString(format);
  if (type === 'json_object' || type === 'json_schema' || type === 'json') return 'json';
  if (type === 'text') return 'text';
  return undefined;
}

/**
 * OpenAI `/v1/chat/completions` and the many servers that copy it (Azure OpenAI, Groq, Together,
 * OpenRouter, DeepSeek, Mistral, xAI, vLLM, Ollama, LiteLLM, Gemini's OpenAI endpoint).
 */
import type { LlmRequest, LlmResponse, MessagePart, OutputMessage } from '../llm-call';
import type { ApiFamily, ParseContext, StreamEvent, StreamReducer } from './family';
import {
  chatContentParts,
  chatMessages,
  chatUsage,
  commonRequestParams,
  mapFinishReason,
  outputTypeOf,
  parseArguments,
  parseOpenAiError,
  toolCallPart,
  unfinishedReason,
} from './openai-shared';
import { asArray, asInt, asObject, asString, asStringList, TextBudget, type Json } from './util';

function parseRequest(body: unknown, ctx: ParseContext): LlmRequest {
  const request: LlmRequest = { operation: 'chat' };
  const b = asObject(body);
  if (!b) {
    if (ctx.pathModel) request.model = ctx.pathModel;
    return request;
  }
  commonRequestParams(b, request, ctx);
  const outputType = chatOutputType(b);
  if (outputType) request.outputType = outputType;
  if (ctx.captureContent) {
    const messages = chatMessages(b.messages);
    if (messages) request.inputMessages = messages;
    // `functions` is the pre-`tools` spelling, still sent by older SDKs and some proxies.
    const tools = asArray(b.tools) ?? asArray(b.functions);
    if (tools && tools.length > 0) request.toolDefinitions = tools;
  }
  return request;
}

/** Audio output (`modalities: ["text","audio"]`) is speech; otherwise `response_format` decides. */
function chatOutputType(b: Json): LlmRequest['outputType'] {
  if (asStringList(b.modalities)?.includes('audio')) return 'speech';
  return outputTypeOf(b.response_format);
}

function parseResponse(body: unknown, ctx: ParseContext): LlmResponse {
  const b = asObject(body);
  if (!b) return {};
  const response: LlmResponse = {};
  const id = asString(b.id);
  if (id) response.id = id;
  const model = asString(b.model);
  if (model) response.model = model;
  const usage = chatUsage(b.usage) ?? chatUsage(asObject(b.x_groq)?.usage);
  if (usage) response.usage = usage;
  const choices = sortedChoices(b.choices);
  const finishReasons = choices.map((c) => asString(c.finish_reason)).filter((r): r is string => r !== undefined);
  if (finishReasons.length > 0) response.finishReasons = finishReasons;
  if (ctx.captureContent && choices.length > 0) response.outputMessages = choices.map(choiceMessage);
  // Some compatible servers return 200 with an error object (e.g. OpenRouter mid-generation failures).
  if (b.error !== undefined && b.error !== null) {
    const error = parseOpenAiError(b);
    if (error) response.error = error;
  }
  return response;
}

/** Choices ordered by their `index` (servers send them in order, but nothing guarantees it). */
function sortedChoices(value: unknown): Json[] {
  const choices = (asArray(value) ?? []).map(asObject).filter((c): c is Json => c !== undefined);
  return choices
    .map((c, position) => ({ c, key: asInt(c.index) ?? position }))
    .sort((x, y) => x.key - y.key)
    .map((x) => x.c);
}

function choiceMessage(choice: Json): OutputMessage {
  const message = asObject(choice.message) ?? {};
  const parts: MessagePart[] = [];
  const reasoning = asString(message.reasoning_content) ?? asString(message.reasoning);
  if (reasoning) parts.push({ type: 'reasoning', content: reasoning });
  parts.push(...chatContentParts(message.content));
  const refusal = asString(message.refusal);
  if (refusal) parts.push({ type: 'refusal', content: refusal });
  for (const call of asArray(message.tool_calls) ?? []) {
    const part = toolCallPart(call);
    if (part) parts.push(part);
  }
  const legacy = toolCallPart(message.function_call);
  if (legacy) parts.push(legacy);
  const audio = asObject(message.audio);
  // Audio output is base64 WAV/MP3 (megabytes): keep its id and transcript, never the data.
  if (audio) parts.push(audioPart(audio));
  const raw = asString(choice.finish_reason);
  return { role: asString(message.role) ?? 'assistant', parts, finish_reason: raw ? mapFinishReason(raw) : 'unknown' };
}

function audioPart(audio: Json): MessagePart {
  const part: MessagePart = { type: 'audio' };
  const id = asString(audio.id);
  if (id) part.id = id;
  const transcript = asString(audio.transcript);
  if (transcript) part.transcript = transcript;
  return part;
}

// ---------------------------------------------------------------------------------------------
// Streaming

/** Bounds on what an untrusted stream can make us allocate, beyond the text budget. */
const MAX_CHOICES = 128;
const MAX_TOOL_CALLS = 128;
const MAX_NAME_CHARS = 256;

interface ToolCallState {
  key: number;
  id?: string;
  name?: string;
  args: string;
}

interface ChoiceState {
  index: number;
  role?: string;
  text: string;
  reasoning: string;
  refusal: string;
  audioTranscript: string;
  toolCalls: ToolCallState[];
  functionCall?: { name?: string; args: string };
  finishReason?: string;
}

/**
 * The plain content delta, most chunks of every chat stream: one choice whose delta is only
 * `content`, no finish reason —
 * `"choices":[{"index":N,"delta":{"content":"…"},"logprobs":null,"finish_reason":null}]`.
 * The rest of such a chunk (id, model, fingerprint, `usage: null`, `obfuscation`) carries nothing
 * new after the first chunk. Returns the choice index and the raw (still escaped) content, or
 * undefined for any other shape. indexOf-based: a fraction of the cost of `JSON.parse`.
 */
const DELTA_HEAD = '"choices":[{"index":';
const DELTA_CONTENT = ',"delta":{"content":"';
const DELTA_TAIL = '"},"logprobs":null,"finish_reason":null}]';

function plainContentDelta(data: string): { index: number; raw: string } | undefined {
  const head = data.indexOf(DELTA_HEAD);
  if (head === -1) return undefined;
  let at = head + DELTA_HEAD.length;
  let index = 0;
  const digits = at;
  for (let c = data.charCodeAt(at); c >= 48 && c <= 57; c = data.charCodeAt(++at)) index = index * 10 + (c - 48);
  if (at === digits || at - digits > 6 || !data.startsWith(DELTA_CONTENT, at)) return undefined;
  const start = at + DELTA_CONTENT.length;
  // The closing quote: the first `"` not escaped by an odd run of backslashes.
  let end = data.indexOf('"', start);
  while (end !== -1) {
    let slashes = 0;
    while (data.charCodeAt(end - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) break;
    end = data.indexOf('"', end + 1);
  }
  if (end === -1 || !data.startsWith(DELTA_TAIL, end)) return undefined;
  // OpenAI-compatible servers put usage (and Groq its `x_groq`) after `choices`: only the short
  // rest of the chunk can hold something `push` would read.
  const rest = data.slice(end + DELTA_TAIL.length);
  if (rest.includes('"usage":{') || rest.includes('"error"') || rest.includes('"x_groq"')) return undefined;
  return { index, raw: data.slice(start, end) };
}

class ChatStreamReducer implements StreamReducer {
  private readonly budget: TextBudget;
  private readonly choices = new Map<number, ChoiceState>();
  private readonly response: LlmResponse = {};

  constructor(private readonly ctx: ParseContext) {
    this.budget = new TextBudget(ctx.maxContentChars);
  }

  push(event: StreamEvent): void {
    const chunk = asObject(event.data);
    if (!chunk) return; // `[DONE]` and other non-JSON lines
    // Errors arrive as `data: {"error":{...}}` (OpenAI, Azure) or `event: error`; OpenRouter puts the
    // error next to a last choice with `finish_reason: "error"`, so the chunk is still read.
    if ((chunk.error !== undefined && chunk.error !== null) || event.event === 'error') {
      this.response.error = parseOpenAiError(chunk) ?? { type: '_OTHER' };
    }
    if (this.response.id === undefined) {
      const id = asString(chunk.id);
      if (id) this.response.id = id;
    }
    if (this.response.model === undefined) {
      const model = asString(chunk.model);
      if (model) this.response.model = model;
    }
    // Usage arrives on the last chunk (`choices: []`) with `stream_options.include_usage`, on the
    // finishing chunk (Together), or under `x_groq.usage` (Groq).
    const usage = chatUsage(chunk.usage) ?? chatUsage(asObject(chunk.x_groq)?.usage);
    if (usage) this.response.usage = usage;
    for (const item of asArray(chunk.choices) ?? []) {
      const choice = asObject(item);
      if (choice) this.pushChoice(choice);
    }
  }

  /** Saves a `JSON.parse` per chunk for plain content deltas; anything else goes through `push`. */
  pushRaw(data: string): boolean {
    // The first chunk names the response (id, model): parse it. Usage, errors and Groq's extras too.
    if (this.response.id === undefined || this.response.model === undefined) return false;
    const delta = plainContentDelta(data);
    if (!delta) return false;
    const state = this.choiceState(delta.index);
    if (state && this.ctx.captureContent) {
      let text = delta.raw;
      if (text.includes('\\')) {
        try {
          text = JSON.parse(`"${text}"`) as string;
        } catch {
          return false; // an escape JSON does not allow: let the full parse decide
        }
      }
      state.text = this.budget.append(state.text, text);
    }
    return true;
  }

  private pushChoice(choice: Json): void {
    const state = this.choiceState(asInt(choice.index) ?? 0);
    if (!state) return;
    const finish = asString(choice.finish_reason);
    if (finish) state.finishReason = finish;
    if (!this.ctx.captureContent) return;
    const delta = asObject(choice.delta);
    if (!delta) return;
    const role = asString(delta.role);
    if (role) state.role = role;
    const content = delta.content;
    if (typeof content === 'string') state.text = this.budget.append(state.text, content);
    else if (Array.isArray(content)) this.appendContentArray(state, content);
    // DeepSeek/vLLM say `reasoning_content`, OpenRouter/Groq say `reasoning`; one of them per delta.
    const reasoning = asString(delta.reasoning_content) ?? asString(delta.reasoning);
    if (reasoning) state.reasoning = this.budget.append(state.reasoning, reasoning);
    const refusal = asString(delta.refusal);
    if (refusal) state.refusal = this.budget.append(state.refusal, refusal);
    for (const call of asArray(delta.tool_calls) ?? []) {
      const c = asObject(call);
      if (c) this.pushToolCall(state, c);
    }
    const fn = asObject(delta.function_call);
    if (fn) {
      state.functionCall ??= { args: '' };
      const name = asString(fn.name);
      if (name) state.functionCall.name = name.slice(0, MAX_NAME_CHARS);
      const args = asString(fn.arguments);
      if (args) state.functionCall.args = this.budget.append(state.functionCall.args, args);
    }
    const transcript = asString(asObject(delta.audio)?.transcript);
    if (transcript) state.audioTranscript = this.budget.append(state.audioTranscript, transcript);
  }

  /** Mistral streams `content` as an array of `text` / `thinking` chunks. */
  private appendContentArray(state: ChoiceState, content: unknown[]): void {
    for (const part of chatContentParts(content)) {
      if (part.type === 'text' && typeof part.content === 'string') state.text = this.budget.append(state.text, part.content);
      else if (part.type === 'reasoning' && typeof part.content === 'string') state.reasoning = this.budget.append(state.reasoning, part.content);
    }
  }

  /**
   * Tool calls arrive as fragments keyed by `index`: the first carries id and name, later ones
   * argument text. Servers that omit `index` send whole calls, matched by id or appended.
   */
  private pushToolCall(state: ChoiceState, call: Json): void {
    const id = asString(call.id);
    const index = asInt(call.index);
    let entry =
      index !== undefined
        ? state.toolCalls.find((t) => t.key === index)
        : id !== undefined
          ? state.toolCalls.find((t) => t.id === id)
          : undefined;
    if (!entry) {
      if (state.toolCalls.length >= MAX_TOOL_CALLS) return;
      entry = { key: index ?? nextKey(state.toolCalls), args: '' };
      state.toolCalls.push(entry);
    }
    if (id) entry.id = id;
    const fn = asObject(call.function) ?? asObject(call.custom);
    const name = asString(fn?.name);
    if (name) entry.name = name.slice(0, MAX_NAME_CHARS);
    const args = asString(fn?.arguments) ?? asString(fn?.input);
    if (args) entry.args = this.budget.append(entry.args, args);
  }

  private choiceState(index: number): ChoiceState | undefined {
    let state = this.choices.get(index);
    if (!state) {
      if (this.choices.size >= MAX_CHOICES || index < 0) return undefined;
      state = { index, text: '', reasoning: '', refusal: '', audioTranscript: '', toolCalls: [] };
      this.choices.set(index, state);
    }
    return state;
  }

  finish(): LlmResponse {
    // Finished once (StreamReducer): the response built along the stream is the result, not a copy of it.
    const response = this.response;
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index);
    const finishReasons = choices.map((c) => c.finishReason).filter((r): r is string => r !== undefined);
    if (finishReasons.length > 0) response.finishReasons = finishReasons;
    if (this.ctx.captureContent && choices.length > 0) {
      response.outputMessages = choices.map((c) => this.outputMessage(c, response.error !== undefined));
    }
    if (this.budget.truncated) response.contentTruncated = true;
    return response;
  }

  private outputMessage(c: ChoiceState, sawError: boolean): OutputMessage {
    const parts: MessagePart[] = [];
    if (c.reasoning) parts.push({ type: 'reasoning', content: c.reasoning });
    if (c.text) parts.push({ type: 'text', content: c.text });
    if (c.refusal) parts.push({ type: 'refusal', content: c.refusal });
    for (const t of [...c.toolCalls].sort((a, b) => a.key - b.key)) {
      const part: MessagePart = { type: 'tool_call', name: t.name ?? '' };
      if (t.id) part.id = t.id;
      const args = parseArguments(t.args);
      if (args !== undefined) part.arguments = args;
      parts.push(part);
    }
    if (c.functionCall) {
      const part: MessagePart = { type: 'tool_call', name: c.functionCall.name ?? '' };
      const args = parseArguments(c.functionCall.args);
      if (args !== undefined) part.arguments = args;
      parts.push(part);
    }
    if (c.audioTranscript) parts.push({ type: 'audio', transcript: c.audioTranscript });
    return {
      role: c.role ?? 'assistant',
      parts,
      finish_reason: c.finishReason ? mapFinishReason(c.finishReason) : unfinishedReason(sawError),
    };
  }
}

function nextKey(calls: ToolCallState[]): number {
  let max = -1;
  for (const t of calls) if (t.key > max) max = t.key;
  return max + 1;
}

export const openaiChatCompletions: ApiFamily = {
  name: 'openai.chat_completions',
  parseRequest,
  parseResponse,
  createStreamReducer: (ctx) => new ChatStreamReducer(ctx),
  parseError: parseOpenAiError,
};

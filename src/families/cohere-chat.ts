/**
 * Cohere chat, both API generations:
 * - v1 `POST /v1/chat` (https://docs.cohere.com/v1/reference/chat): `message` + `chat_history` + `preamble`;
 *   streams are newline-delimited JSON with `event_type` (https://docs.cohere.com/v1/docs/streaming).
 * - v2 `POST /v2/chat` (https://docs.cohere.com/reference/chat): OpenAI-like `messages`; streams are SSE
 *   with a `type` per event (https://docs.cohere.com/v2/docs/streaming).
 * The body shape decides the generation: v2 requests carry `messages`, v1 requests carry `message`;
 * v2 responses carry `message`/`usage`, v1 responses carry `text`/`meta`.
 *
 * Usage decision: Cohere reports `tokens` ("the total number of input/output tokens processed")
 * and `billed_units` ("the number of billed input/output tokens"); the billed input count omits the
 * tokens of Cohere's own prompt template, so it is smaller. Semconv `gen_ai.usage.*_tokens` counts
 * tokens the model used, so `tokens` wins and `billed_units` is only the fallback when `tokens` is
 * absent (e.g. older responses). Cohere has no cache or reasoning counters.
 */
import type { ChatMessage, LlmRequest, LlmResponse, MessagePart, OutputMessage, ProviderError, Usage } from '../llm-call';
import type { ApiFamily, ParseContext, StreamEvent, StreamReducer } from './family';
import { asArray, asBoolean, asInt, asNumber, asObject, asString, asStringList, TextBudget, type Json } from './util';

/** Bound on tool calls a stream reducer tracks (text is bounded by the TextBudget). */
const MAX_STREAM_TOOL_CALLS = 256;

// ---------------------------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------------------------

function parseRequest(body: unknown, ctx: ParseContext): LlmRequest {
  const req: LlmRequest = { operation: 'chat' };
  const b = asObject(body);
  if (!b) return req;
  req.model = asString(b.model);
  req.stream = asBoolean(b.stream);
  req.maxTokens = asInt(b.max_tokens);
  req.temperature = asNumber(b.temperature);
  req.topP = asNumber(b.p);
  req.topK = asNumber(b.k);
  req.stopSequences = asStringList(b.stop_sequences);
  req.seed = asInt(b.seed);
  req.frequencyPenalty = asNumber(b.frequency_penalty);
  req.presencePenalty = asNumber(b.presence_penalty);
  const format = asString(asObject(b.response_format)?.type);
  if (format === 'json_object' || format === 'json_schema') req.outputType = 'json';
  else if (format === 'text') req.outputType = 'text';
  req.conversationId = asString(b.conversation_id); // v1 server-side history
  if (ctx.captureContent) {
    if (Array.isArray(b.messages)) req.inputMessages = v2Messages(b.messages);
    else {
      req.inputMessages = v1Messages(b);
      const preamble = asString(b.preamble);
      if (preamble !== undefined) req.systemInstructions = [{ type: 'text', content: preamble }];
    }
    const tools = asArray(b.tools)?.filter((t) => asObject(t) !== undefined);
    if (tools && tools.length > 0) req.toolDefinitions = tools;
  }
  return dropUndefined(req);
}

/** v1 roles are upper case: USER, CHATBOT, SYSTEM, TOOL. */
function v1Role(role: string | undefined): string {
  if (role === undefined) return 'user';
  const upper = role.toUpperCase();
  if (upper === 'CHATBOT') return 'assistant';
  return upper === 'USER' ? 'user' : role.toLowerCase();
}

/** v1: `chat_history` turns, then `tool_results` (answers to the last tool calls), then `message`. */
function v1Messages(b: Json): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const item of asArray(b.chat_history) ?? []) {
    const turn = asObject(item);
    if (!turn) continue;
    const parts: MessagePart[] = [];
    const text = asString(turn.message);
    if (text !== undefined && text.length > 0) parts.push({ type: 'text', content: text });
    parts.push(...v1ToolCalls(turn.tool_calls));
    parts.push(...v1ToolResults(turn.tool_results));
    out.push({ role: v1Role(asString(turn.role)), parts });
  }
  const results = v1ToolResults(b.tool_results);
  if (results.length > 0) out.push({ role: 'tool', parts: results });
  const message = asString(b.message);
  if (message !== undefined && message.length > 0) out.push({ role: 'user', parts: [{ type: 'text', content: message }] });
  return out;
}

/** v1 tool calls: `{name, parameters}` (no ids in v1). */
function v1ToolCalls(value: unknown): MessagePart[] {
  const parts: MessagePart[] = [];
  for (const item of asArray(value) ?? []) {
    const call = asObject(item);
    if (call) parts.push({ type: 'tool_call', name: asString(call.name) ?? '', arguments: call.parameters });
  }
  return parts;
}

/** v1 tool results: `{call: {name, parameters}, outputs: [...]}`. */
function v1ToolResults(value: unknown): MessagePart[] {
  const parts: MessagePart[] = [];
  for (const item of asArray(value) ?? []) {
    const result = asObject(item);
    if (result) parts.push({ type: 'tool_call_response', response: result.outputs ?? null });
  }
  return parts;
}

function v2Messages(messages: unknown[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const item of messages) {
    const m = asObject(item);
    if (!m) continue;
    const role = asString(m.role) ?? 'user';
    out.push({ role, parts: role === 'tool' ? [v2ToolResult(m)] : v2MessageParts(m) });
  }
  return out;
}

/** Parts of a v2 user/system/assistant message (request) or of the response `message`. */
function v2MessageParts(m: Json): MessagePart[] {
  const parts: MessagePart[] = [];
  const plan = asString(m.tool_plan);
  // The tool plan is the model's stated reasoning before it calls tools.
  if (plan !== undefined && plan.length > 0) parts.push({ type: 'reasoning', content: plan });
  parts.push(...v2Content(m.content));
  for (const item of asArray(m.tool_calls) ?? []) {
    const call = asObject(item);
    if (call) parts.push(v2ToolCall(call));
  }
  return parts;
}

function v2Content(content: unknown): MessagePart[] {
  const text = asString(content);
  if (text !== undefined) return [{ type: 'text', content: text }];
  const parts: MessagePart[] = [];
  for (const item of asArray(content) ?? []) {
    const part = v2ContentPart(asObject(item));
    if (part) parts.push(part);
  }
  return parts;
}

function v2ContentPart(block: Json | undefined): MessagePart | undefined {
  const type = asString(block?.type);
  if (!block || !type) return undefined;
  switch (type) {
    case 'text':
      return { type: 'text', content: asString(block.text) ?? '' };
    case 'thinking':
      return { type: 'reasoning', content: asString(block.thinking) ?? '' };
    case 'image_url': {
      const url = asString(asObject(block.image_url)?.url) ?? asString(block.image_url);
      return url === undefined ? { type } : imagePart(url);
    }
    case 'document':
      // RAG documents: arbitrary key/value data; keep only the id.
      return dropUndefined({ type: 'document', id: asString(asObject(block.document)?.id) });
    default:
      return { type };
  }
}

/** `data:<mime>;base64,<data>` → blob; anything else is a URI. */
function imagePart(url: string): MessagePart {
  const match = /^data:([^;,]+)?(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  if (match) {
    const part: MessagePart = { type: 'blob', modality: 'image', content: match[2]! };
    if (match[1]) part.mime_type = match[1];
    return part;
  }
  return { type: 'uri', modality: 'image', uri: url };
}

/** v2 tool call `{id, type:'function', function:{name, arguments: <JSON string>}}`. */
function v2ToolCall(call: Json): MessagePart {
  const fn = asObject(call.function);
  return { type: 'tool_call', id: asString(call.id), name: asString(fn?.name) ?? '', arguments: parseArguments(fn?.arguments) };
}

function v2ToolResult(m: Json): MessagePart {
  return { type: 'tool_call_response', id: asString(m.tool_call_id), response: toolResultContent(m.content) };
}

/**
 * Tool message content: a string, or blocks — `text`, or `document` whose `data` is usually the
 * tool's output as a JSON string (parsed when valid). Text-only lists collapse to one string and a
 * single document to its value.
 */
function toolResultContent(content: unknown): unknown {
  const text = asString(content);
  if (text !== undefined) return text;
  const blocks = asArray(content);
  if (!blocks) return content ?? null;
  const items = blocks.map((item) => {
    const block = asObject(item);
    if (asString(block?.type) === 'text') return asString(block?.text) ?? '';
    const document = asObject(block?.document);
    return document ? parseArguments(document.data ?? document) : null;
  });
  const onlyText = blocks.every((item) => asString(asObject(item)?.type) === 'text');
  if (onlyText) return items.join('');
  return items.length === 1 ? items[0] : items;
}

/** Arguments arrive as a JSON string: parsed when valid, else kept raw. */
function parseArguments(value: unknown): unknown {
  const text = asString(value);
  if (text === undefined) return value;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------------
// Response
// ---------------------------------------------------------------------------------------------

/** Cohere finish reasons (v1 and v2; upper case on the wire, lower case in some schemas) → semconv. */
function mapFinishReason(reason: string): string {
  switch (reason.toUpperCase()) {
    case 'COMPLETE':
    case 'STOP_SEQUENCE':
      return 'stop';
    case 'MAX_TOKENS':
    case 'ERROR_LIMIT':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_call';
    case 'ERROR_TOXIC':
      return 'content_filter';
    case 'ERROR':
      return 'error';
    default:
      return reason; // USER_CANCEL, TIMEOUT, ...
  }
}

/** `usage` (v2) or `meta` (v1): prefer `tokens` over `billed_units` (see the module comment). */
function readUsage(value: unknown): Usage | undefined {
  const u = asObject(value);
  if (!u) return undefined;
  const tokens = asObject(u.tokens);
  const billed = asObject(u.billed_units);
  const usage: Usage = {};
  const input = asNumber(tokens?.input_tokens) ?? asNumber(billed?.input_tokens);
  const output = asNumber(tokens?.output_tokens) ?? asNumber(billed?.output_tokens);
  // Counts can arrive as floats (e.g. 12.0) in billed_units; they are whole numbers of tokens.
  if (input !== undefined) usage.inputTokens = Math.round(input);
  if (output !== undefined) usage.outputTokens = Math.round(output);
  // Recent API versions add `cached_tokens` (prompt tokens served from Cohere's cache, within input_tokens).
  const cached = asNumber(u.cached_tokens);
  if (cached !== undefined) usage.cacheReadInputTokens = Math.round(cached);
  return Object.keys(usage).length > 0 ? usage : undefined;
}

function outputMessage(parts: MessagePart[], finishReason: string | undefined): OutputMessage {
  return { role: 'assistant', parts, finish_reason: finishReason !== undefined ? mapFinishReason(finishReason) : 'unknown' };
}

function parseResponse(body: unknown, ctx: ParseContext): LlmResponse {
  const b = asObject(body);
  if (!b) return {};
  const isV2 = asObject(b.message) !== undefined || asObject(b.usage) !== undefined;
  return isV2 ? parseV2Response(b, ctx) : parseV1Response(b, ctx);
}

function parseV2Response(b: Json, ctx: ParseContext): LlmResponse {
  const res: LlmResponse = { id: asString(b.id), usage: readUsage(b.usage) };
  const finish = asString(b.finish_reason);
  if (finish !== undefined) res.finishReasons = [finish];
  const message = asObject(b.message);
  if (ctx.captureContent && (message || finish !== undefined)) {
    res.outputMessages = [outputMessage(message ? v2MessageParts(message) : [], finish)];
  }
  return dropUndefined(res);
}

function parseV1Response(b: Json, ctx: ParseContext): LlmResponse {
  // generation_id is also what v1 stream-start reports, so streamed and whole responses agree.
  const res: LlmResponse = { id: asString(b.generation_id) ?? asString(b.response_id), usage: readUsage(b.meta) };
  const finish = asString(b.finish_reason);
  if (finish !== undefined) res.finishReasons = [finish];
  const text = asString(b.text);
  if (ctx.captureContent && (text !== undefined || finish !== undefined)) {
    const parts: MessagePart[] = [];
    if (text !== undefined && text.length > 0) parts.push({ type: 'text', content: text });
    parts.push(...v1ToolCalls(b.tool_calls));
    res.outputMessages = [outputMessage(parts, finish)];
  }
  return dropUndefined(res);
}

/** Cohere error bodies are `{"message": "..."}` (sometimes with an `id`); there is no error code. */
function parseError(body: unknown): ProviderError | undefined {
  const b = asObject(body);
  if (!b) return typeof body === 'string' && body.length > 0 ? { type: '_OTHER', message: body } : undefined;
  const nested = asObject(b.error);
  const message = asString(b.message) ?? asString(nested?.message) ?? asString(b.error);
  const code = asString(nested?.type) ?? asString(nested?.code) ?? asString(b.code);
  if (message === undefined && code === undefined) return undefined;
  const out: ProviderError = { type: code ?? '_OTHER' };
  if (message !== undefined) out.message = message;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Streaming: v1 NDJSON (`event_type`) and v2 SSE (`type`) in one reducer
// ---------------------------------------------------------------------------------------------

interface ToolCallState {
  id?: string;
  name: string;
  /** v2: concatenated argument fragments (a JSON string). */
  args: string;
  /** v1: arguments arrive whole, already as JSON values. */
  parsed?: { value: unknown };
}

class CohereStreamReducer implements StreamReducer {
  private id?: string;
  private finishReason?: string;
  private usage?: Usage;
  private error?: ProviderError;
  private text = '';
  private reasoning = '';
  private sawContent = false;
  private readonly toolCalls = new Map<number, ToolCallState>();
  private readonly budget: TextBudget;

  constructor(private readonly ctx: ParseContext) {
    this.budget = new TextBudget(ctx.maxContentChars);
  }

  push(event: StreamEvent): void {
    const data = asObject(event.data);
    if (!data) return;
    const v1Type = asString(data.event_type);
    if (v1Type !== undefined) this.onV1(v1Type, data);
    else this.onV2(asString(data.type) ?? event.event, data);
  }

  // --- v1 ------------------------------------------------------------------------------------

  private onV1(type: string, data: Json): void {
    switch (type) {
      case 'stream-start':
        this.id = asString(data.generation_id) ?? this.id;
        return;
      case 'text-generation':
        this.appendText(asString(data.text));
        return;
      case 'tool-calls-generation':
        if (!this.ctx.captureContent) return;
        for (const item of asArray(data.tool_calls) ?? []) {
          const call = asObject(item);
          if (call) this.addToolCall(this.toolCalls.size, { name: asString(call.name) ?? '', args: '', parsed: { value: call.parameters } });
        }
        return;
      case 'stream-end':
        return this.onV1End(data);
      default:
        return; // search-queries-generation, search-results, citation-generation, tool-calls-chunk, debug
    }
  }

  private onV1End(data: Json): void {
    this.finishReason = asString(data.finish_reason) ?? this.finishReason;
    const response = asObject(data.response);
    if (!response) return;
    this.id = asString(response.generation_id) ?? asString(response.response_id) ?? this.id;
    this.usage = readUsage(response.meta) ?? this.usage;
    this.finishReason = this.finishReason ?? asString(response.finish_reason);
    // The final response repeats the text; use it only when no text-generation event arrived.
    if (!this.sawContent) this.appendText(asString(response.text));
    if (this.ctx.captureContent && this.toolCalls.size === 0) {
      for (const part of v1ToolCalls(response.tool_calls)) {
        const call = part as { name: string; arguments?: unknown };
        this.addToolCall(this.toolCalls.size, { name: call.name, args: '', parsed: { value: call.arguments } });
      }
    }
  }

  // --- v2 ------------------------------------------------------------------------------------

  private onV2(type: string | undefined, data: Json): void {
    const delta = asObject(data.delta);
    const message = asObject(delta?.message);
    switch (type) {
      case 'message-start':
        this.id = asString(data.id) ?? this.id;
        return;
      case 'content-start':
      case 'content-delta': {
        const content = asObject(message?.content);
        this.appendText(asString(content?.text));
        this.appendReasoning(asString(content?.thinking));
        return;
      }
      case 'tool-plan-delta':
        this.appendReasoning(asString(message?.tool_plan));
        return;
      case 'tool-call-start':
      case 'tool-call-delta':
        return this.onV2ToolCall(type, asInt(data.index), asObject(message?.tool_calls));
      case 'message-end':
        this.finishReason = asString(delta?.finish_reason) ?? this.finishReason;
        this.usage = readUsage(delta?.usage) ?? this.usage;
        // A generation that failed mid-stream ends with finish_reason ERROR and an error string.
        if (asString(delta?.error)) this.error = { type: '_OTHER', message: asString(delta?.error) };
        return;
      default:
        return; // content-end, tool-call-end, citation-start/end, debug
    }
  }

  private onV2ToolCall(type: string, index: number | undefined, call: Json | undefined): void {
    if (!this.ctx.captureContent || !call) return;
    // Events carry the tool call's `index`; without one, a start opens the next slot and a delta extends the last.
    const key = index ?? (type === 'tool-call-start' ? this.toolCalls.size : this.toolCalls.size - 1);
    const fn = asObject(call.function);
    if (type === 'tool-call-start') {
      const state: ToolCallState = { id: asString(call.id), name: asString(fn?.name) ?? '', args: '' };
      state.args = this.budget.append('', asString(fn?.arguments) ?? '');
      this.addToolCall(key, state);
      return;
    }
    const state = this.toolCalls.get(key);
    if (state) state.args = this.budget.append(state.args, asString(fn?.arguments) ?? '');
  }

  // --- shared --------------------------------------------------------------------------------

  private addToolCall(index: number, state: ToolCallState): void {
    if (this.toolCalls.has(index) || this.toolCalls.size < MAX_STREAM_TOOL_CALLS) this.toolCalls.set(index, state);
  }

  private appendText(text: string | undefined): void {
    if (text === undefined) return;
    this.sawContent = true;
    if (this.ctx.captureContent) this.text = this.budget.append(this.text, text);
  }

  private appendReasoning(text: string | undefined): void {
    if (text === undefined || !this.ctx.captureContent) return;
    this.reasoning = this.budget.append(this.reasoning, text);
  }

  finish(): LlmResponse {
    const res: LlmResponse = { id: this.id, usage: this.usage, error: this.error };
    if (this.finishReason !== undefined) res.finishReasons = [this.finishReason];
    if (this.ctx.captureContent) {
      const parts: MessagePart[] = [];
      if (this.reasoning.length > 0) parts.push({ type: 'reasoning', content: this.reasoning });
      if (this.text.length > 0) parts.push({ type: 'text', content: this.text });
      const indices = [...this.toolCalls.keys()].sort((a, b) => a - b);
      for (const i of indices) {
        const call = this.toolCalls.get(i)!;
        const args = call.parsed ? call.parsed.value : parseArguments(call.args);
        parts.push({ type: 'tool_call', id: call.id, name: call.name, arguments: args });
      }
      if (parts.length > 0 || this.finishReason !== undefined) res.outputMessages = [outputMessage(parts, this.finishReason)];
    }
    if (this.budget.truncated) res.contentTruncated = true;
    return dropUndefined(res);
  }
}

function dropUndefined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as Array<keyof T>) if (obj[key] === undefined) delete obj[key];
  return obj;
}

export const cohereChat: ApiFamily = {
  name: 'cohere.chat',
  parseRequest,
  parseResponse,
  createStreamReducer: (ctx) => new CohereStreamReducer(ctx),
  parseError,
};

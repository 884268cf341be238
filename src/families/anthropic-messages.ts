/**
 * Anthropic Messages API (`POST /v1/messages`), plain JSON and SSE streams.
 *
 * Shapes follow https://docs.anthropic.com/en/api/messages and
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming. The same bodies travel through
 * Bedrock / Vertex "Claude" endpoints, so nothing here depends on the transport.
 */
import type { ChatMessage, LlmRequest, LlmResponse, MessagePart, OutputMessage, ProviderError, Usage } from '../llm-call';
import type { ApiFamily, ParseContext, StreamEvent, StreamReducer } from './family';
import { asArray, asBoolean, asInt, asNumber, asObject, asString, asStringList, sum, TextBudget, type Json } from './util';

/** A runaway stream could open any number of content blocks; beyond this many we stop tracking new ones. */
const MAX_STREAM_BLOCKS = 512;
/** Strings longer than this are not copied into generic parts (they are usually opaque payloads). */
const MAX_GENERIC_STRING = 256;

// ---------------------------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------------------------

function parseRequest(body: unknown, ctx: ParseContext): LlmRequest {
  const req: LlmRequest = { operation: 'chat' };
  const b = asObject(body);
  if (!b) return req;
  req.model = asString(b.model);
  req.maxTokens = asInt(b.max_tokens);
  req.temperature = asNumber(b.temperature);
  req.topP = asNumber(b.top_p);
  req.topK = asNumber(b.top_k);
  req.stopSequences = asStringList(b.stop_sequences);
  req.stream = asBoolean(b.stream);
  req.userId = asString(asObject(b.metadata)?.user_id);
  req.outputType = requestedOutputType(b);
  if (ctx.captureContent) {
    req.systemInstructions = systemParts(b.system);
    req.inputMessages = inputMessages(b.messages);
    const tools = asArray(b.tools)?.filter((t) => asObject(t) !== undefined);
    if (tools && tools.length > 0) req.toolDefinitions = tools;
  }
  return dropUndefined(req);
}

/** Structured outputs: `output_format` (beta) or `output_config.format`, both `{type:'json_schema'}`. */
function requestedOutputType(b: Json): LlmRequest['outputType'] {
  const format = asObject(b.output_format) ?? asObject(asObject(b.output_config)?.format);
  const type = asString(format?.type);
  return type === 'json_schema' || type === 'json' ? 'json' : undefined;
}

/** `system` is a string or an array of text blocks (possibly with `cache_control`). */
function systemParts(system: unknown): MessagePart[] | undefined {
  const text = asString(system);
  if (text !== undefined) return [{ type: 'text', content: text }];
  const blocks = asArray(system);
  if (!blocks) return undefined;
  const parts = blocksToParts(blocks);
  return parts.length > 0 ? parts : undefined;
}

function inputMessages(messages: unknown): ChatMessage[] | undefined {
  const list = asArray(messages);
  if (!list) return undefined;
  const out: ChatMessage[] = [];
  for (const item of list) {
    const m = asObject(item);
    if (!m) continue;
    out.push({ role: asString(m.role) ?? 'user', parts: contentParts(m.content) });
  }
  return out;
}

/** Message `content`: a plain string or an array of content blocks. */
function contentParts(content: unknown): MessagePart[] {
  const text = asString(content);
  if (text !== undefined) return [{ type: 'text', content: text }];
  return blocksToParts(asArray(content) ?? []);
}

function blocksToParts(blocks: unknown[]): MessagePart[] {
  const parts: MessagePart[] = [];
  for (const block of blocks) {
    const part = blockToPart(block);
    if (part) parts.push(part);
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Content blocks (shared by request and response)
// ---------------------------------------------------------------------------------------------

function blockToPart(value: unknown): MessagePart | undefined {
  const block = asObject(value);
  const type = asString(block?.type);
  if (!block || !type) return undefined;
  switch (type) {
    case 'text':
      return { type: 'text', content: asString(block.text) ?? '' };
    case 'thinking':
      return { type: 'reasoning', content: asString(block.thinking) ?? '' };
    case 'redacted_thinking':
      // `data` is an encrypted blob: meaningless to a reader and potentially large.
      return { type: 'redacted_thinking' };
    case 'image':
      return sourcePart(block.source, 'image') ?? { type: 'image' };
    case 'document':
      return sourcePart(block.source, 'document') ?? genericPart(block);
    case 'tool_use':
      return { type: 'tool_call', id: asString(block.id), name: asString(block.name) ?? '', arguments: block.input };
    case 'tool_result':
      return { type: 'tool_call_response', id: asString(block.tool_use_id), response: toolResultContent(block.content) };
    case 'server_tool_use':
    case 'mcp_tool_use':
      return serverToolCall(block);
    default:
      // Server tool results: web_search_tool_result, web_fetch_tool_result, code_execution_tool_result, mcp_tool_result, ...
      if (type.endsWith('_tool_result')) return serverToolResult(block, type);
      return genericPart(block);
  }
}

/** Image/document `source`: base64 → blob, url → uri, file → file, text → text. */
function sourcePart(value: unknown, modality: string): MessagePart | undefined {
  const source = asObject(value);
  if (!source) return undefined;
  const mime = asString(source.media_type);
  switch (asString(source.type)) {
    case 'base64': {
      const data = asString(source.data);
      return data === undefined ? undefined : withMime({ type: 'blob', modality, content: data }, mime);
    }
    case 'url': {
      const uri = asString(source.url);
      return uri === undefined ? undefined : withMime({ type: 'uri', modality, uri }, mime);
    }
    case 'file': {
      const fileId = asString(source.file_id);
      return fileId === undefined ? undefined : withMime({ type: 'file', modality, file_id: fileId }, mime);
    }
    case 'text': {
      const data = asString(source.data);
      return data === undefined ? undefined : { type: 'text', content: data };
    }
    default:
      return undefined;
  }
}

function withMime<T extends MessagePart>(part: T, mime: string | undefined): T {
  if (mime !== undefined) (part as Json).mime_type = mime;
  return part;
}

/** `tool_result.content`: a string, or blocks; text-only block lists collapse to one string. */
function toolResultContent(content: unknown): unknown {
  const text = asString(content);
  if (text !== undefined) return text;
  const blocks = asArray(content);
  if (!blocks) return content ?? '';
  const parts = blocksToParts(blocks);
  if (parts.every((p) => p.type === 'text')) return parts.map((p) => (p as { content: string }).content).join('');
  return parts;
}

function serverToolCall(block: Json): MessagePart {
  const name = asString(block.name) ?? '';
  const call: Json = { type: name, arguments: block.input };
  const server = asString(block.server_name);
  if (server !== undefined) call.server_name = server;
  return { type: 'server_tool_call', id: asString(block.id), name, server_tool_call: call };
}

/**
 * Server tool results carry search results with encrypted page content and similar large payloads:
 * keep only small descriptive fields of each item (url, title, error_code, ...).
 */
function serverToolResult(block: Json, type: string): MessagePart {
  const response: Json = { type };
  const content = block.content;
  const items = asArray(content);
  if (items) response.content = items.map((item) => smallFields(asObject(item) ?? {}));
  else if (asObject(content)) response.content = smallFields(asObject(content)!);
  return { type: 'server_tool_call_response', id: asString(block.tool_use_id), server_tool_call_response: response };
}

/** Unknown block types: keep the type and small scalar fields, never large or nested payloads. */
function genericPart(block: Json): MessagePart {
  return { ...smallFields(block), type: asString(block.type) ?? 'unknown' };
}

function smallFields(obj: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(obj)) {
    if (typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (typeof value === 'string' && value.length <= MAX_GENERIC_STRING) out[key] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Response
// ---------------------------------------------------------------------------------------------

/** Anthropic `stop_reason` → semconv `finish_reason`. */
function mapStopReason(reason: string): string {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_call';
    case 'refusal':
      return 'content_filter';
    default:
      return reason; // pause_turn and future values stay raw
  }
}

/** Raw usage counters, kept separately so stream events can overwrite them one by one. */
interface RawUsage {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheCreation?: number;
  cacheCreation1h?: number;
}

/** Reads one `usage` object; fields it does not carry stay undefined so they do not overwrite. */
function readUsage(value: unknown): RawUsage {
  const u = asObject(value);
  if (!u) return {};
  const breakdown = asObject(u.cache_creation);
  return {
    input: asInt(u.input_tokens),
    output: asInt(u.output_tokens),
    cacheRead: asInt(u.cache_read_input_tokens),
    // The total is authoritative; the per-TTL breakdown stands in only when the total is absent.
    cacheCreation:
      asInt(u.cache_creation_input_tokens) ??
      sum(asInt(breakdown?.ephemeral_5m_input_tokens), asInt(breakdown?.ephemeral_1h_input_tokens)),
    cacheCreation1h: asInt(breakdown?.ephemeral_1h_input_tokens),
  };
}

function mergeUsage(into: RawUsage, from: RawUsage): void {
  if (from.input !== undefined) into.input = from.input;
  if (from.output !== undefined) into.output = from.output;
  if (from.cacheRead !== undefined) into.cacheRead = from.cacheRead;
  if (from.cacheCreation !== undefined) into.cacheCreation = from.cacheCreation;
  if (from.cacheCreation1h !== undefined) into.cacheCreation1h = from.cacheCreation1h;
}

/** Anthropic's `input_tokens` excludes cache reads and writes; semconv's input count includes them. */
function toUsage(raw: RawUsage): Usage | undefined {
  const usage: Usage = {};
  if (raw.input !== undefined) usage.inputTokens = raw.input + (raw.cacheRead ?? 0) + (raw.cacheCreation ?? 0);
  if (raw.output !== undefined) usage.outputTokens = raw.output;
  if (raw.cacheRead !== undefined) usage.cacheReadInputTokens = raw.cacheRead;
  if (raw.cacheCreation !== undefined) usage.cacheCreationInputTokens = raw.cacheCreation;
  if (raw.cacheCreation1h) usage.cacheCreation1hInputTokens = raw.cacheCreation1h;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

function outputMessage(parts: MessagePart[], stopReason: string | undefined): OutputMessage {
  // A message cut short (no stop_reason seen) still needs a finish_reason; semconv allows any string.
  return { role: 'assistant', parts, finish_reason: stopReason !== undefined ? mapStopReason(stopReason) : 'unknown' };
}

function parseResponse(body: unknown, ctx: ParseContext): LlmResponse {
  const res: LlmResponse = {};
  const b = asObject(body);
  if (!b) return res;
  const error = parseError(b);
  if (error && asString(b.type) === 'error') {
    res.error = error;
    return res;
  }
  res.id = asString(b.id);
  res.model = asString(b.model);
  const stopReason = asString(b.stop_reason);
  if (stopReason !== undefined) res.finishReasons = [stopReason];
  res.usage = toUsage(readUsage(b.usage));
  const content = asArray(b.content);
  if (ctx.captureContent && (content || stopReason !== undefined)) {
    res.outputMessages = [outputMessage(blocksToParts(content ?? []), stopReason)];
  }
  return dropUndefined(res);
}

function parseError(body: unknown): ProviderError | undefined {
  const b = asObject(body);
  const err = asObject(b?.error);
  if (!err) return undefined;
  const type = asString(err.type);
  const message = asString(err.message);
  if (type === undefined && message === undefined) return undefined;
  const out: ProviderError = { type: type ?? 'error' };
  if (message !== undefined) out.message = message;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------------------------

/** One content block as the stream builds it. Text-like content is held under the reducer's budget. */
interface BlockState {
  type: string;
  text: string;
  /** tool_use / server_tool_use: concatenated `input_json_delta.partial_json`. */
  json: string;
  id?: string;
  name?: string;
  /** The `input` of content_block_start (normally `{}`), used when no JSON delta follows. */
  startInput?: unknown;
  /** A block that arrives complete in content_block_start (e.g. web_search_tool_result). */
  done?: MessagePart;
}

class AnthropicStreamReducer implements StreamReducer {
  private id?: string;
  private model?: string;
  private stopReason?: string;
  private error?: ProviderError;
  private readonly usage: RawUsage = {};
  private readonly blocks = new Map<number, BlockState>();
  private readonly budget: TextBudget;

  constructor(private readonly ctx: ParseContext) {
    this.budget = new TextBudget(ctx.maxContentChars);
  }

  push(event: StreamEvent): void {
    const data = asObject(event.data);
    if (!data) return;
    const type = asString(data.type) ?? event.event;
    switch (type) {
      case 'message_start':
        return this.onMessageStart(asObject(data.message));
      case 'content_block_start':
        return this.onBlockStart(asInt(data.index), asObject(data.content_block));
      case 'content_block_delta':
        return this.onBlockDelta(asInt(data.index), asObject(data.delta));
      case 'message_delta':
        return this.onMessageDelta(data);
      case 'error':
        this.error = parseError(data) ?? this.error;
        return;
      default:
        return; // ping, content_block_stop, message_stop, and event types added later
    }
  }

  private onMessageStart(message: Json | undefined): void {
    if (!message) return;
    this.id = asString(message.id) ?? this.id;
    this.model = asString(message.model) ?? this.model;
    mergeUsage(this.usage, readUsage(message.usage));
  }

  private onMessageDelta(data: Json): void {
    const stop = asString(asObject(data.delta)?.stop_reason);
    if (stop !== undefined) this.stopReason = stop;
    // output_tokens is cumulative; newer API versions also repeat input and cache counts here.
    mergeUsage(this.usage, readUsage(data.usage));
  }

  private onBlockStart(index: number | undefined, block: Json | undefined): void {
    if (!this.ctx.captureContent || index === undefined || !block) return;
    if (!this.blocks.has(index) && this.blocks.size >= MAX_STREAM_BLOCKS) return;
    const type = asString(block.type) ?? 'unknown';
    const state: BlockState = { type, text: '', json: '' };
    switch (type) {
      case 'text':
        state.text = this.budget.append('', asString(block.text) ?? '');
        break;
      case 'thinking':
        state.text = this.budget.append('', asString(block.thinking) ?? '');
        break;
      case 'tool_use':
      case 'server_tool_use':
      case 'mcp_tool_use':
        state.id = asString(block.id);
        state.name = asString(block.name);
        state.startInput = block.input;
        break;
      default:
        state.done = blockToPart(block);
    }
    this.blocks.set(index, state);
  }

  private onBlockDelta(index: number | undefined, delta: Json | undefined): void {
    if (!this.ctx.captureContent || index === undefined || !delta) return;
    const state = this.blocks.get(index);
    if (!state) return;
    switch (asString(delta.type)) {
      case 'text_delta':
        state.text = this.budget.append(state.text, asString(delta.text) ?? '');
        return;
      case 'thinking_delta':
        state.text = this.budget.append(state.text, asString(delta.thinking) ?? '');
        return;
      case 'input_json_delta':
        state.json = this.budget.append(state.json, asString(delta.partial_json) ?? '');
        return;
      default:
        return; // signature_delta, citations_delta: nothing we report
    }
  }

  finish(): LlmResponse {
    const res: LlmResponse = {
      id: this.id,
      model: this.model,
      usage: toUsage(this.usage),
      error: this.error,
    };
    if (this.stopReason !== undefined) res.finishReasons = [this.stopReason];
    if (this.ctx.captureContent && (this.blocks.size > 0 || this.stopReason !== undefined)) {
      const indices = [...this.blocks.keys()].sort((a, b) => a - b);
      const parts: MessagePart[] = [];
      for (const i of indices) parts.push(blockStateToPart(this.blocks.get(i)!));
      res.outputMessages = [outputMessage(parts, this.stopReason)];
    }
    if (this.budget.truncated) res.contentTruncated = true;
    return dropUndefined(res);
  }
}

function blockStateToPart(state: BlockState): MessagePart {
  if (state.done) return state.done;
  switch (state.type) {
    case 'text':
      return { type: 'text', content: state.text };
    case 'thinking':
      return { type: 'reasoning', content: state.text };
    case 'tool_use':
      return { type: 'tool_call', id: state.id, name: state.name ?? '', arguments: toolInput(state) };
    case 'server_tool_use':
    case 'mcp_tool_use': {
      const name = state.name ?? '';
      return { type: 'server_tool_call', id: state.id, name, server_tool_call: { type: name, arguments: toolInput(state) } };
    }
    default:
      return { type: state.type };
  }
}

/** The concatenated partial JSON, parsed; the raw string when it does not parse (e.g. truncated). */
function toolInput(state: BlockState): unknown {
  if (state.json.length === 0) return state.startInput;
  try {
    return JSON.parse(state.json);
  } catch {
    return state.json;
  }
}

/** Removes keys whose value is undefined, so results compare and serialise cleanly. */
function dropUndefined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as Array<keyof T>) if (obj[key] === undefined) delete obj[key];
  return obj;
}

export const anthropicMessages: ApiFamily = {
  name: 'anthropic.messages',
  parseRequest,
  parseResponse,
  createStreamReducer: (ctx) => new AnthropicStreamReducer(ctx),
  parseError,
};

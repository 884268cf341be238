/**
 * OpenAI `/v1/responses` (also served by Azure OpenAI, OpenRouter, Groq, xAI, vLLM and Ollama).
 * Input and output are lists of typed items: messages, function calls and their outputs, reasoning,
 * and calls of OpenAI-hosted tools (web search, file search, code interpreter, MCP, ...).
 */
import type { ChatMessage, LlmRequest, LlmResponse, MessagePart, OutputMessage } from '../llm-call';
import type { ApiFamily, ParseContext, StreamEvent, StreamReducer } from './family';
import {
  chatContentPart,
  commonRequestParams,
  fileReference,
  genericPart,
  joinText,
  keepAll,
  mapFinishReason,
  outputTypeOf,
  parseArguments,
  parseOpenAiError,
  responsesUsage,
  smallScalars,
  unfinishedReason,
  urlPart,
  type TextSink,
} from './openai-shared';
import { asArray, asInt, asObject, asString, isObject, TextBudget, type Json } from './util';

// ---------------------------------------------------------------------------------------------
// Request

function parseRequest(body: unknown, ctx: ParseContext): LlmRequest {
  const request: LlmRequest = { operation: 'chat' };
  const b = asObject(body);
  if (!b) {
    if (ctx.pathModel) request.model = ctx.pathModel;
    return request;
  }
  commonRequestParams(b, request, ctx);
  const outputType = outputTypeOf(asObject(b.text)?.format);
  if (outputType) request.outputType = outputType;
  // `conversation` is a string id or `{id}`. `previous_response_id` names the previous turn, not a
  // conversation (it changes every turn), so it is not reported as one.
  const conversation = asString(b.conversation) ?? asString(asObject(b.conversation)?.id);
  if (conversation) request.conversationId = conversation;
  if (ctx.captureContent) {
    const input = inputMessages(b.input);
    if (input) request.inputMessages = input;
    const instructions = instructionParts(b.instructions);
    if (instructions) request.systemInstructions = instructions;
    const tools = asArray(b.tools);
    if (tools && tools.length > 0) request.toolDefinitions = tools;
  }
  return request;
}

/** `instructions` is a string, or (as echoed by reusable prompts) a list of input messages. */
function instructionParts(value: unknown): MessagePart[] | undefined {
  if (typeof value === 'string') return value.length > 0 ? [{ type: 'text', content: value }] : undefined;
  const messages = inputMessages(value);
  if (!messages) return undefined;
  const parts = messages.flatMap((m) => m.parts);
  return parts.length > 0 ? parts : undefined;
}

/** Input item types that answer a call: they become `tool` messages with a `tool_call_response` part. */
const CALL_OUTPUT_TYPES = new Set([
  'function_call_output',
  'custom_tool_call_output',
  'computer_call_output',
  'local_shell_call_output',
  'shell_call_output',
  'apply_patch_call_output',
  'mcp_approval_response',
]);

/** `input`: a string (one user message) or a list of items, grouped into semconv messages. */
function inputMessages(value: unknown): ChatMessage[] | undefined {
  if (typeof value === 'string') return [{ role: 'user', parts: [{ type: 'text', content: value }] }];
  const list = asArray(value);
  if (!list) return undefined;
  const messages: ChatMessage[] = [];
  for (const entry of list) {
    const item = asObject(entry);
    if (!item) {
      if (typeof entry === 'string') messages.push({ role: 'user', parts: [{ type: 'text', content: entry }] });
      continue;
    }
    const type = asString(item.type);
    const role = asString(item.role);
    if (role !== undefined && (type === undefined || type === 'message')) {
      messages.push({ role, parts: contentParts(item.content, keepAll) });
    } else if (type !== undefined && CALL_OUTPUT_TYPES.has(type)) {
      messages.push({ role: 'tool', parts: [callOutputPart(type, item)] });
    } else if (type !== undefined && isAssistantItem(type)) {
      // Calls and reasoning the model produced in earlier turns: they belong to the assistant's turn.
      const parts = outputItemParts(item, keepAll);
      const last = messages[messages.length - 1];
      if (last && last.role === 'assistant') last.parts.push(...parts);
      else messages.push({ role: 'assistant', parts });
    } else if (type !== undefined) {
      // `item_reference` and types we do not know: a marker, never the payload.
      messages.push({ role: 'user', parts: [genericPart(type, item)] });
    }
  }
  return messages;
}

function isAssistantItem(type: string): boolean {
  return type === 'reasoning' || type === 'mcp_list_tools' || type === 'mcp_approval_request' || type.endsWith('_call');
}

function callOutputPart(type: string, item: Json): MessagePart {
  const part: MessagePart = { type: 'tool_call_response', response: callOutput(item) };
  const id = asString(item.call_id) ?? asString(item.approval_request_id) ?? asString(item.id);
  if (id !== undefined) part.id = id;
  if (type === 'mcp_approval_response') part.response = smallScalars(item, new Set(['type', 'id', 'approval_request_id']));
  return part;
}

/**
 * A call's output: a string, a list of content parts (text, images, files), or an object such as
 * the computer-use screenshot `{type, image_url, file_id}`, whose image data is never copied.
 */
function callOutput(item: Json): unknown {
  const output = item.output;
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return joinText(output) ?? contentParts(output, keepAll);
  if (isObject(output)) return smallScalars(output);
  return output ?? null;
}

/** Message content: a string or a list of `input_text` / `output_text` / `input_image` / ... parts. */
function contentParts(content: unknown, sink: TextSink): MessagePart[] {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', content: sink(content) }] : [];
  const parts: MessagePart[] = [];
  for (const entry of asArray(content) ?? []) {
    const part = contentPart(entry, sink);
    if (part) parts.push(part);
  }
  return parts;
}

function contentPart(value: unknown, sink: TextSink): MessagePart | undefined {
  const p = asObject(value);
  if (!p) return chatContentPart(value, sink);
  switch (asString(p.type)) {
    case 'input_image': {
      const url = asString(p.image_url);
      if (url !== undefined) return urlPart(url, 'image', sink);
      const fileId = asString(p.file_id);
      return fileId !== undefined ? { type: 'file', modality: 'image', file_id: fileId } : genericPart('input_image', p);
    }
    case 'input_file':
      return fileReference(p, sink) ?? genericPart('input_file', p);
    case 'summary_text':
    case 'reasoning_text': {
      const text = asString(p.text);
      return text === undefined ? undefined : { type: 'reasoning', content: sink(text) };
    }
    default:
      return chatContentPart(p, sink);
  }
}

// ---------------------------------------------------------------------------------------------
// Output items

/** Item types the client must act on: when present, the turn ended to call a tool. */
const CLIENT_CALL_TYPES = new Set([
  'function_call',
  'custom_tool_call',
  'computer_call',
  'local_shell_call',
  'shell_call',
  'apply_patch_call',
  'mcp_approval_request',
]);

/** Keys of hosted-tool items that are bookkeeping or payloads, not a description of the call. */
const HOSTED_CALL_SKIP = new Set(['type', 'id', 'call_id', 'status', 'action', 'arguments', 'tools', 'outputs', 'results', 'pending_safety_checks']);

/** One output item (or an assistant item echoed in input) as semconv parts. */
function outputItemParts(item: Json, sink: TextSink): MessagePart[] {
  const type = asString(item.type) ?? 'message';
  switch (type) {
    case 'message':
      return contentParts(item.content, sink);
    case 'function_call': {
      const args = asString(item.arguments);
      return [namedCall(item, asString(item.name) ?? '', args === undefined ? undefined : parseArguments(sink(args)))];
    }
    case 'custom_tool_call': {
      const input = asString(item.input);
      return [namedCall(item, asString(item.name) ?? '', input === undefined ? undefined : sink(input))];
    }
    case 'reasoning':
      return reasoningParts(item, sink);
    default:
      return isAssistantItem(type) ? [hostedCall(type, item)] : [genericPart(type, item)];
  }
}

function namedCall(item: Json, name: string, args: unknown): MessagePart {
  const part: MessagePart = { type: 'tool_call', name };
  const id = asString(item.call_id) ?? asString(item.id);
  if (id !== undefined) part.id = id;
  if (args !== undefined && args !== '') part.arguments = args;
  return part;
}

/** Summaries when the model gave them, else the raw reasoning text (open-weight models); never `encrypted_content`. */
function reasoningParts(item: Json, sink: TextSink): MessagePart[] {
  const fromList = (value: unknown): MessagePart[] =>
    (asArray(value) ?? [])
      .map((entry) => asString(asObject(entry)?.text))
      .filter((t): t is string => t !== undefined && t.length > 0)
      .map((t) => ({ type: 'reasoning', content: sink(t) }));
  const summary = fromList(item.summary);
  return summary.length > 0 ? summary : fromList(item.content);
}

/**
 * Calls of hosted tools (`web_search_call`, `code_interpreter_call`, `mcp_call`, ...) become a
 * `tool_call` named after the item type, with the call's small scalar fields as arguments. Results
 * (search results, generated images, screenshots, container outputs) are not copied.
 */
function hostedCall(type: string, item: Json): MessagePart {
  const args: Json = smallScalars(item, HOSTED_CALL_SKIP);
  const action = item.action;
  if (isObject(action)) args.action = smallScalars(action);
  else if (typeof action === 'string') args.action = action;
  const callArgs = asString(item.arguments);
  if (callArgs !== undefined && callArgs.length <= 2000) args.arguments = parseArguments(callArgs);
  if (type === 'mcp_list_tools') {
    const names = (asArray(item.tools) ?? []).map((t) => asString(asObject(t)?.name)).filter((n): n is string => n !== undefined);
    if (names.length > 0) args.tools = names;
  }
  return namedCall(item, type, Object.keys(args).length > 0 ? args : undefined);
}

/** The raw finish value: the incomplete reason when incomplete, else the status. */
function rawFinish(r: Json): string | undefined {
  const status = asString(r.status);
  if (status === 'incomplete') return asString(asObject(r.incomplete_details)?.reason) ?? status;
  return status;
}

function semconvFinish(raw: string | undefined, items: Json[], sawError: boolean): string {
  if (raw === undefined) return unfinishedReason(sawError);
  if (raw === 'completed' && items.some((i) => CLIENT_CALL_TYPES.has(asString(i.type) ?? ''))) return 'tool_call';
  return mapFinishReason(raw);
}

/** A whole `response` object (a body, or the one carried by `response.completed` and friends). */
function summarizeResponse(r: Json, ctx: ParseContext, sink: TextSink): LlmResponse {
  const response: LlmResponse = {};
  const id = asString(r.id);
  if (id) response.id = id;
  const model = asString(r.model);
  if (model) response.model = model;
  const usage = responsesUsage(r.usage);
  if (usage) response.usage = usage;
  if (r.error !== undefined && r.error !== null) {
    const error = parseOpenAiError({ error: r.error });
    if (error) response.error = error;
  }
  const raw = rawFinish(r);
  if (raw !== undefined) response.finishReasons = [raw];
  const items = (asArray(r.output) ?? []).map(asObject).filter((i): i is Json => i !== undefined);
  if (ctx.captureContent && (items.length > 0 || raw !== undefined)) {
    const parts = items.flatMap((item) => outputItemParts(item, sink));
    response.outputMessages = [{ role: 'assistant', parts, finish_reason: semconvFinish(raw, items, response.error !== undefined) }];
  }
  return response;
}

function parseResponse(body: unknown, ctx: ParseContext): LlmResponse {
  const b = asObject(body);
  if (!b) return {};
  // Some proxies wrap the object as `{response: {...}}` like the stream's final event does.
  const r = b.object === undefined && isObject(b.response) ? b.response : b;
  return summarizeResponse(r, ctx, keepAll);
}

// ---------------------------------------------------------------------------------------------
// Streaming

const MAX_ITEMS = 256;
const MAX_PARTS_PER_ITEM = 64;

interface ItemState {
  index: number;
  type: string;
  id?: string;
  callId?: string;
  name?: string;
  /** Text and refusal parts of a message, by `content_index`. */
  texts: Map<number, { kind: 'text' | 'refusal'; text: string }>;
  /** Reasoning summary parts by `summary_index`, and raw reasoning by `content_index`. */
  summaries: Map<number, string>;
  reasoning: Map<number, string>;
  /** Function-call arguments or custom-tool input. */
  args: string;
  /** Parts converted from `output_item.done`, for items whose content arrived in no delta. */
  doneParts?: MessagePart[];
}

const TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed', 'response.cancelled']);

class ResponsesStreamReducer implements StreamReducer {
  private budget: TextBudget;
  private readonly sink: TextSink;
  private readonly items = new Map<number, ItemState>();
  private id?: string;
  private model?: string;
  private error?: LlmResponse['error'];
  private final?: LlmResponse;

  constructor(private readonly ctx: ParseContext) {
    this.budget = new TextBudget(ctx.maxContentChars);
    this.sink = (text) => this.budget.append('', text);
  }

  push(event: StreamEvent): void {
    const data = asObject(event.data);
    if (!data) return;
    const type = asString(data.type) ?? event.event;
    if (type === undefined) return;
    if (type === 'error' || (type !== 'response.failed' && isObject(data.error))) {
      this.error = parseOpenAiError(data) ?? { type: '_OTHER' };
      return;
    }
    if (type === 'response.created' || type === 'response.in_progress' || type === 'response.queued') {
      this.noteMeta(asObject(data.response));
      return;
    }
    if (TERMINAL_EVENTS.has(type)) {
      const r = asObject(data.response);
      if (r) this.finalize(r);
      return;
    }
    if (this.final || !this.ctx.captureContent) return;
    this.pushItemEvent(type, data);
  }

  private noteMeta(r: Json | undefined): void {
    if (!r) return;
    this.id ??= asString(r.id);
    this.model ??= asString(r.model);
  }

  /**
   * The terminal event carries the whole response: it is authoritative, so what the deltas built is
   * dropped and the text budget starts over for the final copy.
   */
  private finalize(r: Json): void {
    this.noteMeta(r);
    this.items.clear();
    this.budget = new TextBudget(this.ctx.maxContentChars);
    this.final = summarizeResponse(r, this.ctx, this.sink);
  }

  private pushItemEvent(type: string, data: Json): void {
    switch (type) {
      case 'response.output_item.added':
        this.itemFromEvent(data);
        return;
      case 'response.output_item.done':
        this.itemDone(data);
        return;
      case 'response.output_text.delta':
        this.appendText(data, 'text', asString(data.delta));
        return;
      case 'response.refusal.delta':
        this.appendText(data, 'refusal', asString(data.delta));
        return;
      case 'response.output_text.done':
        this.fillText(data, 'text', asString(data.text));
        return;
      case 'response.refusal.done':
        this.fillText(data, 'refusal', asString(data.refusal));
        return;
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
      case 'response.mcp_call_arguments.delta': {
        const item = this.itemFromEvent(data);
        const delta = asString(data.delta);
        if (item && delta) item.args = this.budget.append(item.args, delta);
        return;
      }
      case 'response.function_call_arguments.done':
      case 'response.custom_tool_call_input.done': {
        const item = this.itemFromEvent(data);
        const full = asString(data.arguments) ?? asString(data.input);
        if (item && item.args === '' && full) item.args = this.sink(full);
        return;
      }
      case 'response.reasoning_summary_text.delta':
        this.appendReasoning(data, 'summaries', asInt(data.summary_index), asString(data.delta));
        return;
      case 'response.reasoning_text.delta':
        this.appendReasoning(data, 'reasoning', asInt(data.content_index), asString(data.delta));
        return;
      default:
        return; // content_part.added, web_search_call.searching, ... carry nothing we keep
    }
  }

  /** The item an event refers to by `output_index`, created (with what `item` says) when new. */
  private itemFromEvent(data: Json): ItemState | undefined {
    const index = asInt(data.output_index);
    if (index === undefined || index < 0) return undefined;
    let state = this.items.get(index);
    if (!state) {
      if (this.items.size >= MAX_ITEMS) return undefined;
      state = { index, type: 'message', texts: new Map(), summaries: new Map(), reasoning: new Map(), args: '' };
      this.items.set(index, state);
    }
    const item = asObject(data.item);
    if (item) {
      state.type = asString(item.type) ?? state.type;
      state.id ??= asString(item.id);
      state.callId ??= asString(item.call_id);
      state.name ??= asString(item.name);
    } else {
      state.id ??= asString(data.item_id);
    }
    return state;
  }

  /** Deltas already built the item: keep them. Otherwise (hosted tools, servers without deltas) convert the item. */
  private itemDone(data: Json): void {
    const state = this.itemFromEvent(data);
    const item = asObject(data.item);
    if (!state || !item) return;
    const hasDeltas = state.texts.size > 0 || state.summaries.size > 0 || state.reasoning.size > 0 || state.args !== '';
    if (!hasDeltas && state.doneParts === undefined) state.doneParts = outputItemParts(item, this.sink);
  }

  private appendText(data: Json, kind: 'text' | 'refusal', delta: string | undefined): void {
    const item = this.itemFromEvent(data);
    if (!item || !delta) return;
    const key = asInt(data.content_index) ?? 0;
    const entry = item.texts.get(key);
    if (entry) entry.text = this.budget.append(entry.text, delta);
    else if (item.texts.size < MAX_PARTS_PER_ITEM) item.texts.set(key, { kind, text: this.sink(delta) });
  }

  private fillText(data: Json, kind: 'text' | 'refusal', full: string | undefined): void {
    const item = this.itemFromEvent(data);
    if (!item || !full) return;
    const key = asInt(data.content_index) ?? 0;
    if (!item.texts.has(key) && item.texts.size < MAX_PARTS_PER_ITEM) item.texts.set(key, { kind, text: this.sink(full) });
  }

  private appendReasoning(data: Json, field: 'summaries' | 'reasoning', key: number | undefined, delta: string | undefined): void {
    const item = this.itemFromEvent(data);
    if (!item || !delta) return;
    const map = item[field];
    const k = key ?? 0;
    const current = map.get(k);
    if (current !== undefined) map.set(k, this.budget.append(current, delta));
    else if (map.size < MAX_PARTS_PER_ITEM) map.set(k, this.sink(delta));
  }

  finish(): LlmResponse {
    const response: LlmResponse = this.final ? { ...this.final } : this.assembled();
    if (response.id === undefined && this.id) response.id = this.id;
    if (response.model === undefined && this.model) response.model = this.model;
    if (response.error === undefined && this.error) response.error = this.error;
    if (this.budget.truncated) response.contentTruncated = true;
    return response;
  }

  /** The stream ended without a terminal event: report what the deltas built. */
  private assembled(): LlmResponse {
    const response: LlmResponse = {};
    if (!this.ctx.captureContent || this.items.size === 0) return response;
    const parts: MessagePart[] = [];
    for (const item of [...this.items.values()].sort((a, b) => a.index - b.index)) parts.push(...this.itemParts(item));
    const message: OutputMessage = { role: 'assistant', parts, finish_reason: unfinishedReason(this.error !== undefined) };
    response.outputMessages = [message];
    return response;
  }

  private itemParts(item: ItemState): MessagePart[] {
    if (item.doneParts) return item.doneParts;
    const byKey = <T>(map: Map<number, T>): T[] => [...map.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
    switch (item.type) {
      case 'message':
        return byKey(item.texts).map((t) => ({ type: t.kind, content: t.text }));
      case 'reasoning': {
        const texts = item.summaries.size > 0 ? byKey(item.summaries) : byKey(item.reasoning);
        return texts.map((t) => ({ type: 'reasoning', content: t }));
      }
      case 'function_call':
      case 'custom_tool_call': {
        const part: MessagePart = { type: 'tool_call', name: item.name ?? '' };
        const id = item.callId ?? item.id;
        if (id) part.id = id;
        const args = item.type === 'function_call' ? parseArguments(item.args) : item.args || undefined;
        if (args !== undefined) part.arguments = args;
        return [part];
      }
      default: {
        if (!isAssistantItem(item.type)) return [{ type: item.type }];
        // A hosted-tool call still in progress: its name is all we know.
        const part: MessagePart = { type: 'tool_call', name: item.type };
        const id = item.callId ?? item.id;
        if (id) part.id = id;
        return [part];
      }
    }
  }
}

export const openaiResponses: ApiFamily = {
  name: 'openai.responses',
  parseRequest,
  parseResponse,
  createStreamReducer: (ctx) => new ResponsesStreamReducer(ctx),
  parseError: parseOpenAiError,
};

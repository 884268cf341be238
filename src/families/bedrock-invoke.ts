import type { ChatMessage, LlmRequest, LlmResponse, MessagePart, OutputMessage, ProviderError, Usage } from '../llm-call';
import { bedrockConverse } from './bedrock-converse';
import type { ApiFamily, ParseContext, StreamEvent, StreamReducer } from './family';
import { asArray, asInt, asNumber, asObject, asString, asStringList, isObject, sum, TextBudget, type Json } from './util';

/**
 * AWS Bedrock InvokeModel / InvokeModelWithResponseStream (`POST /model/{modelId}/invoke[-with-response-stream]`).
 *
 * The body is the model vendor's native format, documented per vendor in "Inference request
 * parameters and response fields for foundation models"
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters.html). Bodies are
 * recognised by their *shape* (which fields they carry), with the vendor from the model id as a
 * tie-breaker, because the URL may name an application inference profile or provisioned model
 * ARN that says nothing about the vendor.
 *
 * Token counts: vendors that do not report usage in the body (Titan non-stream aside: Cohere,
 * Mistral, AI21 Jurassic, DeepSeek, legacy Claude) have it only in the `x-amzn-bedrock-input-token-count`
 * / `x-amzn-bedrock-output-token-count` response headers, which this parser does not see: those
 * fields stay undefined here and the transport layer fills them in. Streams carry the same counts
 * in the last chunk's `amazon-bedrock-invocationMetrics`, which we use when the vendor's own
 * payload lacks them.
 */

// ---------------------------------------------------------------------------------------------
// Vendor
// ---------------------------------------------------------------------------------------------

/** Cross-region inference profile prefixes (`us.anthropic.claude-...`, `global.anthropic...`). */
const PROFILE_PREFIXES = new Set(['us', 'eu', 'apac', 'global', 'us-gov', 'jp', 'au', 'ca']);

/**
 * The model vendor named by a Bedrock model id: `anthropic.claude-3-haiku-20240307-v1:0` → `anthropic`,
 * `us.amazon.nova-pro-v1:0` → `amazon`, `arn:aws:bedrock:...:foundation-model/meta.llama3-...` → `meta`.
 * Undefined when the id names no vendor (provisioned model and application profile ARNs).
 */
export function bedrockModelVendor(modelId: string): string | undefined {
  let id = modelId.trim();
  if (id.startsWith('arn:')) id = id.slice(id.lastIndexOf('/') + 1);
  const segments = id.toLowerCase().split('.');
  if (segments.length < 2) return undefined;
  let vendor = segments[0]!;
  if (PROFILE_PREFIXES.has(vendor) && segments.length >= 3) vendor = segments[1]!;
  return /^[a-z][a-z0-9-]*$/.test(vendor) ? vendor : undefined;
}

// ---------------------------------------------------------------------------------------------
// Finish reasons
// ---------------------------------------------------------------------------------------------

/** Every vendor's stop value (lower-cased) → semconv finish reason. Unlisted values stay raw. */
const FINISH_REASONS: Record<string, string> = {
  stop: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  finish: 'stop', // Titan
  stop_criteria_met: 'stop', // Titan
  complete: 'stop', // Cohere
  endoftext: 'stop', // AI21 Jurassic
  length: 'length',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_call',
  tool_calls: 'tool_call',
  tool_call: 'tool_call',
  function_call: 'tool_call',
  content_filter: 'content_filter',
  content_filtered: 'content_filter',
  guardrail_intervened: 'content_filter',
  refusal: 'content_filter',
  error_toxic: 'content_filter', // Cohere
  error: 'error',
};

function finishReason(raw: string | undefined): string {
  if (raw === undefined) return '';
  return FINISH_REASONS[raw.toLowerCase()] ?? raw;
}

// ---------------------------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------------------------

type RequestShape = 'anthropic' | 'nova' | 'openai_chat' | 'cohere_chat' | 'prompt' | 'unknown';

function requestShape(b: Json, vendor: string | undefined): RequestShape {
  if (Array.isArray(b.messages)) {
    if ('anthropic_version' in b || vendor === 'anthropic') return 'anthropic';
    if (vendor === 'amazon' || 'schemaVersion' in b || isObject(b.inferenceConfig)) return 'nova';
    return 'openai_chat'; // Mistral Large, AI21 Jamba, OpenAI gpt-oss, DeepSeek chat, Llama chat
  }
  if (typeof b.message === 'string') return 'cohere_chat'; // Cohere Command R / R+
  if (typeof b.inputText === 'string' || typeof b.prompt === 'string') return 'prompt';
  return 'unknown';
}

function firstNumber(obj: Json, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = obj[key];
    // AI21 Jurassic writes penalties as `{ scale: n }`.
    const n = asNumber(value) ?? asNumber(asObject(value)?.scale);
    if (n !== undefined) return n;
  }
  return undefined;
}

/**
 * Sampling parameters under every vendor's spelling (Anthropic `max_tokens`, Llama `max_gen_len`,
 * legacy Claude `max_tokens_to_sample`, Titan `maxTokenCount`, Nova `max_new_tokens`, Cohere `p`/`k`,
 * AI21 `topP`/`numResults`, ...). Later calls (nested config objects) override earlier ones.
 */
function readParams(obj: Json | undefined, request: LlmRequest): void {
  if (!obj) return;
  const maxTokens = firstNumber(obj, ['max_tokens', 'max_gen_len', 'max_tokens_to_sample', 'maxTokens', 'maxTokenCount', 'max_new_tokens', 'max_completion_tokens']);
  if (maxTokens !== undefined && Number.isInteger(maxTokens)) request.maxTokens = maxTokens;
  const temperature = asNumber(obj.temperature);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = firstNumber(obj, ['top_p', 'topP', 'p']);
  if (topP !== undefined) request.topP = topP;
  const topK = firstNumber(obj, ['top_k', 'topK', 'k']);
  if (topK !== undefined) request.topK = topK;
  const stop = asStringList(obj.stop_sequences) ?? asStringList(obj.stopSequences) ?? asStringList(obj.stop);
  if (stop) request.stopSequences = stop;
  const seed = asInt(obj.seed);
  if (seed !== undefined) request.seed = seed;
  const frequency = firstNumber(obj, ['frequency_penalty', 'frequencyPenalty']);
  if (frequency !== undefined) request.frequencyPenalty = frequency;
  const presence = firstNumber(obj, ['presence_penalty', 'presencePenalty']);
  if (presence !== undefined) request.presencePenalty = presence;
  const choices = asInt(obj.n) ?? asInt(obj.num_generations) ?? asInt(obj.numResults);
  if (choices !== undefined && choices !== 1) request.choiceCount = choices;
  const format = asString(asObject(obj.response_format)?.type);
  if (format !== undefined) request.outputType = format.startsWith('json') ? 'json' : 'text';
}

function parseRequest(body: unknown, ctx: ParseContext): LlmRequest {
  const b = asObject(body);
  const shape = b ? requestShape(b, bedrockModelVendor(ctx.pathModel ?? '')) : 'unknown';
  // Nova's native body is the Converse message format with snake_case inference parameters.
  const request: LlmRequest = shape === 'nova' ? bedrockConverse.parseRequest(b, ctx) : { operation: 'chat' };
  request.operation = shape === 'prompt' ? 'text_completion' : 'chat';
  if (ctx.pathModel) request.model = ctx.pathModel;
  if (ctx.pathStream) request.stream = true;
  if (!b) return request;

  readParams(b, request);
  readParams(asObject(b.textGenerationConfig), request); // Titan
  readParams(asObject(b.inferenceConfig), request); // Nova
  const userId = asString(asObject(b.metadata)?.user_id) ?? asString(b.user);
  if (userId !== undefined) request.userId = userId;

  if (ctx.captureContent && shape !== 'nova') readContent(b, shape, request);
  return request;
}

function readContent(b: Json, shape: RequestShape, request: LlmRequest): void {
  let messages: ChatMessage[] | undefined;
  let system: MessagePart[] | undefined;
  switch (shape) {
    case 'anthropic':
      messages = mapMessages(b.messages, (m) => anthropicParts(m.content));
      system = anthropicSystem(b.system);
      break;
    case 'openai_chat':
      messages = mapMessages(b.messages, openaiParts);
      break;
    case 'cohere_chat':
      messages = cohereMessages(b);
      if (typeof b.preamble === 'string') system = [{ type: 'text', content: b.preamble }];
      break;
    case 'prompt': {
      const prompt = asString(b.inputText) ?? asString(b.prompt);
      if (prompt !== undefined) messages = [{ role: 'user', parts: [{ type: 'text', content: prompt }] }];
      break;
    }
    default:
      break;
  }
  if (messages) request.inputMessages = messages;
  if (system && system.length > 0) request.systemInstructions = system;
  const tools = asArray(b.tools);
  if (tools && tools.length > 0) request.toolDefinitions = tools;
}

function mapMessages(value: unknown, parts: (message: Json) => MessagePart[]): ChatMessage[] | undefined {
  const list = asArray(value);
  if (!list) return undefined;
  const out: ChatMessage[] = [];
  for (const m of list) {
    const message = asObject(m);
    if (!message) continue;
    const chat: ChatMessage = { role: asString(message.role) ?? 'user', parts: parts(message) };
    const name = asString(message.name);
    if (name !== undefined) chat.name = name;
    out.push(chat);
  }
  return out;
}

/** Anthropic Messages content blocks (same shapes as the Anthropic API). */
function anthropicParts(content: unknown): MessagePart[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  const parts: MessagePart[] = [];
  for (const item of asArray(content) ?? []) {
    const block = asObject(item);
    if (!block) continue;
    const part = anthropicPart(block);
    if (part) parts.push(part);
  }
  return parts;
}

function anthropicPart(block: Json): MessagePart | undefined {
  const type = asString(block.type);
  switch (type) {
    case 'text':
      return { type: 'text', content: asString(block.text) ?? '' };
    case 'thinking':
      return { type: 'reasoning', content: asString(block.thinking) ?? '' };
    case 'redacted_thinking':
      return { type: 'redacted_reasoning' };
    case 'image':
    case 'document':
      return anthropicMedia(type === 'image' ? 'image' : 'document', asObject(block.source));
    case 'tool_use':
    case 'server_tool_use': {
      const part: MessagePart = { type: 'tool_call', name: asString(block.name) ?? '', arguments: block.input };
      const id = asString(block.id);
      if (id !== undefined) part.id = id;
      return part;
    }
    case 'tool_result': {
      const part: MessagePart = { type: 'tool_call_response', response: anthropicToolResult(block.content) };
      const id = asString(block.tool_use_id);
      if (id !== undefined) part.id = id;
      return part;
    }
    case undefined:
      return undefined;
    default:
      return { type };
  }
}

function anthropicMedia(modality: string, source: Json | undefined): MessagePart {
  const mime = asString(source?.media_type);
  const data = asString(source?.data);
  if (data !== undefined) {
    const part: MessagePart = { type: 'blob', modality, content: data };
    if (mime !== undefined) part.mime_type = mime;
    return part;
  }
  const url = asString(source?.url);
  if (url !== undefined) return { type: 'uri', modality, uri: url };
  const fileId = asString(source?.file_id);
  if (fileId !== undefined) return { type: 'file', modality, file_id: fileId };
  return { type: modality };
}

/** A tool result is a string, or blocks of which we keep the text. */
function anthropicToolResult(content: unknown): unknown {
  if (typeof content === 'string') return content;
  const blocks = asArray(content);
  if (!blocks) return content;
  const texts = blocks.map((b) => asString(asObject(b)?.text)).filter((t): t is string => t !== undefined);
  return texts.length === blocks.length ? texts.join('') : blocks.map((b) => (isObject(b) && typeof b.text === 'string' ? b.text : { type: asString(asObject(b)?.type) ?? 'unknown' }));
}

function anthropicSystem(system: unknown): MessagePart[] | undefined {
  if (typeof system === 'string') return [{ type: 'text', content: system }];
  return asArray(system) ? anthropicParts(system) : undefined;
}

/** OpenAI-style chat messages (Mistral Large, AI21 Jamba, OpenAI gpt-oss, DeepSeek). */
function openaiParts(message: Json): MessagePart[] {
  const parts: MessagePart[] = [];
  const content = message.content;
  const role = asString(message.role);
  if (role === 'tool') {
    const part: MessagePart = { type: 'tool_call_response', response: typeof content === 'string' ? content : (content ?? null) };
    const id = asString(message.tool_call_id);
    if (id !== undefined) part.id = id;
    return [part];
  }
  if (typeof content === 'string') parts.push({ type: 'text', content });
  for (const item of asArray(content) ?? []) {
    const block = asObject(item);
    const type = asString(block?.type);
    if (!block || type === undefined) continue;
    if (type === 'text') parts.push({ type: 'text', content: asString(block.text) ?? '' });
    else if (type === 'image_url') parts.push(imageUrlPart(asString(asObject(block.image_url)?.url) ?? asString(block.image_url)));
    else parts.push({ type });
  }
  const reasoning = asString(message.reasoning_content) ?? asString(message.reasoning);
  if (reasoning !== undefined) parts.unshift({ type: 'reasoning', content: reasoning });
  for (const call of asArray(message.tool_calls) ?? []) {
    const part = openaiToolCall(asObject(call));
    if (part) parts.push(part);
  }
  return parts;
}

function imageUrlPart(url: string | undefined): MessagePart {
  if (url === undefined) return { type: 'image_url' };
  const data = /^data:([^;,]+)?(?:;[^,]*)?,/.exec(url);
  if (data) {
    const part: MessagePart = { type: 'blob', modality: 'image', content: url.slice(data[0].length) };
    if (data[1]) part.mime_type = data[1];
    return part;
  }
  return { type: 'uri', modality: 'image', uri: url };
}

function openaiToolCall(call: Json | undefined): MessagePart | undefined {
  if (!call) return undefined;
  const fn = asObject(call.function);
  const part: MessagePart = { type: 'tool_call', name: asString(fn?.name) ?? '', arguments: jsonArguments(fn?.arguments) };
  const id = asString(call.id);
  if (id !== undefined) part.id = id;
  return part;
}

function jsonArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const COHERE_ROLES: Record<string, string> = { USER: 'user', CHATBOT: 'assistant', SYSTEM: 'system', TOOL: 'tool' };

/** Cohere Command R: `chat_history` then the current `message`. */
function cohereMessages(b: Json): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const item of asArray(b.chat_history) ?? []) {
    const turn = asObject(item);
    if (!turn) continue;
    const role = asString(turn.role) ?? 'USER';
    const text = asString(turn.message);
    out.push({ role: COHERE_ROLES[role] ?? role.toLowerCase(), parts: text !== undefined ? [{ type: 'text', content: text }] : [] });
  }
  const message = asString(b.message);
  if (message !== undefined) out.push({ role: 'user', parts: [{ type: 'text', content: message }] });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Usage
// ---------------------------------------------------------------------------------------------

function compact(usage: Usage): Usage | undefined {
  for (const key of Object.keys(usage) as Array<keyof Usage>) if (usage[key] === undefined) delete usage[key];
  return Object.keys(usage).length > 0 ? usage : undefined;
}

/** Anthropic reports cache reads and writes beside `input_tokens`; semconv input includes them. */
function anthropicUsage(value: unknown): Usage | undefined {
  const u = asObject(value);
  if (!u) return undefined;
  const cacheRead = asInt(u.cache_read_input_tokens);
  const cacheWrite = asInt(u.cache_creation_input_tokens);
  const input = asInt(u.input_tokens);
  return compact({
    inputTokens: input === undefined ? undefined : sum(input, cacheRead, cacheWrite),
    outputTokens: asInt(u.output_tokens),
    cacheReadInputTokens: cacheRead,
    cacheCreationInputTokens: cacheWrite,
  });
}

/** OpenAI-style usage (AI21 Jamba, gpt-oss): cached and reasoning tokens are already included. */
function openaiUsage(value: unknown): Usage | undefined {
  const u = asObject(value);
  if (!u) return undefined;
  return compact({
    inputTokens: asInt(u.prompt_tokens),
    outputTokens: asInt(u.completion_tokens),
    cacheReadInputTokens: asInt(asObject(u.prompt_tokens_details)?.cached_tokens),
    reasoningOutputTokens: asInt(asObject(u.completion_tokens_details)?.reasoning_tokens),
  });
}

/** The `amazon-bedrock-invocationMetrics` of a stream's last chunk (Bedrock's billing counts). */
function invocationMetricsUsage(value: unknown): Usage | undefined {
  const m = asObject(value);
  if (!m) return undefined;
  const cacheRead = asInt(m.cacheReadInputTokenCount);
  const cacheWrite = asInt(m.cacheWriteInputTokenCount);
  const input = asInt(m.inputTokenCount);
  return compact({
    inputTokens: input === undefined ? undefined : sum(input, cacheRead, cacheWrite),
    outputTokens: asInt(m.outputTokenCount),
    cacheReadInputTokens: cacheRead,
    cacheCreationInputTokens: cacheWrite,
  });
}

/** Cohere Command R `meta.billed_units` (what Bedrock bills; `meta.tokens` adds Cohere's hidden preamble). */
function cohereUsage(meta: unknown): Usage | undefined {
  const billed = asObject(asObject(meta)?.billed_units);
  if (!billed) return undefined;
  return compact({ inputTokens: asInt(billed.input_tokens), outputTokens: asInt(billed.output_tokens) });
}

/** Fields of `primary`, completed from `fallback`. */
function mergeUsage(primary: Usage | undefined, fallback: Usage | undefined): Usage | undefined {
  if (!primary) return fallback;
  if (!fallback) return primary;
  return { ...fallback, ...primary };
}

// ---------------------------------------------------------------------------------------------
// Whole responses
// ---------------------------------------------------------------------------------------------

function textMessage(text: string | undefined, raw: string | undefined, role = 'assistant'): OutputMessage {
  return { role, parts: text !== undefined ? [{ type: 'text', content: text }] : [], finish_reason: finishReason(raw) };
}

/** One output per choice: raw finish reasons in `finishReasons`, messages only when capturing content. */
function withChoices(response: LlmResponse, ctx: ParseContext, choices: Array<{ raw: string | undefined; message: () => OutputMessage }>): LlmResponse {
  const reasons = choices.map((c) => c.raw).filter((r): r is string => r !== undefined);
  if (reasons.length > 0) response.finishReasons = reasons;
  if (ctx.captureContent && choices.length > 0) response.outputMessages = choices.map((c) => c.message());
  return response;
}

function isAnthropicMessage(b: Json): boolean {
  return b.type === 'message' || (Array.isArray(b.content) && ('stop_reason' in b || 'role' in b));
}

function parseResponse(body: unknown, ctx: ParseContext): LlmResponse {
  const b = asObject(body);
  if (!b) return {};
  const response: LlmResponse = {};
  const id = asString(b.id) ?? asString(b.response_id);
  if (id !== undefined) response.id = id;
  const model = asString(b.model);
  if (model !== undefined) response.model = model;

  if (isAnthropicMessage(b)) {
    const usage = anthropicUsage(b.usage);
    if (usage) response.usage = usage;
    const raw = asString(b.stop_reason);
    return withChoices(response, ctx, [{ raw, message: () => ({ role: asString(b.role) ?? 'assistant', parts: anthropicParts(b.content), finish_reason: finishReason(raw) }) }]);
  }
  if (typeof b.completion === 'string') {
    // Legacy Claude Text Completions (`prompt` → `completion`); some proxies add Messages-style usage.
    const usage = anthropicUsage(b.usage);
    if (usage) response.usage = usage;
    const raw = asString(b.stop_reason);
    return withChoices(response, ctx, [{ raw, message: () => textMessage(b.completion as string, raw) }]);
  }
  if (isObject(b.output)) {
    // Amazon Nova: the Converse response shape (usage with `cache*InputTokenCount`).
    return { ...bedrockConverse.parseResponse(b, ctx), ...response };
  }
  if (Array.isArray(b.results)) return titanResponse(b, response, ctx);
  if (typeof b.generation === 'string') {
    response.usage = compact({ inputTokens: asInt(b.prompt_token_count), outputTokens: asInt(b.generation_token_count) });
    if (!response.usage) delete response.usage;
    const raw = asString(b.stop_reason);
    return withChoices(response, ctx, [{ raw, message: () => textMessage(b.generation as string, raw) }]);
  }
  if (Array.isArray(b.outputs)) {
    // Mistral text completion.
    const outputs = b.outputs.map(asObject);
    return withChoices(response, ctx, outputs.map((o) => ({ raw: asString(o?.stop_reason), message: () => textMessage(asString(o?.text), asString(o?.stop_reason)) })));
  }
  if (Array.isArray(b.choices)) return choicesResponse(b, response, ctx);
  if (Array.isArray(b.generations)) {
    // Cohere Command (text generation).
    const generations = b.generations.map(asObject);
    return withChoices(response, ctx, generations.map((g) => ({ raw: asString(g?.finish_reason), message: () => textMessage(asString(g?.text), asString(g?.finish_reason)) })));
  }
  if (Array.isArray(b.completions)) {
    // AI21 Jurassic-2: `completions[].data.text`, `finishReason.reason`.
    const completions = b.completions.map(asObject);
    return withChoices(
      response,
      ctx,
      completions.map((c) => {
        const raw = asString(asObject(c?.finishReason)?.reason);
        return { raw, message: () => textMessage(asString(asObject(c?.data)?.text), raw) };
      }),
    );
  }
  if (typeof b.text === 'string' || 'finish_reason' in b) return cohereChatResponse(b, response, ctx);
  return response;
}

function titanResponse(b: Json, response: LlmResponse, ctx: ParseContext): LlmResponse {
  const results = (b.results as unknown[]).map(asObject);
  const output = sum(...results.map((r) => asInt(r?.tokenCount)));
  const usage = compact({ inputTokens: asInt(b.inputTextTokenCount), outputTokens: output });
  if (usage) response.usage = usage;
  return withChoices(response, ctx, results.map((r) => ({ raw: asString(r?.completionReason), message: () => textMessage(asString(r?.outputText), asString(r?.completionReason)) })));
}

/** `choices[]`: OpenAI-style chat (`message`) or completion (`text`, DeepSeek); `finish_reason` or Mistral's `stop_reason`. */
function choicesResponse(b: Json, response: LlmResponse, ctx: ParseContext): LlmResponse {
  const usage = openaiUsage(b.usage);
  if (usage) response.usage = usage;
  const choices = (b.choices as unknown[]).map(asObject);
  return withChoices(
    response,
    ctx,
    choices.map((c) => {
      const raw = asString(c?.finish_reason) ?? asString(c?.stop_reason);
      const message = asObject(c?.message);
      return {
        raw,
        message: (): OutputMessage =>
          message ? { role: asString(message.role) ?? 'assistant', parts: openaiParts(message), finish_reason: finishReason(raw) } : textMessage(asString(c?.text), raw),
      };
    }),
  );
}

/** Cohere Command R: top-level `text`, `finish_reason`, `tool_calls[{name, parameters}]`. */
function cohereChatResponse(b: Json, response: LlmResponse, ctx: ParseContext): LlmResponse {
  const usage = cohereUsage(b.meta);
  if (usage) response.usage = usage;
  const raw = asString(b.finish_reason);
  return withChoices(response, ctx, [
    {
      raw,
      message: () => {
        const message = textMessage(asString(b.text), raw);
        for (const call of asArray(b.tool_calls) ?? []) {
          const c = asObject(call);
          if (c) message.parts.push({ type: 'tool_call', name: asString(c.name) ?? '', arguments: c.parameters });
        }
        return message;
      },
    },
  ]);
}

// ---------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------

const MAX_CHOICES = 64;
const MAX_TOOL_CALLS = 128;
const NOVA_EVENTS = ['messageStart', 'contentBlockStart', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata'] as const;

interface ToolAccumulator {
  id?: string;
  name: string;
  args: string;
}

interface Choice {
  text: string;
  reasoning: string;
  finish?: string;
  tools: Map<number, ToolAccumulator>;
}

/** `{ bytes: '<base64 JSON>' }` → the vendor's chunk object. */
function decodeChunk(data: unknown): Json | undefined {
  const bytes = asString(asObject(data)?.bytes);
  if (bytes === undefined) return undefined;
  try {
    return asObject(JSON.parse(Buffer.from(bytes, 'base64').toString('utf8')));
  } catch {
    return undefined;
  }
}

function streamError(name: string | undefined, data: unknown): ProviderError {
  const error: ProviderError = { type: name ?? 'bedrock_stream_error' };
  const body = asObject(data);
  const message = body ? (asString(body.message) ?? asString(body.Message)) : asString(data);
  if (message !== undefined && message.length > 0) error.message = message;
  return error;
}

class InvokeStreamReducer implements StreamReducer {
  private readonly budget: TextBudget;
  /** Anthropic Messages and Nova streams are content-block streams: the Converse reducer folds them. */
  private blocks: StreamReducer | undefined;
  private readonly choices = new Map<number, Choice>();
  private id: string | undefined;
  private model: string | undefined;
  private usage: Usage | undefined;
  private metrics: Usage | undefined;
  private error: ProviderError | undefined;

  constructor(private readonly ctx: ParseContext) {
    this.budget = new TextBudget(ctx.maxContentChars);
  }

  push(event: StreamEvent): void {
    if (event.exception) {
      this.error = streamError(event.event, event.data);
      return;
    }
    const chunk = decodeChunk(event.data);
    if (!chunk) return;
    const metrics = invocationMetricsUsage(chunk['amazon-bedrock-invocationMetrics']);
    if (metrics) this.metrics = metrics;
    this.chunk(chunk);
  }

  private chunk(c: Json): void {
    if (typeof c.type === 'string') return this.anthropicEvent(c);
    if (typeof c.completion === 'string') {
      this.appendText(0, c.completion);
      this.setFinish(0, asString(c.stop_reason));
      return;
    }
    for (const name of NOVA_EVENTS) {
      if (name in c) {
        this.blockReducer().push({ event: name, data: c[name] });
        return;
      }
    }
    if (typeof c.outputText === 'string') return this.titanChunk(c);
    if (typeof c.generation === 'string') return this.llamaChunk(c);
    if (Array.isArray(c.outputs)) {
      c.outputs.forEach((o, i) => {
        const output = asObject(o);
        this.appendText(asInt(output?.index) ?? i, asString(output?.text));
        this.setFinish(asInt(output?.index) ?? i, asString(output?.stop_reason));
      });
      return;
    }
    if (Array.isArray(c.choices)) return this.choicesChunk(c);
    if (Array.isArray(c.generations)) {
      this.id = asString(c.id) ?? this.id;
      c.generations.forEach((g, i) => {
        const generation = asObject(g);
        const index = asInt(generation?.index) ?? i;
        this.appendText(index, asString(generation?.text));
        this.setFinish(index, asString(generation?.finish_reason));
      });
      return;
    }
    if ('event_type' in c || 'is_finished' in c || typeof c.text === 'string') this.cohereChunk(c);
  }

  private blockReducer(): StreamReducer {
    this.blocks ??= bedrockConverse.createStreamReducer(this.ctx);
    return this.blocks;
  }

  /** Anthropic Messages stream events, translated to the equivalent Converse stream events. */
  private anthropicEvent(c: Json): void {
    const index = asInt(c.index) ?? 0;
    switch (c.type) {
      case 'message_start': {
        const message = asObject(c.message);
        this.id = asString(message?.id) ?? this.id;
        this.model = asString(message?.model) ?? this.model;
        this.usage = mergeUsage(anthropicUsage(message?.usage), this.usage);
        this.blockReducer().push({ event: 'messageStart', data: { role: asString(message?.role) ?? 'assistant' } });
        break;
      }
      case 'content_block_start': {
        const block = asObject(c.content_block);
        if (block?.type === 'tool_use' || block?.type === 'server_tool_use') {
          this.blockReducer().push({ event: 'contentBlockStart', data: { contentBlockIndex: index, start: { toolUse: { toolUseId: block.id, name: block.name } } } });
        } else if (typeof block?.text === 'string' && block.text.length > 0) {
          this.blockReducer().push({ event: 'contentBlockDelta', data: { contentBlockIndex: index, delta: { text: block.text } } });
        }
        break;
      }
      case 'content_block_delta': {
        const delta = asObject(c.delta);
        let converseDelta: Json | undefined;
        if (delta?.type === 'text_delta') converseDelta = { text: asString(delta.text) ?? '' };
        else if (delta?.type === 'input_json_delta') converseDelta = { toolUse: { input: asString(delta.partial_json) ?? '' } };
        else if (delta?.type === 'thinking_delta') converseDelta = { reasoningContent: { text: asString(delta.thinking) ?? '' } };
        if (converseDelta) this.blockReducer().push({ event: 'contentBlockDelta', data: { contentBlockIndex: index, delta: converseDelta } });
        break;
      }
      case 'message_delta': {
        const stop = asString(asObject(c.delta)?.stop_reason);
        if (stop !== undefined) this.blockReducer().push({ event: 'messageStop', data: { stopReason: stop } });
        // `message_delta.usage` holds the final output count (and, on newer models, input counts).
        this.usage = mergeUsage(anthropicUsage(c.usage), this.usage);
        break;
      }
      case 'error': {
        const error = asObject(c.error);
        this.error = { type: asString(error?.type) ?? 'error' };
        const message = asString(error?.message);
        if (message !== undefined) this.error.message = message;
        break;
      }
      default:
        break; // content_block_stop, message_stop, ping
    }
  }

  private titanChunk(c: Json): void {
    const index = asInt(c.index) ?? 0;
    this.appendText(index, c.outputText as string);
    this.setFinish(index, asString(c.completionReason));
    this.usage = mergeUsage(compact({ inputTokens: asInt(c.inputTextTokenCount), outputTokens: asInt(c.totalOutputTextTokenCount) }), this.usage);
  }

  private llamaChunk(c: Json): void {
    this.appendText(0, c.generation as string);
    this.setFinish(0, asString(c.stop_reason));
    // `prompt_token_count` comes once (then null); `generation_token_count` is a running total.
    this.usage = mergeUsage(compact({ inputTokens: asInt(c.prompt_token_count), outputTokens: asInt(c.generation_token_count) }), this.usage);
  }

  /** OpenAI-style deltas (gpt-oss, Jamba) or Mistral chat chunks, which stream `message` fragments. */
  private choicesChunk(c: Json): void {
    this.id = asString(c.id) ?? this.id;
    this.model = asString(c.model) ?? this.model;
    this.usage = mergeUsage(openaiUsage(c.usage), this.usage);
    (c.choices as unknown[]).forEach((item, i) => {
      const choice = asObject(item);
      if (!choice) return;
      const index = asInt(choice.index) ?? i;
      const delta = asObject(choice.delta) ?? asObject(choice.message);
      this.appendText(index, asString(delta?.content) ?? asString(choice.text));
      this.appendReasoning(index, asString(delta?.reasoning_content) ?? asString(delta?.reasoning));
      for (const call of asArray(delta?.tool_calls) ?? []) this.toolDelta(index, asObject(call));
      this.setFinish(index, asString(choice.finish_reason) ?? asString(choice.stop_reason));
    });
  }

  /** Cohere Command R (`event_type` text-generation / stream-end) and Cohere Command top-level text chunks. */
  private cohereChunk(c: Json): void {
    const index = asInt(c.index) ?? 0;
    const final = c.event_type === 'stream-end' || c.is_finished === true;
    if (!final) {
      this.appendText(index, asString(c.text));
      return;
    }
    const response = asObject(c.response);
    this.id = asString(response?.response_id) ?? this.id;
    this.usage = mergeUsage(cohereUsage(response?.meta), this.usage);
    // A stream-end repeats the whole text in `response.text`: only take it if nothing streamed.
    if (c.event_type !== 'stream-end') this.appendText(index, asString(c.text));
    this.setFinish(index, asString(c.finish_reason) ?? asString(response?.finish_reason));
  }

  private choice(index: number): Choice | undefined {
    let choice = this.choices.get(index);
    if (!choice) {
      if (this.choices.size >= MAX_CHOICES) return undefined;
      choice = { text: '', reasoning: '', tools: new Map() };
      this.choices.set(index, choice);
    }
    return choice;
  }

  private appendText(index: number, text: string | undefined): void {
    const choice = this.choice(index);
    if (!choice || text === undefined || !this.ctx.captureContent) return;
    choice.text = this.budget.append(choice.text, text);
  }

  private appendReasoning(index: number, text: string | undefined): void {
    if (text === undefined || !this.ctx.captureContent) return;
    const choice = this.choice(index);
    if (choice) choice.reasoning = this.budget.append(choice.reasoning, text);
  }

  private toolDelta(index: number, call: Json | undefined): void {
    const choice = this.choice(index);
    if (!call || !choice || !this.ctx.captureContent) return;
    const key = asInt(call.index) ?? choice.tools.size;
    let tool = choice.tools.get(key);
    if (!tool) {
      if (choice.tools.size >= MAX_TOOL_CALLS) return;
      tool = { name: '', args: '' };
      choice.tools.set(key, tool);
    }
    tool.id = asString(call.id) ?? tool.id;
    const fn = asObject(call.function);
    const name = asString(fn?.name);
    if (name !== undefined) tool.name = this.budget.append(tool.name, name);
    const args = asString(fn?.arguments);
    if (args !== undefined) tool.args = this.budget.append(tool.args, args);
  }

  private setFinish(index: number, raw: string | undefined): void {
    if (raw === undefined) return;
    const choice = this.choice(index);
    if (choice) choice.finish = raw;
  }

  finish(): LlmResponse {
    const response: LlmResponse = this.blocks ? this.blockResponse(this.blocks.finish()) : this.choiceResponse();
    if (this.id !== undefined) response.id = this.id;
    if (this.model !== undefined) response.model = this.model;
    const usage = mergeUsage(this.usage ?? response.usage, this.metrics);
    if (usage) response.usage = usage;
    if (this.error) response.error = this.error;
    if (this.budget.truncated) response.contentTruncated = true;
    return response;
  }

  private blockResponse(folded: LlmResponse): LlmResponse {
    // The Converse reducer maps Converse stop reasons; re-map with the full vendor table (e.g. `refusal`).
    for (const message of folded.outputMessages ?? []) {
      message.finish_reason = finishReason(folded.finishReasons?.[0]);
    }
    return folded;
  }

  private choiceResponse(): LlmResponse {
    const response: LlmResponse = {};
    const indexes = [...this.choices.keys()].sort((a, b) => a - b);
    const reasons = indexes.map((i) => this.choices.get(i)!.finish).filter((r): r is string => r !== undefined);
    if (reasons.length > 0) response.finishReasons = reasons;
    if (this.ctx.captureContent && indexes.length > 0) {
      response.outputMessages = indexes.map((i) => this.outputMessage(this.choices.get(i)!));
    }
    return response;
  }

  private outputMessage(choice: Choice): OutputMessage {
    const parts: MessagePart[] = [];
    if (choice.reasoning.length > 0) parts.push({ type: 'reasoning', content: choice.reasoning });
    if (choice.text.length > 0 || choice.tools.size === 0) parts.push({ type: 'text', content: choice.text });
    for (const tool of choice.tools.values()) {
      const part: MessagePart = { type: 'tool_call', name: tool.name, arguments: this.budget.truncated ? tool.args : jsonArguments(tool.args) };
      if (tool.id !== undefined) part.id = tool.id;
      parts.push(part);
    }
    return { role: 'assistant', parts, finish_reason: finishReason(choice.finish) };
  }
}

export const bedrockInvoke: ApiFamily = {
  name: 'bedrock.invoke',
  parseRequest,
  parseResponse,
  createStreamReducer: (ctx) => new InvokeStreamReducer(ctx),
  // Bedrock's error bodies are the same for every runtime operation.
  parseError: bedrockConverse.parseError,
};

import type { ChatMessage, LlmRequest, LlmResponse, MessagePart, OutputMessage, ProviderError, Usage } from '../llm-call';
import type { ApiFamily, ParseContext, StreamEvent, StreamReducer } from './family';
import { asArray, asInt, asNumber, asObject, asString, asStringList, isObject, sum, TextBudget, type Json } from './util';

/**
 * AWS Bedrock Converse / ConverseStream (`POST /model/{modelId}/converse[-stream]`).
 *
 * Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html and
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html.
 * The model id lives in the URL (`ctx.pathModel`); the body never names it.
 *
 * Amazon Nova's native InvokeModel format uses the same message, content-block and stream-event
 * shapes, so `bedrock-invoke.ts` delegates Nova bodies to this family (through its public
 * `ApiFamily` functions). That is why the readers below also accept Nova's field spellings
 * (`cacheReadInputTokenCount`, `reasoningContent.reasoningText`).
 */

/** Converse `stopReason` → semconv finish reason. */
const FINISH_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_call',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

function finishReason(raw: string | undefined): string {
  if (raw === undefined) return '';
  return FINISH_REASONS[raw] ?? raw;
}

/** Stream blocks we track at most; a hostile stream cannot grow memory with endless block indexes. */
const MAX_STREAM_BLOCKS = 256;

// ---------------------------------------------------------------------------------------------
// Content blocks (ContentBlock / SystemContentBlock / ToolResultContentBlock unions)
// ---------------------------------------------------------------------------------------------

const DOCUMENT_MIME: Record<string, string> = {
  pdf: 'application/pdf',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  html: 'text/html',
  txt: 'text/plain',
  md: 'text/markdown',
};

/** A media block (`image`/`video`/`document`/`audio`): inline bytes → blob, S3 location → uri. */
function mediaPart(modality: string, block: Json): MessagePart | undefined {
  const format = asString(block.format);
  const mime = format === undefined ? undefined : modality === 'document' ? (DOCUMENT_MIME[format] ?? format) : `${modality}/${format}`;
  const source = asObject(block.source);
  const bytes = asString(source?.bytes);
  if (bytes !== undefined) {
    const part: MessagePart = { type: 'blob', modality, content: bytes };
    if (mime) part.mime_type = mime;
    return part;
  }
  const text = asString(source?.text);
  if (text !== undefined) return { type: 'text', content: text };
  const uri = asString(asObject(source?.s3Location)?.uri);
  if (uri !== undefined) {
    const part: MessagePart = { type: 'uri', modality, uri };
    if (mime) part.mime_type = mime;
    return part;
  }
  return { type: modality };
}

/** A tool result's `content` list: one text → that string, one json → that value, else a simplified list. */
function toolResultValue(content: unknown): unknown {
  const blocks = asArray(content);
  if (!blocks) return content;
  const values = blocks.map((b) => {
    const block = asObject(b);
    if (!block) return undefined;
    if (typeof block.text === 'string') return block.text;
    if ('json' in block) return block.json;
    const key = Object.keys(block)[0];
    return key === undefined ? undefined : { type: key };
  });
  return values.length === 1 ? values[0] : values;
}

function reasoningText(value: unknown): string | undefined {
  const reasoning = asObject(value);
  if (!reasoning) return undefined;
  // Converse: `reasoningText.text`; some Nova payloads put `text` directly on the block.
  return asString(asObject(reasoning.reasoningText)?.text) ?? asString(reasoning.text);
}

/** One ContentBlock → a semconv part; undefined for blocks that carry nothing (cachePoint). */
function contentPart(value: unknown): MessagePart | undefined {
  const block = asObject(value);
  if (!block) return undefined;
  if (typeof block.text === 'string') return { type: 'text', content: block.text };
  if (isObject(block.image)) return mediaPart('image', block.image);
  if (isObject(block.video)) return mediaPart('video', block.video);
  if (isObject(block.audio)) return mediaPart('audio', block.audio);
  if (isObject(block.document)) return mediaPart('document', block.document);
  const toolUse = asObject(block.toolUse);
  if (toolUse) {
    const part: MessagePart = { type: 'tool_call', name: asString(toolUse.name) ?? '', arguments: toolUse.input };
    const id = asString(toolUse.toolUseId);
    if (id !== undefined) part.id = id;
    return part;
  }
  const toolResult = asObject(block.toolResult);
  if (toolResult) {
    const part: MessagePart = { type: 'tool_call_response', response: toolResultValue(toolResult.content) };
    const id = asString(toolResult.toolUseId);
    if (id !== undefined) part.id = id;
    return part;
  }
  if ('reasoningContent' in block) {
    const text = reasoningText(block.reasoningContent);
    // Redacted reasoning is encrypted bytes: record that it happened, not the bytes.
    return text !== undefined ? { type: 'reasoning', content: text } : { type: 'redacted_reasoning' };
  }
  if (isObject(block.guardContent)) {
    const text = asString(asObject(block.guardContent.text)?.text);
    return text !== undefined ? { type: 'text', content: text } : { type: 'guard_content' };
  }
  if ('cachePoint' in block) return undefined;
  const key = Object.keys(block)[0];
  return key === undefined ? undefined : { type: key };
}

function contentParts(content: unknown): MessagePart[] {
  const parts: MessagePart[] = [];
  const blocks = asArray(content);
  if (blocks) {
    for (const b of blocks) {
      const part = contentPart(b);
      if (part) parts.push(part);
    }
  } else if (typeof content === 'string') {
    parts.push({ type: 'text', content });
  }
  return parts;
}

function inputMessages(messages: unknown): ChatMessage[] | undefined {
  const list = asArray(messages);
  if (!list) return undefined;
  const out: ChatMessage[] = [];
  for (const m of list) {
    const message = asObject(m);
    if (!message) continue;
    out.push({ role: asString(message.role) ?? 'user', parts: contentParts(message.content) });
  }
  return out;
}

function systemInstructions(system: unknown): MessagePart[] | undefined {
  if (typeof system === 'string') return [{ type: 'text', content: system }];
  const list = asArray(system);
  if (!list) return undefined;
  const parts = contentParts(list);
  return parts.length > 0 ? parts : undefined;
}

function toolDefinitions(toolConfig: unknown): unknown[] | undefined {
  const tools = asArray(asObject(toolConfig)?.tools);
  if (!tools) return undefined;
  const specs = tools.map((t) => asObject(t)?.toolSpec).filter(isObject);
  return specs.length > 0 ? specs : undefined;
}

// ---------------------------------------------------------------------------------------------
// Usage
// ---------------------------------------------------------------------------------------------

/**
 * Converse `TokenUsage` (also Nova's InvokeModel `usage`) → semconv usage.
 *
 * AWS reports cache reads and writes *beside* `inputTokens`, not inside it: the prompt-caching
 * guide (https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html) shows responses
 * whose `totalTokens` = `inputTokens` + `outputTokens` + `cacheReadInputTokens` +
 * `cacheWriteInputTokens`, and the TokenUsage reference
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html) lists them
 * as separate counters. Semconv `input_tokens` includes cached tokens, so we add them. When the
 * body's own `totalTokens` proves the opposite (total = input + output while cache tokens are
 * non-zero and fit inside input), we trust it and do not add them twice.
 */
function converseUsageOf(value: unknown): Usage | undefined {
  const usage = asObject(value);
  if (!usage) return undefined;
  const input = asInt(usage.inputTokens);
  const output = asInt(usage.outputTokens);
  const total = asInt(usage.totalTokens);
  const cacheRead = asInt(usage.cacheReadInputTokens) ?? asInt(usage.cacheReadInputTokenCount);
  const cacheWrite = asInt(usage.cacheWriteInputTokens) ?? asInt(usage.cacheWriteInputTokenCount);
  const cached = (cacheRead ?? 0) + (cacheWrite ?? 0);
  const inclusive =
    input !== undefined && total !== undefined && cached > 0 && input >= cached && total === input + (output ?? 0);
  const result: Usage = {};
  const inputTokens = input === undefined || inclusive ? input : sum(input, cacheRead, cacheWrite);
  if (inputTokens !== undefined) result.inputTokens = inputTokens;
  if (output !== undefined) result.outputTokens = output;
  if (cacheRead !== undefined) result.cacheReadInputTokens = cacheRead;
  if (cacheWrite !== undefined) result.cacheCreationInputTokens = cacheWrite;
  return Object.keys(result).length > 0 ? result : undefined;
}

// ---------------------------------------------------------------------------------------------
// Request / response
// ---------------------------------------------------------------------------------------------

function parseRequest(body: unknown, ctx: ParseContext): LlmRequest {
  const request: LlmRequest = { operation: 'chat' };
  if (ctx.pathModel) request.model = ctx.pathModel;
  if (ctx.pathStream) request.stream = true;
  const b = asObject(body);
  if (!b) return request;

  const config = asObject(b.inferenceConfig);
  if (config) {
    const maxTokens = asInt(config.maxTokens);
    if (maxTokens !== undefined) request.maxTokens = maxTokens;
    const temperature = asNumber(config.temperature);
    if (temperature !== undefined) request.temperature = temperature;
    const topP = asNumber(config.topP);
    if (topP !== undefined) request.topP = topP;
    const stop = asStringList(config.stopSequences);
    if (stop) request.stopSequences = stop;
  }
  // top_k is model-specific, so Converse passes it through `additionalModelRequestFields`
  // (Anthropic `top_k`, Nova `inferenceConfig.topK`).
  const extra = asObject(b.additionalModelRequestFields);
  const topK = asNumber(extra?.top_k) ?? asNumber(extra?.topK) ?? asNumber(asObject(extra?.inferenceConfig)?.topK);
  if (topK !== undefined) request.topK = topK;

  // Structured output (`outputConfig.textFormat.type: json_schema`).
  const format = asString(asObject(asObject(b.outputConfig)?.textFormat)?.type);
  if (format !== undefined) request.outputType = format.startsWith('json') ? 'json' : 'text';

  if (ctx.captureContent) {
    const messages = inputMessages(b.messages);
    if (messages) request.inputMessages = messages;
    const system = systemInstructions(b.system);
    if (system) request.systemInstructions = system;
    const tools = toolDefinitions(b.toolConfig);
    if (tools) request.toolDefinitions = tools;
  }
  return request;
}

function parseResponse(body: unknown, ctx: ParseContext): LlmResponse {
  const response: LlmResponse = {};
  const b = asObject(body);
  if (!b) return response;
  const stopReason = asString(b.stopReason);
  if (stopReason !== undefined) response.finishReasons = [stopReason];
  const usage = converseUsageOf(b.usage);
  if (usage) response.usage = usage;
  const message = asObject(asObject(b.output)?.message);
  if (ctx.captureContent && message) {
    response.outputMessages = [
      { role: asString(message.role) ?? 'assistant', parts: contentParts(message.content), finish_reason: finishReason(stopReason) },
    ];
  }
  return response;
}

/**
 * Error bodies. Bedrock's REST-JSON errors carry `message` (sometimes `Message`) and, from some
 * front ends, `__type` such as `com.amazon.coral.validate#ValidationException`. The error code
 * proper travels in the `x-amzn-ErrorType` header, which the exchange reads; without `__type`/`code`
 * we report `_OTHER` so that the header (or the status code) names the error.
 */
function parseError(body: unknown): ProviderError | undefined {
  const b = asObject(body);
  if (!b) {
    if (typeof body === 'string' && body.trim().length > 0) return { type: '_OTHER', message: body.slice(0, 1000) };
    return undefined;
  }
  const rawType = asString(b.__type) ?? asString(b.code) ?? asString(b.Code);
  const message = asString(b.message) ?? asString(b.Message);
  if (rawType === undefined && message === undefined) return undefined;
  const error: ProviderError = { type: rawType !== undefined ? errorTypeName(rawType) : '_OTHER' };
  if (message !== undefined) error.message = message;
  return error;
}

/** `com.amazon.coral.validate#ValidationException` / `ValidationException:http://...` → `ValidationException`. */
function errorTypeName(raw: string): string {
  const afterHash = raw.slice(raw.lastIndexOf('#') + 1);
  const colon = afterHash.indexOf(':');
  const name = colon === -1 ? afterHash : afterHash.slice(0, colon);
  return name.length > 0 ? name : raw;
}

// ---------------------------------------------------------------------------------------------
// Stream
// ---------------------------------------------------------------------------------------------

interface StreamBlock {
  kind: 'text' | 'tool' | 'reasoning' | 'other';
  text: string;
  toolId?: string;
  toolName?: string;
}

class ConverseStreamReducer implements StreamReducer {
  private readonly budget: TextBudget;
  private readonly blocks = new Map<number, StreamBlock>();
  private role: string | undefined;
  private stopReason: string | undefined;
  private usage: Usage | undefined;
  private error: ProviderError | undefined;

  constructor(private readonly ctx: ParseContext) {
    this.budget = new TextBudget(ctx.maxContentChars);
  }

  push(event: StreamEvent): void {
    const data = asObject(event.data);
    if (event.exception) {
      this.error = streamError(event.event, event.data);
      return;
    }
    if (!data) return;
    switch (event.event) {
      case 'messageStart':
        this.role = asString(data.role) ?? this.role;
        break;
      case 'contentBlockStart':
        this.blockStart(data);
        break;
      case 'contentBlockDelta':
        this.blockDelta(data);
        break;
      case 'messageStop':
        this.stopReason = asString(data.stopReason) ?? this.stopReason;
        break;
      case 'metadata':
        this.usage = converseUsageOf(data.usage) ?? this.usage;
        break;
      default:
        // contentBlockStop and unknown events carry nothing we report.
        break;
    }
  }

  private block(data: Json, kind: StreamBlock['kind']): StreamBlock | undefined {
    const index = asInt(data.contentBlockIndex) ?? 0;
    let block = this.blocks.get(index);
    if (!block) {
      if (this.blocks.size >= MAX_STREAM_BLOCKS) return undefined;
      block = { kind, text: '' };
      this.blocks.set(index, block);
    }
    return block;
  }

  private blockStart(data: Json): void {
    if (!this.ctx.captureContent) return;
    const toolUse = asObject(asObject(data.start)?.toolUse);
    if (!toolUse) return;
    const block = this.block(data, 'tool');
    if (!block) return;
    block.kind = 'tool';
    block.toolId = asString(toolUse.toolUseId);
    const name = asString(toolUse.name);
    if (name !== undefined) block.toolName = this.budget.append('', name);
  }

  private blockDelta(data: Json): void {
    if (!this.ctx.captureContent) return;
    const delta = asObject(data.delta);
    if (!delta) return;
    let kind: StreamBlock['kind'];
    let text: string | undefined;
    if (typeof delta.text === 'string') {
      kind = 'text';
      text = delta.text;
    } else if (isObject(delta.toolUse)) {
      kind = 'tool';
      text = asString(delta.toolUse.input);
    } else if (isObject(delta.reasoningContent)) {
      kind = 'reasoning';
      // `signature` / `redactedContent` deltas carry no readable text.
      text = asString(delta.reasoningContent.text);
    } else {
      return;
    }
    const block = this.block(data, kind);
    if (!block || text === undefined) return;
    if (block.kind !== 'tool') block.kind = kind;
    block.text = this.budget.append(block.text, text);
  }

  finish(): LlmResponse {
    const response: LlmResponse = {};
    if (this.stopReason !== undefined) response.finishReasons = [this.stopReason];
    if (this.usage) response.usage = this.usage;
    if (this.error) response.error = this.error;
    if (this.ctx.captureContent && (this.blocks.size > 0 || this.stopReason !== undefined || this.role !== undefined)) {
      const message: OutputMessage = {
        role: this.role ?? 'assistant',
        parts: this.parts(),
        finish_reason: finishReason(this.stopReason),
      };
      response.outputMessages = [message];
    }
    if (this.budget.truncated) response.contentTruncated = true;
    return response;
  }

  /** Blocks in index order; adjacent text blocks merge (Nova streams each sentence as a new block). */
  private parts(): MessagePart[] {
    const parts: MessagePart[] = [];
    const indexes = [...this.blocks.keys()].sort((a, b) => a - b);
    for (const index of indexes) {
      const block = this.blocks.get(index)!;
      const last = parts[parts.length - 1];
      if (block.kind === 'text') {
        if (last && last.type === 'text' && typeof last.content === 'string') last.content += block.text;
        else parts.push({ type: 'text', content: block.text });
      } else if (block.kind === 'reasoning') {
        parts.push({ type: 'reasoning', content: block.text });
      } else if (block.kind === 'tool') {
        const part: MessagePart = { type: 'tool_call', name: block.toolName ?? '', arguments: toolArguments(block.text, this.budget.truncated) };
        if (block.toolId !== undefined) part.id = block.toolId;
        parts.push(part);
      }
    }
    return parts;
  }
}

/** Streamed tool input is JSON text in fragments: parse it once complete, else keep the raw text. */
function toolArguments(text: string, truncated: boolean): unknown {
  if (text.length === 0) return {};
  if (truncated) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An event-stream exception message (`throttlingException`, `modelStreamErrorException`, ...). */
function streamError(name: string | undefined, data: unknown): ProviderError {
  const error: ProviderError = { type: name ?? 'bedrock_stream_error' };
  const body = asObject(data);
  const message = body ? (asString(body.message) ?? asString(body.Message)) : asString(data);
  if (message !== undefined && message.length > 0) error.message = message;
  return error;
}

export const bedrockConverse: ApiFamily = {
  name: 'bedrock.converse',
  parseRequest,
  parseResponse,
  createStreamReducer: (ctx) => new ConverseStreamReducer(ctx),
  parseError,
};

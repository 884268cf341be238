/**
 * Google Gemini `models/{model}:generateContent` and `:streamGenerateContent` (Gemini API and
 * Vertex AI, which share the body shapes).
 *
 * Shapes: https://ai.google.dev/api/generate-content (GenerateContentRequest / GenerateContentResponse,
 * UsageMetadata) and https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference.
 * The REST endpoints accept proto-JSON, where every field may be spelled lowerCamelCase or
 * snake_case (Vertex examples often use `generation_config`, `inline_data`, ...), so every field
 * read goes through `field()`, which tries both spellings.
 */
import type { ChatMessage, LlmRequest, LlmResponse, MessagePart, OutputMessage, ProviderError, Usage } from '../llm-call';
import type { ApiFamily, ParseContext, StreamEvent, StreamReducer } from './family';
import { asArray, asBoolean, asInt, asNumber, asObject, asString, asStringList, sum, TextBudget, type Json } from './util';

/** Bounds for what a stream reducer tracks beyond text (which the TextBudget bounds). */
const MAX_CANDIDATES = 64;
const MAX_PARTS_PER_CANDIDATE = 512;

/** Reads a proto-JSON field under its lowerCamelCase name or its snake_case twin. */
function field(obj: Json | undefined, camel: string): unknown {
  if (!obj) return undefined;
  const value = obj[camel];
  if (value !== undefined) return value;
  return obj[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

// ---------------------------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------------------------

function parseRequest(body: unknown, ctx: ParseContext): LlmRequest {
  const req: LlmRequest = { operation: 'generate_content' };
  const b = asObject(body);
  req.model = modelName(ctx.pathModel) ?? modelName(asString(b?.model));
  if (ctx.pathStream !== undefined) req.stream = ctx.pathStream;
  if (!b) return dropUndefined(req);
  readGenerationConfig(asObject(field(b, 'generationConfig')), req);
  if (ctx.captureContent) {
    req.inputMessages = requestMessages(field(b, 'contents'));
    req.systemInstructions = systemParts(field(b, 'systemInstruction'));
    req.toolDefinitions = toolDefinitions(field(b, 'tools'));
  }
  return dropUndefined(req);
}

/** `models/gemini-2.0-flash` or a Vertex resource path → `gemini-2.0-flash`. */
function modelName(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const at = value.lastIndexOf('models/');
  return at === -1 ? value : value.slice(at + 'models/'.length) || undefined;
}

function readGenerationConfig(config: Json | undefined, req: LlmRequest): void {
  if (!config) return;
  req.maxTokens = asInt(field(config, 'maxOutputTokens'));
  req.temperature = asNumber(field(config, 'temperature'));
  req.topP = asNumber(field(config, 'topP'));
  req.topK = asNumber(field(config, 'topK'));
  req.stopSequences = asStringList(field(config, 'stopSequences'));
  req.seed = asInt(field(config, 'seed'));
  req.presencePenalty = asNumber(field(config, 'presencePenalty'));
  req.frequencyPenalty = asNumber(field(config, 'frequencyPenalty'));
  const count = asInt(field(config, 'candidateCount'));
  if (count !== undefined && count !== 1) req.choiceCount = count;
  req.outputType = outputType(config);
}

function outputType(config: Json): LlmRequest['outputType'] {
  const mime = asString(field(config, 'responseMimeType'))?.toLowerCase();
  if (mime === 'application/json' || field(config, 'responseSchema') || field(config, 'responseJsonSchema')) return 'json';
  const modalities = asStringList(field(config, 'responseModalities'))?.map((m) => m.toUpperCase());
  if (modalities?.includes('IMAGE')) return 'image';
  if (modalities?.includes('AUDIO') || field(config, 'speechConfig')) return 'speech';
  if (mime === 'text/plain' || mime?.startsWith('text/')) return 'text';
  return undefined;
}

function requestMessages(contents: unknown): ChatMessage[] | undefined {
  const list = asArray(contents);
  if (!list) {
    // A lone Content object (tolerated by some clients) counts as one user turn.
    const one = asObject(contents);
    return one ? [contentToMessage(one)] : undefined;
  }
  const out: ChatMessage[] = [];
  for (const item of list) {
    const content = asObject(item);
    if (content) out.push(contentToMessage(content));
    else if (typeof item === 'string') out.push({ role: 'user', parts: [{ type: 'text', content: item }] });
  }
  return out;
}

function contentToMessage(content: Json): ChatMessage {
  return { role: mapRole(asString(content.role)), parts: partsOf(content) };
}

/** Gemini roles: `user`, `model`, and the legacy `function` role for function responses. */
function mapRole(role: string | undefined): string {
  if (role === undefined || role === 'user') return 'user';
  if (role === 'model') return 'assistant';
  if (role === 'function') return 'tool';
  return role;
}

function systemParts(value: unknown): MessagePart[] | undefined {
  const text = asString(value);
  if (text !== undefined) return [{ type: 'text', content: text }];
  const content = asObject(value);
  if (!content) return undefined;
  const parts = partsOf(content);
  return parts.length > 0 ? parts : undefined;
}

/** Each function declaration is one definition; other tools (googleSearch, codeExecution, ...) as declared. */
function toolDefinitions(value: unknown): unknown[] | undefined {
  const tools = asArray(value);
  if (!tools) return undefined;
  const out: unknown[] = [];
  for (const item of tools) {
    const tool = asObject(item);
    if (!tool) continue;
    const declarations = asArray(field(tool, 'functionDeclarations'));
    if (declarations) out.push(...declarations.filter((d) => asObject(d) !== undefined));
    else out.push(tool);
  }
  return out.length > 0 ? out : undefined;
}

// ---------------------------------------------------------------------------------------------
// Parts (shared by request and response)
// ---------------------------------------------------------------------------------------------

function partsOf(content: Json): MessagePart[] {
  const parts: MessagePart[] = [];
  for (const item of asArray(content.parts) ?? []) {
    const part = convertPart(asObject(item));
    if (part) parts.push(part);
  }
  return parts;
}

function convertPart(part: Json | undefined): MessagePart | undefined {
  if (!part) return undefined;
  const text = asString(part.text);
  if (text !== undefined) {
    return asBoolean(part.thought) === true ? { type: 'reasoning', content: text } : { type: 'text', content: text };
  }
  const inline = asObject(field(part, 'inlineData'));
  if (inline) {
    const mime = asString(field(inline, 'mimeType'));
    return withMime({ type: 'blob', modality: modalityOf(mime), content: asString(inline.data) ?? '' }, mime);
  }
  const file = asObject(field(part, 'fileData'));
  if (file) {
    const mime = asString(field(file, 'mimeType'));
    return withMime({ type: 'uri', modality: modalityOf(mime), uri: asString(field(file, 'fileUri')) ?? '' }, mime);
  }
  const call = asObject(field(part, 'functionCall'));
  if (call) return { type: 'tool_call', id: asString(call.id), name: asString(call.name) ?? '', arguments: call.args };
  const response = asObject(field(part, 'functionResponse'));
  if (response) return { type: 'tool_call_response', id: asString(response.id), response: response.response };
  const code = asObject(field(part, 'executableCode'));
  if (code) {
    const call: Json = { type: 'code_execution', language: asString(code.language), code: asString(code.code) };
    return { type: 'server_tool_call', name: 'code_execution', server_tool_call: dropUndefined(call) };
  }
  const result = asObject(field(part, 'codeExecutionResult'));
  if (result) {
    const response: Json = { type: 'code_execution', outcome: asString(result.outcome), output: asString(result.output) };
    return { type: 'server_tool_call_response', server_tool_call_response: dropUndefined(response) };
  }
  // A part that carries only a thoughtSignature (or fields added later) has nothing to show.
  return undefined;
}

function modalityOf(mime: string | undefined): string {
  const top = mime?.split('/')[0]?.toLowerCase();
  return top === 'image' || top === 'audio' || top === 'video' ? top : 'document';
}

function withMime<T extends MessagePart>(part: T, mime: string | undefined): T {
  if (mime !== undefined) (part as Json).mime_type = mime;
  return part;
}

// ---------------------------------------------------------------------------------------------
// Response
// ---------------------------------------------------------------------------------------------

/** Gemini `finishReason` → semconv `finish_reason`. */
function mapFinishReason(reason: string): string {
  switch (reason) {
    case 'STOP':
      return 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter';
    default:
      return reason; // LANGUAGE, OTHER, MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, ...
  }
}

/** UsageMetadata counters; later stream chunks overwrite field by field. */
interface RawUsage {
  prompt?: number;
  candidates?: number;
  thoughts?: number;
  cached?: number;
  toolUsePrompt?: number;
}

function readUsage(value: unknown): RawUsage {
  const u = asObject(value);
  return {
    prompt: asInt(field(u, 'promptTokenCount')),
    candidates: asInt(field(u, 'candidatesTokenCount')),
    thoughts: asInt(field(u, 'thoughtsTokenCount')),
    cached: asInt(field(u, 'cachedContentTokenCount')),
    toolUsePrompt: asInt(field(u, 'toolUsePromptTokenCount')),
  };
}

function mergeUsage(into: RawUsage, from: RawUsage): void {
  for (const key of Object.keys(from) as Array<keyof RawUsage>) if (from[key] !== undefined) into[key] = from[key];
}

/**
 * Per the UsageMetadata docs, totalTokenCount = prompt + toolUsePrompt + candidates + thoughts:
 * - promptTokenCount already includes cachedContentTokenCount (semconv wants cache reads included);
 * - toolUsePromptTokenCount (e.g. search results fed back to the model) is input but not in the prompt count;
 * - thoughtsTokenCount is billed as output but not in candidatesTokenCount, so it is added to output.
 */
function toUsage(raw: RawUsage): Usage | undefined {
  const usage: Usage = {};
  if (raw.prompt !== undefined || raw.toolUsePrompt !== undefined) usage.inputTokens = sum(raw.prompt, raw.toolUsePrompt);
  if (raw.candidates !== undefined || raw.thoughts !== undefined) usage.outputTokens = sum(raw.candidates, raw.thoughts);
  if (raw.cached !== undefined) usage.cacheReadInputTokens = raw.cached;
  if (raw.thoughts !== undefined) usage.reasoningOutputTokens = raw.thoughts;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

function parseError(body: unknown): ProviderError | undefined {
  // `:streamGenerateContent` without alt=sse wraps everything, errors included, in a JSON array.
  const b = asObject(body) ?? asObject(asArray(body)?.[0]);
  const err = asObject(b?.error);
  if (!err) return undefined;
  const status = asString(err.status);
  const code = asInt(err.code);
  const message = asString(err.message);
  if (status === undefined && code === undefined && message === undefined) return undefined;
  const out: ProviderError = { type: status ?? (code !== undefined ? String(code) : 'error') };
  if (message !== undefined) out.message = message;
  return out;
}

function parseResponse(body: unknown, ctx: ParseContext): LlmResponse {
  // The non-SSE `:streamGenerateContent` answer is one JSON array of chunks: reduce it like a stream.
  const chunks = asArray(body) ?? [body];
  const reducer = new GeminiStreamReducer(ctx, Number.POSITIVE_INFINITY);
  for (const chunk of chunks) reducer.push({ data: chunk });
  return reducer.finish();
}

// ---------------------------------------------------------------------------------------------
// Streaming (also used for whole bodies: a whole response is a stream of one chunk)
// ---------------------------------------------------------------------------------------------

interface CandidateState {
  parts: MessagePart[];
  finishReason?: string;
}

class GeminiStreamReducer implements StreamReducer {
  private id?: string;
  private model?: string;
  private blockReason?: string;
  private error?: ProviderError;
  private readonly usage: RawUsage = {};
  private readonly candidates = new Map<number, CandidateState>();
  private readonly budget: TextBudget;

  /** `maxChars` is the stream budget; whole bodies are already in memory and are not cut. */
  constructor(
    private readonly ctx: ParseContext,
    maxChars: number = ctx.maxContentChars,
  ) {
    this.budget = new TextBudget(maxChars);
  }

  push(event: StreamEvent): void {
    const chunk = asObject(event.data);
    if (!chunk) return;
    const error = parseError(chunk);
    if (error) {
      this.error = error;
      return;
    }
    this.id = asString(field(chunk, 'responseId')) ?? this.id;
    this.model = asString(field(chunk, 'modelVersion')) ?? this.model;
    mergeUsage(this.usage, readUsage(field(chunk, 'usageMetadata')));
    const feedback = asObject(field(chunk, 'promptFeedback'));
    this.blockReason = asString(field(feedback, 'blockReason')) ?? this.blockReason;
    const list = asArray(chunk.candidates) ?? [];
    list.forEach((item, position) => this.onCandidate(asObject(item), position));
  }

  private onCandidate(candidate: Json | undefined, position: number): void {
    if (!candidate) return;
    const index = asInt(candidate.index) ?? position;
    let state = this.candidates.get(index);
    if (!state) {
      if (this.candidates.size >= MAX_CANDIDATES) return;
      state = { parts: [] };
      this.candidates.set(index, state);
    }
    const finish = asString(field(candidate, 'finishReason'));
    if (finish !== undefined) state.finishReason = finish;
    if (this.ctx.captureContent) this.appendParts(state, asObject(candidate.content));
  }

  /** Text (and thought text) continues the previous part of the same kind; other parts are appended whole. */
  private appendParts(state: CandidateState, content: Json | undefined): void {
    if (!content) return;
    for (const item of asArray(content.parts) ?? []) {
      const part = convertPart(asObject(item));
      if (!part) continue;
      const last = state.parts[state.parts.length - 1];
      if ((part.type === 'text' || part.type === 'reasoning') && last && last.type === part.type) {
        const target = last as { content: string };
        target.content = this.budget.append(target.content, (part as { content: string }).content);
      } else if (state.parts.length < MAX_PARTS_PER_CANDIDATE) {
        if (part.type === 'text' || part.type === 'reasoning') {
          const target = part as { content: string };
          target.content = this.budget.append('', target.content);
        }
        state.parts.push(part);
      }
    }
  }

  finish(): LlmResponse {
    const res: LlmResponse = { id: this.id, model: this.model, usage: toUsage(this.usage), error: this.error };
    const indices = [...this.candidates.keys()].sort((a, b) => a - b);
    const reasons: string[] = [];
    const messages: OutputMessage[] = [];
    for (const i of indices) {
      const state = this.candidates.get(i)!;
      if (state.finishReason !== undefined) reasons.push(state.finishReason);
      messages.push({
        role: 'assistant',
        parts: state.parts,
        finish_reason: state.finishReason !== undefined ? mapFinishReason(state.finishReason) : 'unknown',
      });
    }
    // A blocked prompt yields no candidates: report the block as the one finish reason.
    if (indices.length === 0 && this.blockReason !== undefined) {
      reasons.push(this.blockReason);
      messages.push({ role: 'assistant', parts: [], finish_reason: 'content_filter' });
    }
    if (reasons.length > 0) res.finishReasons = reasons;
    if (this.ctx.captureContent && messages.length > 0) res.outputMessages = messages;
    if (this.budget.truncated) res.contentTruncated = true;
    return dropUndefined(res);
  }
}

function dropUndefined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as Array<keyof T>) if (obj[key] === undefined) delete obj[key];
  return obj;
}

export const geminiGenerateContent: ApiFamily = {
  name: 'gemini.generate_content',
  parseRequest,
  parseResponse,
  createStreamReducer: (ctx) => new GeminiStreamReducer(ctx),
  parseError,
};

/**
 * `LlmCall` → GenAI semantic-convention span name and attributes. Pure; the only place that knows
 * which attribute carries which fact.
 */
import type { LlmCall } from './llm-call';
import type { CallCostEstimate } from './pricing/cost';
import { attributeNames } from './semconv';

export type AttributeValue = string | number | boolean | string[];
export type SpanAttributes = Record<string, AttributeValue>;

export interface AnnotateOptions {
  captureContent: boolean;
  /** Cap, in UTF-16 code units, on each content attribute's JSON string. */
  maxContentChars: number;
  semconvLatestExperimental: boolean;
  /** An ancestor span already reports this call's usage: leave the token counts off this one. */
  omitUsage?: boolean;
  /** Applied to every user id before it becomes an attribute (pseudonymisation); default: as is. */
  hashUserId?: (id: string) => string;
  /** USD for a call's usage from the price table; undefined when the model has no known price. */
  estimateCost?: CallCostEstimate;
}

/** `{operation} {model}`, or the operation alone when the model is unknown. */
export function spanNameFor(call: LlmCall): string {
  const model = call.request.model ?? call.response.model;
  return model ? `${call.request.operation} ${model}` : call.request.operation;
}

/** The attributes of a call, as an object (what tests and other consumers read). */
export function callAttributes(call: LlmCall, options: AnnotateOptions): SpanAttributes {
  const out: SpanAttributes = {};
  writeCallAttributes(call, options, (name, value) => {
    out[name] = value;
  });
  return out;
}

/** Receives a call's attributes one by one (e.g. `span.setAttribute`), never with an undefined value. */
export type AttributeSink = (name: string, value: AttributeValue) => void;

/**
 * The attributes of a call, handed to `sink` one by one: the instrumentation sets them on the span
 * directly, without building an object first (a per-call object with ~20 computed keys costs more
 * than the span's own stores).
 */
export function writeCallAttributes(call: LlmCall, options: AnnotateOptions, sink: AttributeSink): void {
  const n = attributeNames(options.semconvLatestExperimental);
  const put = (name: string, value: AttributeValue | undefined) => {
    if (value !== undefined) sink(name, value);
  };
  const { request: req, response: res } = call;

  put(n.GEN_AI_OPERATION_NAME, req.operation);
  // Empty for a gateway's own request until its upstream call names the provider.
  put(n.GEN_AI_PROVIDER_NAME, call.provider || undefined);
  put(n.GEN_AI_REQUEST_MODEL, req.model);
  put(n.GEN_AI_REQUEST_MAX_TOKENS, req.maxTokens);
  put(n.GEN_AI_REQUEST_TEMPERATURE, req.temperature);
  put(n.GEN_AI_REQUEST_TOP_P, req.topP);
  put(n.GEN_AI_REQUEST_TOP_K, req.topK);
  put(n.GEN_AI_REQUEST_STOP_SEQUENCES, req.stopSequences);
  put(n.GEN_AI_REQUEST_SEED, req.seed);
  put(n.GEN_AI_REQUEST_FREQUENCY_PENALTY, req.frequencyPenalty);
  put(n.GEN_AI_REQUEST_PRESENCE_PENALTY, req.presencePenalty);
  put(n.GEN_AI_REQUEST_CHOICE_COUNT, req.choiceCount);
  if (req.stream) put(n.GEN_AI_REQUEST_STREAM, true);
  put(n.GEN_AI_OUTPUT_TYPE, req.outputType);
  put(n.GEN_AI_REQUEST_ENCODING_FORMATS, req.encodingFormats);
  put(n.GEN_AI_EMBEDDINGS_DIMENSION_COUNT, req.dimensionCount);
  put(n.GEN_AI_CONVERSATION_ID, req.conversationId);
  put(n.USER_ID, req.userId !== undefined && options.hashUserId ? options.hashUserId(req.userId) : req.userId);
  put(n.SESSION_ID, req.sessionId);
  if (call.family === 'openai.chat_completions') put(n.OPENAI_API_TYPE, 'chat_completions');
  else if (call.family === 'openai.responses') put(n.OPENAI_API_TYPE, 'responses');

  put(n.GEN_AI_RESPONSE_ID, res.id);
  put(n.GEN_AI_RESPONSE_MODEL, res.model);
  if (res.finishReasons && res.finishReasons.length > 0) put(n.GEN_AI_RESPONSE_FINISH_REASONS, res.finishReasons);
  put(n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, call.timeToFirstChunk);

  const usage = res.usage;
  if (usage && !options.omitUsage) {
    put(n.GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens);
    put(n.GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens);
    put(n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadInputTokens);
    put(n.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheCreationInputTokens);
    put(n.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningOutputTokens);
    const model = res.model ?? req.model;
    put(n.GEN_AI_USAGE_COST, usage.costUsd ?? (model && options.estimateCost ? options.estimateCost(model, usage, call.provider) : undefined));
  }

  put(n.SERVER_ADDRESS, call.serverAddress);
  put(n.SERVER_PORT, call.serverPort);
  put(n.ERROR_TYPE, res.error?.type);
  if (call.partial) put(n.GEN_AI_CAPTURE_PARTIAL, true);
  if (options.omitUsage) put(n.GEN_AI_DESCRIBED_BY_ANCESTOR, true);

  if (options.captureContent) {
    const putJson = (name: string, list: unknown[] | undefined) => {
      if (list !== undefined && list.length > 0) put(name, contentJson(list, options.maxContentChars));
    };
    putJson(n.GEN_AI_SYSTEM_INSTRUCTIONS, req.systemInstructions);
    putJson(n.GEN_AI_INPUT_MESSAGES, req.inputMessages);
    putJson(n.GEN_AI_TOOL_DEFINITIONS, req.toolDefinitions);
    putJson(n.GEN_AI_OUTPUT_MESSAGES, res.outputMessages);
  }
}

/**
 * Content JSON already made, by message list. The two sides of a gateway hop share their parsed
 * messages when their bytes are the same (`LlmExchange.finish`), so the second serialises nothing.
 */
const contentJsonMemo = new WeakMap<object, { maxChars: number; text: string | undefined }>();

function contentJson(list: unknown[], maxChars: number): string | undefined {
  const known = contentJsonMemo.get(list);
  if (known && known.maxChars === maxChars) return known.text;
  const text = cappedJson(list, maxChars);
  contentJsonMemo.set(list, { maxChars, text });
  return text;
}

const TRUNCATION_MARKER = '…[truncated]';

/**
 * JSON text of `value`, at most `maxChars` long, still valid JSON with the same structure: when the
 * whole is too long, long strings are shortened (with a visible marker) until it fits. Returns
 * undefined only if even the bare structure does not fit.
 */
export function cappedJson(value: unknown, maxChars: number): string | undefined {
  const full = JSON.stringify(value);
  if (full === undefined) return undefined;
  if (full.length <= maxChars) return full;
  // Strings up to SHORT_STRING_CHARS (roles, part types such as `tool_call_response`, ids, mime types)
  // are never shortened: they are the structure. Longer ones are cut ever shorter, down to the bare marker.
  for (let limit = Math.floor(maxChars / 2); ; limit = Math.floor(limit / 2)) {
    const text = JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'string' && v.length > Math.max(limit, SHORT_STRING_CHARS) ? v.slice(0, limit) + TRUNCATION_MARKER : v,
    );
    if (text.length <= maxChars) return text;
    if (limit === 0) return undefined;
  }
}

const SHORT_STRING_CHARS = 32;

/**
 * The Vercel AI SDK's attribute dialect (`ai.*`). The SDK nests spans: an outer `ai.generateText` /
 * `ai.streamText` / … span per call of the SDK function, one `….doGenerate` / `….doStream` span per model
 * request inside it (several when tools loop), and `ai.toolCall` spans for tool executions. The outer span
 * reports usage summed over its steps; only the per-request spans are LLM spans with token metrics, so
 * Braintrust's per-trace totals count each billed request once.
 *
 * Shapes from `ai` 4.3.19, 5.0.277 (`dist/index.js`) and 6.0.326 (`src/generate-text/*.ts`,
 * `src/telemetry/*.ts`), and the usage each provider package reports (@ai-sdk/anthropic 1.x–3.x,
 * @ai-sdk/amazon-bedrock 3.x–4.x).
 */
import type { ExportableSpan, RecordMetrics, SpanAttributeMap } from '../record';
import type { Dialect, SpanFacts } from './facts';
import { argumentsText, type ChatMessageView, type ChoiceView, type ContentPartView, flattenContent, isObject, type Json, parseJsonAttribute, toolCall, type ToolCallView } from './messages';
import { asCount, asNumber, asString, asStringList, put } from './values';
import { tokenMetrics } from './token-metrics';


/** Operations that are one model request each. */
const MODEL_REQUEST_OPERATIONS = new Set([
  'ai.generateText.doGenerate',
  'ai.streamText.doStream',
  'ai.generateObject.doGenerate',
  'ai.streamObject.doStream',
]);
const EMBEDDING_REQUEST_OPERATIONS = new Set(['ai.embed.doEmbed', 'ai.embedMany.doEmbed']);
const TOOL_OPERATION = 'ai.toolCall';
const USER_METADATA_PREFIX = 'ai.telemetry.metadata.';

/** `ai.settings.*` (names vary by SDK version) → the metadata key (OpenAI's request field name). */
const SETTINGS: ReadonlyArray<[setting: string, key: string]> = [
  ['maxTokens', 'max_tokens'],
  ['maxOutputTokens', 'max_tokens'],
  ['temperature', 'temperature'],
  ['topP', 'top_p'],
  ['topK', 'top_k'],
  ['frequencyPenalty', 'frequency_penalty'],
  ['presencePenalty', 'presence_penalty'],
  ['seed', 'seed'],
];

/**
 * Providers whose reported input tokens leave the prompt cache out (Anthropic's `input_tokens`, Bedrock
 * Converse's `inputTokens`). AI SDK 6 sums the cache in itself; 4 and 5 pass the provider's number through.
 */
const CACHE_EXCLUSIVE_PROVIDER = /anthropic|bedrock/i;

/** Text as is, the empty string included (`asString` is for names and ids). */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const vercelAi: Dialect = (attributes, span) => {
  if (!Object.keys(attributes).some((key) => key.startsWith('ai.'))) return undefined;
  const operation = operationOf(attributes, span);
  const facts: SpanFacts = {};
  if (operation === TOOL_OPERATION) {
    facts.type = 'tool';
    put(facts, 'input', jsonValue(attributes['ai.toolCall.args']));
    put(facts, 'output', jsonValue(attributes['ai.toolCall.result']));
  } else {
    put(facts, 'input', promptInput(attributes));
    put(facts, 'output', responseChoices(attributes));
    if (MODEL_REQUEST_OPERATIONS.has(operation)) {
      facts.type = 'llm';
      put(facts, 'metrics', modelRequestMetrics(attributes));
    } else if (EMBEDDING_REQUEST_OPERATIONS.has(operation)) {
      facts.type = 'llm';
      put(facts, 'metrics', embeddingMetrics(attributes));
    }
  }
  put(facts, 'metadata', callMetadata(attributes));
  return facts;
};

/** The SDK names each span after its operation, and records it as `ai.operationId` too. */
function operationOf(attributes: SpanAttributeMap, span: ExportableSpan): string {
  return asString(attributes['ai.operationId']) ?? span.name;
}

function jsonValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  const parsed = parseJsonAttribute(value);
  return parsed === undefined ? value : parsed;
}

/**
 * The prompt as chat messages: `ai.prompt.messages` on a model request (the provider-level prompt), or the
 * SDK call's own arguments `ai.prompt` = `{system?, prompt?, messages?}` on the outer span. Embeddings carry
 * their values instead.
 */
function promptInput(attributes: SpanAttributeMap): unknown {
  const messages = parseJsonAttribute(attributes['ai.prompt.messages']);
  if (Array.isArray(messages)) return messages.flatMap(aiMessageToChat);
  const call = parseJsonAttribute(attributes['ai.prompt']);
  if (isObject(call)) return callArgumentsToChat(call);
  const values = attributes['ai.values'];
  if (Array.isArray(values)) return values.map(jsonValue);
  return jsonValue(attributes['ai.value']);
}

function callArgumentsToChat(call: Json): ChatMessageView[] {
  const chat: ChatMessageView[] = [];
  const system = text(call.system);
  if (system !== undefined) chat.push({ role: 'system', content: system });
  // `prompt` is text, or (ai 5+) a list of messages like `messages`.
  if (typeof call.prompt === 'string') chat.push({ role: 'user', content: call.prompt });
  else if (Array.isArray(call.prompt)) chat.push(...call.prompt.flatMap(aiMessageToChat));
  if (Array.isArray(call.messages)) chat.push(...call.messages.flatMap(aiMessageToChat));
  return chat;
}

/**
 * One AI SDK message (user-level `ModelMessage`/`CoreMessage`, or provider-level `LanguageModelV1–3Prompt`
 * item) → OpenAI chat messages. A tool message's results become one `tool` message each.
 */
function aiMessageToChat(message: unknown): ChatMessageView[] {
  if (!isObject(message)) return [];
  const role = asString(message.role) ?? 'user';
  if (typeof message.content === 'string') return [{ role, content: message.content }];
  const parts = Array.isArray(message.content) ? message.content.filter(isObject) : [];
  const content: ContentPartView[] = [];
  const toolCalls: ToolCallView[] = [];
  const toolResults: ChatMessageView[] = [];
  let reasoning = '';
  for (const part of parts) {
    switch (part.type) {
      case 'text':
        content.push({ type: 'text', text: text(part.text) ?? '' });
        break;
      case 'image': {
        const url = dataUrl(part.image, part.mediaType ?? part.mimeType ?? 'image/*');
        if (url !== undefined) content.push({ type: 'image_url', image_url: { url } });
        break;
      }
      case 'file': {
        const mediaType = asString(part.mediaType) ?? asString(part.mimeType) ?? 'application/octet-stream';
        const url = dataUrl(part.data, mediaType);
        if (url === undefined) break;
        if (mediaType.startsWith('image/')) content.push({ type: 'image_url', image_url: { url } });
        else content.push({ type: 'file', file: filePart(url, part.filename) });
        break;
      }
      case 'reasoning':
        reasoning += text(part.text) ?? '';
        break;
      case 'tool-call':
        // `input` from ai 5 on, `args` before.
        toolCalls.push(toolCall(part.toolCallId, part.toolName, part.input ?? part.args));
        break;
      case 'tool-result': {
        const result: ChatMessageView = { role: 'tool', content: toolResultText(part) };
        put(result, 'tool_call_id', asString(part.toolCallId));
        toolResults.push(result);
        break;
      }
      // Redacted reasoning, tool-approval requests/responses, and the like: nothing to show.
    }
  }
  if (content.length === 0 && toolCalls.length === 0 && !reasoning && toolResults.length > 0) return toolResults;
  const chat: ChatMessageView = { role, content: flattenContent(content) };
  if (toolCalls.length > 0) chat.tool_calls = toolCalls;
  if (reasoning) chat.reasoning = reasoning;
  return [chat, ...toolResults];
}

/**
 * Image or file data as a URL. The SDK writes bytes as base64 and URLs as their text; bytes it did not
 * convert (a `Uint8Array` in `ai.prompt`) arrive as an object of indices and are left out.
 */
function dataUrl(data: unknown, mediaType: unknown): string | undefined {
  if (typeof data !== 'string' || data === '') return undefined;
  if (/^(https?|data|gs|s3):/i.test(data)) return data;
  return `data:${asString(mediaType) ?? 'application/octet-stream'};base64,${data}`;
}

function filePart(url: string, filename: unknown): { file_data: string; filename?: string } {
  const file: { file_data: string; filename?: string } = { file_data: url };
  put(file, 'filename', asString(filename));
  return file;
}


/** ai 5+: `output` = `{type: 'text' | 'error-text', value: string}` or `{type: 'json' | 'error-json', value}`, …; ai 4: `result`. */
function toolResultText(part: Json): string {
  const output = part.output;
  if (isObject(output) && (output.type === 'text' || output.type === 'error-text') && typeof output.value === 'string') return output.value;
  if (isObject(output) && (output.type === 'json' || output.type === 'error-json')) return argumentsText(output.value);
  const result = output ?? part.result;
  return typeof result === 'string' ? result : argumentsText(result);
}


/** The response as one OpenAI choice: text (or generateObject's JSON), reasoning and tool calls. */
function responseChoices(attributes: SpanAttributeMap): ChoiceView[] | undefined {
  const answer = text(attributes['ai.response.text']) ?? text(attributes['ai.response.object']);
  const reasoning = text(attributes['ai.response.reasoning']);
  const toolCalls = responseToolCalls(attributes['ai.response.toolCalls']);
  if (answer === undefined && !reasoning && toolCalls.length === 0) return undefined;
  const message: ChatMessageView = { role: 'assistant', content: answer ?? null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning = reasoning;
  return [{ index: 0, message, finish_reason: asString(attributes['ai.response.finishReason']) ?? null }];
}

/** `[{toolCallId, toolName, input}]` (ai 5+) or `[{toolCallId, toolName, args}]` (ai 4). */
function responseToolCalls(value: unknown): ToolCallView[] {
  const calls = parseJsonAttribute(value);
  if (!Array.isArray(calls)) return [];
  return calls.filter(isObject).map((call) => toolCall(call.toolCallId, call.toolName, call.input ?? call.args));
}

/**
 * A model request's usage → Braintrust metrics (`prompt_tokens` including cache reads and writes).
 *  - ai 6: `inputTokens` is the total and `inputTokenDetails.*` split it.
 *  - ai 5: `inputTokens`, `cachedInputTokens` (streamText) or `promptTokens` (generateText); ai 4:
 *    `promptTokens`. Both pass the provider's count through, which for Anthropic and Bedrock leaves the cache
 *    out: cache reads and writes (the latter, and ai 4's reads, only in `providerMetadata`) are added back.
 */
function modelRequestMetrics(attributes: SpanAttributeMap): RecordMetrics | undefined {
  const hasInputDetails = Object.keys(attributes).some((key) => key.startsWith('ai.usage.inputTokenDetails.'));
  const providerUsage = providerCacheUsage(attributes['ai.response.providerMetadata']);
  let prompt = asCount(attributes['ai.usage.inputTokens']) ?? asCount(attributes['ai.usage.promptTokens']);
  const completion = asCount(attributes['ai.usage.outputTokens']) ?? asCount(attributes['ai.usage.completionTokens']);
  const total = asCount(attributes['ai.usage.totalTokens']);
  const cacheRead =
    asCount(attributes['ai.usage.inputTokenDetails.cacheReadTokens']) ?? asCount(attributes['ai.usage.cachedInputTokens']) ?? providerUsage.cacheRead;
  const cacheWrite = asCount(attributes['ai.usage.inputTokenDetails.cacheWriteTokens']) ?? providerUsage.cacheWrite;
  const reasoning = asCount(attributes['ai.usage.outputTokenDetails.reasoningTokens']) ?? asCount(attributes['ai.usage.reasoningTokens']);
  const cache = (cacheRead ?? 0) + (cacheWrite ?? 0);
  const provider = asString(attributes['ai.model.provider']) ?? '';
  if (prompt !== undefined && cache > 0 && !hasInputDetails && (CACHE_EXCLUSIVE_PROVIDER.test(provider) || cache > prompt)) prompt += cache;
  const msToFirstChunk = asNumber(attributes['ai.response.msToFirstChunk']) ?? asNumber(attributes['ai.stream.msToFirstChunk']);
  return tokenMetrics({ prompt, completion, total, cacheRead, cacheWrite, reasoning, timeToFirstToken: msToFirstChunk === undefined ? undefined : msToFirstChunk / 1000 });
}

/**
 * Cache counts found only in `ai.response.providerMetadata` (ai 4–5): Anthropic's
 * `{anthropic: {cacheCreationInputTokens, cacheReadInputTokens (ai 4), usage (ai 5: the raw API usage)}}`,
 * Bedrock's `{bedrock: {usage: {cacheWriteInputTokens}}}`. ai 5's generateText records no
 * `cachedInputTokens`, so its Anthropic cache reads are in the raw usage alone.
 */
function providerCacheUsage(value: unknown): { cacheRead?: number; cacheWrite?: number } {
  const metadata = parseJsonAttribute(value);
  if (!isObject(metadata)) return {};
  const anthropic = isObject(metadata.anthropic) ? metadata.anthropic : {};
  const anthropicUsage = isObject(anthropic.usage) ? anthropic.usage : {};
  const bedrockUsage = isObject(metadata.bedrock) && isObject(metadata.bedrock.usage) ? metadata.bedrock.usage : {};
  const usage: { cacheRead?: number; cacheWrite?: number } = {};
  put(usage, 'cacheRead', asCount(anthropic.cacheReadInputTokens) ?? asCount(anthropicUsage.cache_read_input_tokens));
  put(
    usage,
    'cacheWrite',
    asCount(anthropic.cacheCreationInputTokens) ?? asCount(anthropicUsage.cache_creation_input_tokens) ?? asCount(bedrockUsage.cacheWriteInputTokens),
  );
  return usage;
}

/** An embedding request reports the tokens of its input only. */
function embeddingMetrics(attributes: SpanAttributeMap): RecordMetrics | undefined {
  const tokens = asCount(attributes['ai.usage.tokens']);
  return tokens === undefined ? undefined : { prompt_tokens: tokens, tokens };
}

function callMetadata(attributes: SpanAttributeMap): Record<string, unknown> | undefined {
  const metadata: Record<string, unknown> = {};
  // The user's own `experimental_telemetry.metadata` first, so the call's facts below win a clash of names.
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith(USER_METADATA_PREFIX) && key.length > USER_METADATA_PREFIX.length) metadata[key.slice(USER_METADATA_PREFIX.length)] = value;
  }
  put(metadata, 'function_id', asString(attributes['ai.telemetry.functionId']));
  // As the semconv dialect names them: the model asked for, and the one that answered.
  put(metadata, 'model', asString(attributes['ai.model.id']) ?? asString(attributes['ai.response.model']));
  put(metadata, 'response_model', asString(attributes['ai.response.model']));
  // `openai.chat`, `anthropic.messages`, `amazon-bedrock`: the provider, then (after a dot) its API.
  put(metadata, 'provider', asString(attributes['ai.model.provider'])?.split('.')[0]);
  for (const [setting, key] of SETTINGS) put(metadata, key, asNumber(attributes[`ai.settings.${setting}`]));
  put(metadata, 'stop_sequences', asStringList(attributes['ai.settings.stopSequences']));
  const finishReason = asString(attributes['ai.response.finishReason']);
  if (finishReason !== undefined) metadata.finish_reasons = [finishReason];
  put(metadata, 'response_id', asString(attributes['ai.response.id']));
  put(metadata, 'tool_name', asString(attributes['ai.toolCall.name']));
  put(metadata, 'tool_call_id', asString(attributes['ai.toolCall.id']));
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}

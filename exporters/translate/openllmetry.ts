/**
 * Traceloop OpenLLMetry's attribute dialect: content as indexed `gen_ai.prompt.N.*` / `gen_ai.completion.N.*`
 * attributes, usage under `gen_ai.usage.prompt_tokens`-style names, `llm.request.type`, and the `traceloop.*`
 * attributes of workflow/task/agent/tool spans.
 *
 * Shapes are those of @traceloop/instrumentation-openai 0.22.5 and @traceloop/instrumentation-anthropic 0.22.6
 * (`dist/index.js`; the last JS line before these moved to `gen_ai.input.messages`), of openllmetry's Python
 * instrumentations (`tool_calls.M.*`, `tool_call_id`, cache token counts, a `thinking` completion), and of
 * @traceloop/node-server-sdk 0.27.0 (`traceloop.entity.input` = `{"args": [...], "kwargs": {...}}`).
 */
import type { RecordMetrics, SpanAttributeMap } from '../record';
import type { Dialect, SpanFacts } from './facts';
import { argumentsText, type ChatMessageView, type ChoiceView, type ContentPartView, flattenContent, isObject, type Json, parseJsonAttribute, toolCall, type ToolCallView } from './messages';
import { asCount, asNumber, asString, asStringList, groupByIndex, put } from './values';
import { tokenMetrics } from './token-metrics';


/** One indexed message: its attributes keyed by what follows `gen_ai.prompt.N.`. */
type MessageFields = Map<string, unknown>;

const PROMPT_PREFIX = 'gen_ai.prompt.';
const COMPLETION_PREFIX = 'gen_ai.completion.';
/** `llm.request.type` values that describe one model inference (`rerank` and `unknown` do not). */
const MODEL_CALL_REQUEST_TYPES = new Set(['chat', 'completion', 'embedding']);
const ASSOCIATION_PREFIX = 'traceloop.association.properties.';

/** Request parameters as OpenLLMetry names them → the metadata key (OpenAI's request field name). */
const REQUEST_PARAMETERS: ReadonlyArray<[attribute: string, key: string]> = [
  ['gen_ai.request.temperature', 'temperature'],
  ['gen_ai.request.max_tokens', 'max_tokens'],
  ['gen_ai.request.top_p', 'top_p'],
  ['llm.top_k', 'top_k'],
  ['llm.frequency_penalty', 'frequency_penalty'],
  ['llm.presence_penalty', 'presence_penalty'],
];

/** Text as is, the empty string included (`asString` is for names and ids). */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const openllmetry: Dialect = (attributes) => {
  const prompts = indexedMessages(attributes, PROMPT_PREFIX);
  const completions = indexedMessages(attributes, COMPLETION_PREFIX);
  const requestType = asString(attributes['llm.request.type']);
  const spanKind = asString(attributes['traceloop.span.kind']);
  const hasTraceloopAttribute = Object.keys(attributes).some((key) => key.startsWith('traceloop.'));
  // `gen_ai.system`, `gen_ai.request.model` and the usage names are shared with other emitters (the
  // semconv dialect, Vercel AI's generateObject): only OpenLLMetry's own attributes claim the span.
  if (prompts.size === 0 && completions.size === 0 && requestType === undefined && !hasTraceloopAttribute) return undefined;

  const facts: SpanFacts = {};
  put(facts, 'input', prompts.size > 0 ? promptsToChat(prompts) : entityValue(attributes['traceloop.entity.input']));
  const choices = completions.size > 0 ? completionsToChoices(completions) : undefined;
  put(facts, 'output', choices ?? entityValue(attributes['traceloop.entity.output']));
  if (requestType !== undefined && MODEL_CALL_REQUEST_TYPES.has(requestType)) facts.type = 'llm';
  else if (spanKind === 'tool') facts.type = 'tool';
  put(facts, 'metrics', usageMetrics(attributes));
  put(facts, 'metadata', callMetadata(attributes, choices ?? []));
  return facts;
};

/** `prefix N.rest` attributes grouped by N, in index order. */
function indexedMessages(attributes: SpanAttributeMap, prefix: string): Map<number, MessageFields> {
  return groupByIndex(Object.entries(attributes), prefix);
}

function promptsToChat(prompts: Map<number, MessageFields>): ChatMessageView[] {
  const messages: ChatMessageView[] = [];
  for (const fields of prompts.values()) {
    // Python's Anthropic legacy-completions path writes the prompt text under `gen_ai.prompt.0.user`.
    const body = renderContent(fields.has('content') ? fields.get('content') : fields.get('user'));
    // Anthropic carries tool results as `tool_result` blocks of a user message: OpenAI's `tool` messages.
    messages.push(...body.toolResults);
    const message = toChatMessage(fields, asString(fields.get('role')) ?? 'user', body);
    const onlyToolResults = message.content === null && !message.tool_calls && !message.reasoning && body.toolResults.length > 0;
    if (!onlyToolResults) messages.push(message);
  }
  return messages;
}

/**
 * Completions → OpenAI choices. Python's Anthropic instrumentation writes a thinking block as a completion of
 * its own (role `thinking`, carrying the finish reason) ahead of the answer; it becomes the answer's
 * `reasoning`, as OpenAI shapes it.
 */
function completionsToChoices(completions: Map<number, MessageFields>): ChoiceView[] {
  const choices: ChoiceView[] = [];
  let thinking: { reasoning: string; finishReason: string | undefined } | undefined;
  for (const fields of completions.values()) {
    const role = asString(fields.get('role')) ?? 'assistant';
    const body = renderContent(fields.get('content'));
    const finishReason = asString(fields.get('finish_reason'));
    if (role === 'thinking') {
      thinking = { reasoning: (thinking?.reasoning ?? '') + (typeof body.content === 'string' ? body.content : ''), finishReason };
      continue;
    }
    const message = toChatMessage(fields, role, { ...body, reasoning: (thinking?.reasoning ?? '') + body.reasoning });
    choices.push({ index: choices.length, message, finish_reason: finishReason ?? thinking?.finishReason ?? null });
    thinking = undefined;
  }
  if (thinking !== undefined) {
    const message: ChatMessageView = { role: 'assistant', content: null, reasoning: thinking.reasoning };
    choices.push({ index: choices.length, message, finish_reason: thinking.finishReason ?? null });
  }
  return choices;
}

function toChatMessage(fields: MessageFields, role: string, body: RenderedContent): ChatMessageView {
  const toolCalls = explicitToolCalls(fields);
  // Python's Anthropic path writes tool_use blocks both in the content JSON and as `tool_calls.M.*`.
  const calls = toolCalls.length > 0 ? toolCalls : body.toolCalls;
  // The JS instrumentations write `""` for the null content of a message that only calls tools.
  const message: ChatMessageView = { role, content: body.content === '' && calls.length > 0 ? null : body.content };
  if (calls.length > 0) message.tool_calls = calls;
  put(message, 'tool_call_id', asString(fields.get('tool_call_id')));
  if (body.reasoning) message.reasoning = body.reasoning;
  put(message, 'refusal', asString(fields.get('refusal')));
  return message;
}

/** `tool_calls.M.{id,name,arguments}`, and the legacy `function_call.{name,arguments}` as one more call. */
function explicitToolCalls(fields: MessageFields): ToolCallView[] {
  const calls = [...groupByIndex(fields, 'tool_calls.', /^(\d+)\.(id|name|arguments)$/).values()].map((call) => toolCall(call.get('id'), call.get('name'), call.get('arguments')));
  const functionName = asString(fields.get('function_call.name'));
  if (functionName !== undefined) calls.push(toolCall(undefined, functionName, fields.get('function_call.arguments')));
  return calls;
}


/** A message's content, split into the fields an OpenAI chat message keeps apart. */
interface RenderedContent {
  content: string | ContentPartView[] | null;
  toolCalls: ToolCallView[];
  /** Anthropic `tool_result` blocks, as `role: "tool"` messages. */
  toolResults: ChatMessageView[];
  reasoning: string;
}

/**
 * A content attribute → chat fields. OpenLLMetry writes non-string content as JSON: OpenAI content parts,
 * Anthropic content blocks, or `null` (an assistant message that only called tools). Text that merely looks
 * like JSON stays text unless it parses to a list of typed parts.
 */
function renderContent(value: unknown): RenderedContent {
  const rendered: RenderedContent = { content: null, toolCalls: [], toolResults: [], reasoning: '' };
  const parsed = typeof value === 'string' ? jsonContent(value) : value;
  if (parsed === undefined || parsed === null) return rendered;
  if (typeof parsed === 'string') {
    rendered.content = parsed;
    return rendered;
  }
  if (!isPartList(parsed)) {
    rendered.content = argumentsText(parsed);
    return rendered;
  }
  const parts: ContentPartView[] = [];
  for (const block of parsed) {
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: text(block.text) ?? '' });
        break;
      case 'image':
        parts.push({ type: 'image_url', image_url: { url: anthropicImageUrl(block.source) } });
        break;
      case 'thinking':
        rendered.reasoning += text(block.thinking) ?? '';
        break;
      case 'redacted_thinking':
        break;
      case 'tool_use':
        rendered.toolCalls.push(toolCall(block.id, block.name, block.input));
        break;
      case 'tool_result': {
        const result: ChatMessageView = { role: 'tool', content: toolResultText(block.content) };
        put(result, 'tool_call_id', asString(block.tool_use_id));
        rendered.toolResults.push(result);
        break;
      }
      default:
        // OpenAI parts (`image_url`, `input_audio`, `file`) are already in the shape Braintrust shows.
        parts.push({ ...block, type: block.type });
    }
  }
  rendered.content = flattenContent(parts);
  return rendered;
}

function jsonContent(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed !== 'null' && !trimmed.startsWith('[')) return text;
  const parsed = parseJsonAttribute(trimmed);
  return parsed === null || isPartList(parsed) ? parsed : text;
}

function isPartList(value: unknown): value is Array<Json & { type: string }> {
  return Array.isArray(value) && value.length > 0 && value.every((part) => isObject(part) && typeof part.type === 'string');
}

function anthropicImageUrl(source: unknown): string {
  if (!isObject(source)) return '';
  if (source.type === 'base64') return `data:${asString(source.media_type) ?? 'application/octet-stream'};base64,${text(source.data) ?? ''}`;
  return text(source.url) ?? '';
}

/** An Anthropic tool result's content: a string, or text blocks (joined), or anything else as JSON. */
function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (isPartList(content) && content.every((block) => block.type === 'text')) return content.map((block) => text(block.text) ?? '').join('');
  return argumentsText(content ?? '');
}


/** `traceloop.entity.input` / `.output`: JSON written by the SDK's `serialize`; text that is not JSON stays text. */
function entityValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  const parsed = parseJsonAttribute(value);
  return parsed === undefined ? value : parsed;
}

/**
 * Usage → Braintrust metrics. OpenLLMetry renamed its usage attributes across versions (`prompt_tokens` →
 * `input_tokens`, `llm.usage.total_tokens` → `gen_ai.usage.total_tokens`), so both names are read.
 *
 * Braintrust's `prompt_tokens` includes cached and cache-write tokens. OpenLLMetry's Python Anthropic
 * instrumentation already sums them in (`input_tokens + cache_read + cache_creation`, see its
 * `_set_token_usage`); OpenAI's `prompt_tokens` includes cached tokens by definition. The JS Anthropic
 * instrumentation (0.22.x) reports Anthropic's own `input_tokens`, which exclude the cache, but emits no cache
 * counts, so there is nothing to add back. A prompt count is taken to exclude the cache only when the counts
 * prove it: the cache exceeds the prompt, or the total is prompt + completion + cache.
 */
function usageMetrics(attributes: SpanAttributeMap): RecordMetrics | undefined {
  let prompt = asCount(attributes['gen_ai.usage.prompt_tokens']) ?? asCount(attributes['gen_ai.usage.input_tokens']);
  const completion = asCount(attributes['gen_ai.usage.completion_tokens']) ?? asCount(attributes['gen_ai.usage.output_tokens']);
  const total = asCount(attributes['llm.usage.total_tokens']) ?? asCount(attributes['gen_ai.usage.total_tokens']);
  const cacheRead = asCount(attributes['gen_ai.usage.cache_read_input_tokens']);
  const cacheWrite = asCount(attributes['gen_ai.usage.cache_creation_input_tokens']);
  const reasoning = asCount(attributes['gen_ai.usage.reasoning_tokens']);
  const cache = (cacheRead ?? 0) + (cacheWrite ?? 0);
  if (prompt !== undefined && cache > 0) {
    const totalCountsCacheApart = total !== undefined && completion !== undefined && total === prompt + completion + cache;
    if (cache > prompt || totalCountsCacheApart) prompt += cache;
  }
  return tokenMetrics({ prompt, completion, total, cacheRead, cacheWrite, reasoning });
}

function callMetadata(attributes: SpanAttributeMap, choices: ChoiceView[]): Record<string, unknown> | undefined {
  const metadata: Record<string, unknown> = {};
  // Association properties are the user's own labels (user id, session, …), as `ai.telemetry.metadata.*` are.
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith(ASSOCIATION_PREFIX) && key.length > ASSOCIATION_PREFIX.length) metadata[key.slice(ASSOCIATION_PREFIX.length)] = value;
  }
  // As the semconv dialect names them: the model asked for, and the one that answered.
  put(metadata, 'model', asString(attributes['gen_ai.request.model']) ?? asString(attributes['gen_ai.response.model']));
  put(metadata, 'response_model', asString(attributes['gen_ai.response.model']));
  // OpenLLMetry writes `OpenAI` / `Anthropic`; other dialects write the semconv's lower-case names.
  put(metadata, 'provider', asString(attributes['gen_ai.system'])?.toLowerCase());
  for (const [attribute, key] of REQUEST_PARAMETERS) put(metadata, key, asNumber(attributes[attribute]));
  put(metadata, 'stop_sequences', asStringList(attributes['llm.chat.stop_sequences']));
  const stream = attributes['llm.is_streaming'];
  if (typeof stream === 'boolean') metadata.stream = stream;
  const finishReasons = choices.map((choice) => choice.finish_reason).filter((reason): reason is string => reason !== null);
  if (finishReasons.length > 0) metadata.finish_reasons = finishReasons;
  put(metadata, 'response_id', asString(attributes['gen_ai.response.id']));
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}

/**
 * Arize OpenInference's attribute dialect: `openinference.span.kind`, flattened messages
 * (`llm.input_messages.N.message.*`, `llm.output_messages.N.message.*`), `input.value` / `output.value`,
 * `llm.token_count.*` and the span-level context (`session.id`, `user.id`, `metadata`, `tag.tags`).
 *
 * Names from @arizeai/openinference-semantic-conventions 2.12.0 (`src/trace/SemanticConventions.ts`); shapes
 * from @arizeai/openinference-instrumentation-openai 4.2.7 and -anthropic 0.2.8 (`src/instrumentation.ts`).
 */
import type { RecordMetrics, SpanAttributeMap } from '../record';
import type { Dialect, SpanFacts } from './facts';
import { type ChatMessageView, type ChoiceView, type ContentPartView, flattenContent, isObject, type Json, parseJsonAttribute, toolCall, type ToolCallView } from './messages';
import { asCount, asString, asStringList, groupByIndex, put } from './values';
import { tokenMetrics } from './token-metrics';


/** One flattened message: its attributes keyed by what follows `llm.input_messages.N.message.`. */
type MessageFields = Map<string, unknown>;

const INPUT_MESSAGES_PREFIX = 'llm.input_messages.';
const OUTPUT_MESSAGES_PREFIX = 'llm.output_messages.';
const TOKEN_COUNT_PREFIX = 'llm.token_count.';
/** Request-body fields the invocation parameters may carry that are not parameters (content, or the model). */
const NOT_PARAMETERS = new Set(['messages', 'input', 'prompt', 'model']);

/** Text as is, the empty string included (`asString` is for names and ids). */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const openinference: Dialect = (attributes) => {
  const spanKind = asString(attributes['openinference.span.kind']);
  const inputMessages = indexedMessages(attributes, INPUT_MESSAGES_PREFIX);
  const outputMessages = indexedMessages(attributes, OUTPUT_MESSAGES_PREFIX);
  const hasTokenCounts = Object.keys(attributes).some((key) => key.startsWith(TOKEN_COUNT_PREFIX));
  if (spanKind === undefined && inputMessages.size === 0 && outputMessages.size === 0 && !hasTokenCounts) return undefined;

  const facts: SpanFacts = {};
  // The messages are the call as a chat; `input.value` of an LLM span is the whole request body.
  put(facts, 'input', inputMessages.size > 0 ? inputToChat(inputMessages) : payload(attributes['input.value'], attributes['input.mime_type']));
  const finishReason = asString(attributes['llm.finish_reason']);
  put(
    facts,
    'output',
    outputMessages.size > 0 ? outputToChoices(outputMessages, finishReason) : payload(attributes['output.value'], attributes['output.mime_type']),
  );
  const kind = spanKind?.toUpperCase();
  if (kind === 'LLM') facts.type = 'llm';
  else if (kind === 'TOOL') facts.type = 'tool';
  put(facts, 'metrics', usageMetrics(attributes));
  put(facts, 'metadata', spanMetadata(attributes, finishReason));
  put(facts, 'tags', asStringList(attributes['tag.tags']));
  return facts;
};

/** `prefix N.message.rest` attributes grouped by N, in index order. */
function indexedMessages(attributes: SpanAttributeMap, prefix: string): Map<number, MessageFields> {
  return groupByIndex(Object.entries(attributes), prefix, /^(\d+)\.message\.(.+)$/);
}

/** `{prefix}M.{rest}` fields grouped by M, in index order. */
function indexedItems(fields: MessageFields, prefix: string): Json[] {
  return [...groupByIndex(fields, prefix).values()].map((item) => Object.fromEntries(item));
}

function inputToChat(messages: Map<number, MessageFields>): ChatMessageView[] {
  return [...messages.values()].map((fields) => toChatMessage(fields, 'user'));
}

/**
 * Output messages → OpenAI choices. The instrumentations record one message (the first choice) and the
 * span-level `llm.finish_reason`, which therefore belongs to a lone message only.
 */
function outputToChoices(messages: Map<number, MessageFields>, finishReason: string | undefined): ChoiceView[] {
  const lone = messages.size === 1;
  return [...messages.values()].map((fields, index) => ({
    index,
    message: toChatMessage(fields, 'assistant'),
    finish_reason: lone ? (finishReason ?? null) : null,
  }));
}

function toChatMessage(fields: MessageFields, defaultRole: string): ChatMessageView {
  const toolCallId = asString(fields.get('tool_call_id'));
  // The Anthropic instrumentation records a `tool_result` block as a user message with a `tool_call_id`:
  // in OpenAI's shape that is a `tool` message.
  const role = toolCallId !== undefined ? 'tool' : (asString(fields.get('role')) ?? defaultRole);
  const contents = renderContents(fields);
  const message: ChatMessageView = { role, content: text(fields.get('content')) ?? contents.content };
  const functionName = asString(fields.get('function_call_name'));
  // On a `function` (result) message the function name is the message's name, not a call.
  put(message, 'name', asString(fields.get('name')) ?? (role === 'function' ? functionName : undefined));
  const toolCalls = indexedItems(fields, 'tool_calls.').map((call) =>
    toolCall(call['tool_call.id'], call['tool_call.function.name'], call['tool_call.function.arguments']),
  );
  // The Anthropic instrumentation repeats tool_use blocks among the contents: those are the fallback only.
  const calls = toolCalls.length > 0 ? toolCalls : contents.toolCalls;
  if (functionName !== undefined && role !== 'function') calls.push(toolCall(undefined, functionName, fields.get('function_call_arguments_json')));
  if (calls.length > 0) {
    message.tool_calls = calls;
    // A streamed answer that only calls tools is recorded with its joined text deltas, `""`: OpenAI's null.
    if (message.content === '') message.content = null;
  }
  put(message, 'tool_call_id', toolCallId);
  if (contents.reasoning) message.reasoning = contents.reasoning;
  return message;
}


interface RenderedContents {
  content: string | ContentPartView[] | null;
  toolCalls: ToolCallView[];
  reasoning: string;
}

/** `contents.M.message_content.*` → content parts, with tool_use and reasoning parts set apart. */
function renderContents(fields: MessageFields): RenderedContents {
  const rendered: RenderedContents = { content: null, toolCalls: [], reasoning: '' };
  const parts: ContentPartView[] = [];
  for (const item of indexedItems(fields, 'contents.')) {
    const partText = text(item['message_content.text']);
    switch (item['message_content.type']) {
      case 'text':
        parts.push({ type: 'text', text: partText ?? '' });
        break;
      case 'image': {
        // Base64 images are recorded without their data (`image.type` / `image.media_type` only): nothing to show.
        const url = asString(item['message_content.image.image.url']);
        if (url) parts.push({ type: 'image_url', image_url: { url } });
        break;
      }
      case 'reasoning':
        rendered.reasoning += partText ?? '';
        break;
      case 'tool_use':
        // Recorded as `contents.M.tool_call.*`, beside (not under) `message_content`.
        rendered.toolCalls.push(toolCall(item['tool_call.id'], item['tool_call.function.name'], item['tool_call.function.arguments']));
        break;
      default:
        // e.g. Anthropic's `fallback` notice: its text is all there is to show.
        if (partText !== undefined) parts.push({ type: 'text', text: partText });
    }
  }
  rendered.content = flattenContent(parts);
  return rendered;
}


/** `input.value` / `output.value`: parsed when its mime type says JSON (kept as text if it does not parse). */
function payload(value: unknown, mimeType: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof mimeType !== 'string' || !mimeType.startsWith('application/json')) return value;
  const parsed = parseJsonAttribute(value);
  return parsed === undefined ? value : parsed;
}

/**
 * `llm.token_count.*` → Braintrust metrics. OpenInference defines `prompt_details.*` as parts of the prompt
 * count, and its Anthropic instrumentation adds cache reads/writes back into Anthropic's `input_tokens` (0.2.x;
 * 0.1.x reported `input_tokens` alone, with no cache counts). A prompt smaller than its own cache is one that
 * left the cache out, and gets it added.
 */
function usageMetrics(attributes: SpanAttributeMap): RecordMetrics | undefined {
  let prompt = asCount(attributes['llm.token_count.prompt']);
  const completion = asCount(attributes['llm.token_count.completion']);
  const total = asCount(attributes['llm.token_count.total']);
  const cacheRead = asCount(attributes['llm.token_count.prompt_details.cache_read']);
  const cacheWrite = asCount(attributes['llm.token_count.prompt_details.cache_write']);
  const reasoning = asCount(attributes['llm.token_count.completion_details.reasoning']);
  const cache = (cacheRead ?? 0) + (cacheWrite ?? 0);
  if (prompt !== undefined && cache > prompt) prompt += cache;
  return tokenMetrics({ prompt, completion, total, cacheRead, cacheWrite, reasoning });
}

function spanMetadata(attributes: SpanAttributeMap, finishReason: string | undefined): Record<string, unknown> | undefined {
  const metadata: Record<string, unknown> = {};
  // The user's own `metadata` first, so the call's facts below win a clash of names.
  const userMetadata = parseJsonAttribute(attributes['metadata']);
  if (isObject(userMetadata)) Object.assign(metadata, userMetadata);
  const parameters = parseJsonAttribute(attributes['llm.invocation_parameters']);
  if (isObject(parameters)) {
    for (const [key, value] of Object.entries(parameters)) if (!NOT_PARAMETERS.has(key)) metadata[key] = value;
  }
  // As the semconv dialect names them: the model asked for, and the one that answered. The request/response
  // names are newer. The instrumentations overwrite `llm.model_name` with the response's model (the OpenAI one
  // only when not streaming), while the request body's `model` stays in the invocation parameters.
  const modelName = asString(attributes['llm.model_name']);
  const requested = asString(attributes['llm.request.model_name']) ?? (isObject(parameters) ? asString(parameters.model) : undefined);
  const responseModel = asString(attributes['llm.response.model_name']) ?? (requested !== undefined && modelName !== requested ? modelName : undefined);
  put(metadata, 'model', requested ?? modelName ?? responseModel);
  put(metadata, 'response_model', responseModel);
  put(metadata, 'provider', asString(attributes['llm.provider']) ?? asString(attributes['llm.system']));
  if (finishReason !== undefined) metadata.finish_reasons = [finishReason];
  put(metadata, 'tool_name', asString(attributes['tool.name']));
  put(metadata, 'session_id', asString(attributes['session.id']));
  put(metadata, 'user_id', asString(attributes['user.id']));
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}

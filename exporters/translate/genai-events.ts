/**
 * The older GenAI semconv *event* form of message content: one event per input message
 * (`gen_ai.system.message`, `gen_ai.user.message`, `gen_ai.assistant.message`, `gen_ai.tool.message`) and one
 * per output choice (`gen_ai.choice`), read here from the span's events. Only input and output come from
 * this form; usage and model are `gen_ai.*` span attributes, read by their own dialect.
 *
 * An event's body is either JSON in `gen_ai.event.content`, or its fields (`content`, `tool_calls`, `id`,
 * `role`; `index`, `finish_reason`, `message`) as attributes, structured or JSON-encoded. The body shapes are
 * those @opentelemetry/instrumentation-openai 0.22.0 writes (`dist/instrumentation.mjs`), which emits them as
 * log records correlated with the span, not as span events: those reach a span exporter only through a
 * bridge that copies them onto the span, keeping the name in an `event.name` attribute, which is read too.
 */
import type { ExportableSpan } from '../record';
import type { Dialect, SpanFacts } from './facts';
import { argumentsText, type ChatMessageView, type ChoiceView, type ContentPartView, isObject, type Json, parseJsonAttribute, type ToolCallView } from './messages';
import { asString, put } from './values';

type SpanEvent = NonNullable<ExportableSpan['events']>[number];

const ROLE_OF_MESSAGE_EVENT: Readonly<Record<string, string>> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};
const CHOICE_EVENT = 'gen_ai.choice';


export const genaiEvents: Dialect = (_attributes, span) => {
  const input: ChatMessageView[] = [];
  const choices: ChoiceView[] = [];
  for (const event of span.events ?? []) {
    const name = eventName(event);
    const eventRole = ROLE_OF_MESSAGE_EVENT[name];
    if (eventRole !== undefined) input.push(toChatMessage(eventBody(event), eventRole));
    else if (name === CHOICE_EVENT) choices.push(toChoice(eventBody(event), choices.length));
  }
  if (input.length === 0 && choices.length === 0) return undefined;
  const facts: SpanFacts = {};
  if (input.length > 0) facts.input = input;
  if (choices.length > 0) facts.output = choices.sort((a, b) => a.index - b.index);
  return facts;
};

function eventName(event: SpanEvent): string {
  return asString(event.attributes?.['event.name']) ?? event.name;
}

/** The event's body: the `gen_ai.event.content` JSON when present, else the attributes themselves. */
function eventBody(event: SpanEvent): Json {
  const attributes = event.attributes ?? {};
  const content = parseJsonAttribute(attributes['gen_ai.event.content']);
  return isObject(content) ? content : attributes;
}

function toChatMessage(body: Json, eventRole: string): ChatMessageView {
  // A body `role` names a role the event name does not (e.g. `developer` on a system-message event).
  const message: ChatMessageView = { role: asString(body.role) ?? eventRole, content: messageContent(body.content) };
  const toolCalls = toToolCalls(body.tool_calls);
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  // A tool message's `id` is the id of the call it answers.
  if (message.role === 'tool') put(message, 'tool_call_id', asString(body.id));
  return message;
}

function toChoice(body: Json, position: number): ChoiceView {
  const index = typeof body.index === 'number' && Number.isInteger(body.index) && body.index >= 0 ? body.index : position;
  const parsed = parseJsonAttribute(body.message);
  const message = isObject(parsed) ? toChatMessage(parsed, 'assistant') : { role: 'assistant', content: null };
  return { index, message, finish_reason: asString(body.finish_reason) ?? null };
}

/** Text as is; a list of OpenAI content parts as parts (one text part as a string); anything else as JSON. */
function messageContent(content: unknown): string | ContentPartView[] | null {
  if (content === undefined || content === null) return null;
  if (typeof content === 'string') return content;
  if (Array.isArray(content) && content.length > 0 && content.every((part) => isObject(part) && typeof part.type === 'string')) {
    const parts = content as Array<Json & ContentPartView>;
    if (parts.every((part) => part.type === 'text')) return parts.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
    return parts;
  }
  return argumentsText(content);
}

/**
 * `[{id, type, function: {name, arguments}}]`, structured or as JSON. Without content capture
 * instrumentation-openai drops `arguments`, which then read as `{}`.
 */
function toToolCalls(value: unknown): ToolCallView[] {
  const calls = parseJsonAttribute(value);
  if (!Array.isArray(calls)) return [];
  return calls.filter(isObject).map((call) => {
    const fn = isObject(call.function) ? call.function : {};
    const view: ToolCallView = { type: 'function', function: { name: asString(fn.name) ?? '', arguments: argumentsText(fn.arguments) } };
    put(view, 'id', asString(call.id));
    return view;
  });
}

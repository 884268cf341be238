/**
 * Message rendering for Braintrust's LLM view, which displays OpenAI chat shapes: `input` as a list of
 * chat messages (`{role, content, tool_calls?, tool_call_id?}`), `output` as a list of choices
 * (`{index, message, finish_reason}`), as Braintrust's own OpenAI wrapper logs them. Every dialect
 * renders through these helpers, so one call looks the same whichever instrumentation described it.
 */

/** An OpenAI-shaped chat message. */
export interface ChatMessageView {
  role: string;
  content: string | ContentPartView[] | null;
  name?: string;
  tool_calls?: ToolCallView[];
  tool_call_id?: string;
  refusal?: string;
  reasoning?: string;
}

export type ContentPartView =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } }
  | { type: 'file'; file: { file_id?: string; file_data?: string; filename?: string } }
  | { type: string; [key: string]: unknown };

export interface ToolCallView {
  id?: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChoiceView {
  index: number;
  message: ChatMessageView;
  finish_reason: string | null;
}

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** JSON text → value; undefined when it is not JSON. */
export function parseJsonAttribute(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** Arguments of a tool call as OpenAI carries them: a JSON string. */
export function argumentsText(args: unknown): string {
  if (args === undefined || args === null) return '{}';
  if (typeof args === 'string') return args;
  try {
    return JSON.stringify(args);
  } catch {
    return String(args);
  }
}

/** An OpenAI-shaped tool call; arguments as JSON text. */
export function toolCall(id: unknown, name: unknown, args: unknown): ToolCallView {
  const call: ToolCallView = { type: 'function', function: { name: str(name) ?? '', arguments: argumentsText(args) } };
  const callId = str(id);
  if (callId !== undefined) call.id = callId;
  return call;
}

/**
 * Semconv message parts (`gen_ai.input.messages` / `gen_ai.output.messages` items' `parts`) → the
 * fields of an OpenAI chat message, appended to `out` (`defaultRole` when the message names none).
 * Tool responses become `role: "tool"` messages of their own, ahead of the message.
 */
function appendSemconvMessage(message: Json, defaultRole: string, out: ChatMessageView[]): void {
  const role = str(message.role) ?? defaultRole;
  const parts: unknown[] = Array.isArray(message.parts) ? message.parts : [];
  const rendered = out.length;
  const content: ContentPartView[] = [];
  const toolCalls: ToolCallView[] = [];
  let reasoning = '';
  let refusal = '';
  for (const part of parts) {
    if (!isObject(part)) continue;
    switch (part.type) {
      case 'text':
        content.push({ type: 'text', text: str(part.content) ?? '' });
        break;
      case 'reasoning':
        reasoning += str(part.content) ?? '';
        break;
      case 'refusal':
        refusal += str(part.content) ?? '';
        break;
      case 'tool_call': {
        toolCalls.push(toolCall(part.id, part.name, part.arguments));
        break;
      }
      case 'tool_call_response': {
        const response = part.response;
        const tool: ChatMessageView = { role: 'tool', content: typeof response === 'string' ? response : argumentsText(response) };
        const id = str(part.id);
        if (id !== undefined) tool.tool_call_id = id;
        out.push(tool);
        break;
      }
      case 'uri':
        content.push(uriPart(part));
        break;
      case 'blob':
        content.push(blobPart(part));
        break;
      case 'file':
        content.push({ type: 'file', file: { file_id: str(part.file_id) ?? '' } });
        break;
      default:
        content.push({ ...part, type: String(part.type ?? 'unknown') });
    }
  }
  // A message that was only tool responses (semconv role `tool`) is fully rendered above.
  if (content.length === 0 && toolCalls.length === 0 && !reasoning && !refusal && out.length > rendered) return;
  const chat: ChatMessageView = { role, content: flattenContent(content) };
  const name = str(message.name);
  if (name !== undefined) chat.name = name;
  if (toolCalls.length > 0) chat.tool_calls = toolCalls;
  if (reasoning) chat.reasoning = reasoning;
  if (refusal) chat.refusal = refusal;
  out.push(chat);
}

/** A semconv messages list (already parsed JSON) → OpenAI chat messages. */
export function semconvMessagesToChat(messages: unknown): ChatMessageView[] | undefined {
  if (!Array.isArray(messages)) return undefined;
  const out: ChatMessageView[] = [];
  for (const message of messages) if (isObject(message)) appendSemconvMessage(message, 'user', out);
  return out;
}

/** Semconv system instructions (a parts list) → one `system` message. */
export function systemInstructionsToChat(parts: unknown): ChatMessageView | undefined {
  if (!Array.isArray(parts) || parts.length === 0) return undefined;
  const out: ChatMessageView[] = [];
  appendSemconvMessage({ parts }, 'system', out);
  return out[0];
}

/**
 * Semconv output messages → OpenAI choices. `finishReasons`, when it has one per choice, replaces the
 * messages' own (the provider's values, e.g. `tool_calls`, where semconv says `tool_call`).
 */
export function semconvOutputToChoices(messages: unknown, finishReasons?: readonly string[]): ChoiceView[] | undefined {
  if (!Array.isArray(messages)) return undefined;
  const objects = messages.filter(isObject);
  const reasons = finishReasons !== undefined && finishReasons.length === objects.length ? finishReasons : undefined;
  const choices: ChoiceView[] = [];
  for (const m of objects) {
    const index = choices.length;
    const rendered: ChatMessageView[] = [];
    appendSemconvMessage(m, 'assistant', rendered);
    choices.push({ index, message: rendered[0] ?? { role: 'assistant', content: null }, finish_reason: reasons ? reasons[index]! : (str(m.finish_reason) ?? null) });
  }
  return choices;
}

/** One text part stays a plain string, as most chat messages are written. */
export function flattenContent(parts: ContentPartView[]): string | ContentPartView[] | null {
  if (parts.length === 0) return null;
  let text = '';
  for (const part of parts) {
    if (part.type !== 'text') return parts;
    text += (part as { text: string }).text;
  }
  return text;
}

function uriPart(part: Json): ContentPartView {
  const uri = str(part.uri) ?? '';
  if (part.modality === 'image') return { type: 'image_url', image_url: { url: uri } };
  return { type: 'file', file: { file_data: uri } };
}

function blobPart(part: Json): ContentPartView {
  const mime = str(part.mime_type) ?? 'application/octet-stream';
  const data = `data:${mime};base64,${str(part.content) ?? ''}`;
  if (part.modality === 'image') return { type: 'image_url', image_url: { url: data } };
  return { type: 'file', file: { file_data: data } };
}

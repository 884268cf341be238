/**
 * The legacy OpenAI `/v1/completions` API (`gpt-3.5-turbo-instruct`, `davinci-002`) and its clones
 * (Together, vLLM, Ollama, Fireworks): a prompt in, `choices[].text` out.
 */
import type { ChatMessage, LlmRequest, LlmResponse, MessagePart, OutputMessage } from '../llm-call';
import type { ApiFamily, ParseContext, StreamEvent, StreamReducer } from './family';
import { chatUsage, commonRequestParams, mapFinishReason, parseOpenAiError, unfinishedReason } from './openai-shared';
import { asArray, asInt, asObject, asString, TextBudget, type Json } from './util';

function parseRequest(body: unknown, ctx: ParseContext): LlmRequest {
  const request: LlmRequest = { operation: 'text_completion' };
  const b = asObject(body);
  if (!b) {
    if (ctx.pathModel) request.model = ctx.pathModel;
    return request;
  }
  commonRequestParams(b, request, ctx);
  if (ctx.captureContent) {
    const prompt = promptMessage(b.prompt);
    if (prompt) request.inputMessages = [prompt];
  }
  return request;
}

/**
 * `prompt` is a string, a list of strings (one completion per prompt), or token ids. Strings become
 * text parts of one user message; token arrays carry no readable text and are left out.
 */
function promptMessage(prompt: unknown): ChatMessage | undefined {
  if (typeof prompt === 'string') return { role: 'user', parts: [{ type: 'text', content: prompt }] };
  const list = asArray(prompt);
  if (!list) return undefined;
  const parts: MessagePart[] = [];
  for (const item of list) if (typeof item === 'string') parts.push({ type: 'text', content: item });
  return parts.length > 0 ? { role: 'user', parts } : undefined;
}

function parseResponse(body: unknown, ctx: ParseContext): LlmResponse {
  const b = asObject(body);
  if (!b) return {};
  const response: LlmResponse = {};
  const id = asString(b.id);
  if (id) response.id = id;
  const model = asString(b.model);
  if (model) response.model = model;
  const usage = chatUsage(b.usage);
  if (usage) response.usage = usage;
  const choices = (asArray(b.choices) ?? [])
    .map(asObject)
    .filter((c): c is Json => c !== undefined)
    .map((c, position) => ({ c, key: asInt(c.index) ?? position }))
    .sort((x, y) => x.key - y.key)
    .map((x) => x.c);
  const finishReasons = choices.map((c) => asString(c.finish_reason)).filter((r): r is string => r !== undefined);
  if (finishReasons.length > 0) response.finishReasons = finishReasons;
  if (ctx.captureContent && choices.length > 0) {
    response.outputMessages = choices.map((c) => completionMessage(choiceText(c) ?? '', asString(c.finish_reason), false));
  }
  return response;
}

/** `text` in OpenAI's format; Together also mirrors it in `delta.content` (chunks) or `message.content`. */
function choiceText(choice: Json): string | undefined {
  return asString(choice.text) ?? asString(asObject(choice.delta)?.content) ?? asString(asObject(choice.message)?.content);
}

function completionMessage(text: string, finish: string | undefined, sawError: boolean): OutputMessage {
  return {
    role: 'assistant',
    parts: text ? [{ type: 'text', content: text }] : [],
    finish_reason: finish ? mapFinishReason(finish) : unfinishedReason(sawError),
  };
}

const MAX_CHOICES = 128;

interface ChoiceState {
  index: number;
  text: string;
  finishReason?: string;
}

class CompletionsStreamReducer implements StreamReducer {
  private readonly budget: TextBudget;
  private readonly choices = new Map<number, ChoiceState>();
  private readonly response: LlmResponse = {};

  constructor(private readonly ctx: ParseContext) {
    this.budget = new TextBudget(ctx.maxContentChars);
  }

  push(event: StreamEvent): void {
    const chunk = asObject(event.data);
    if (!chunk) return;
    if ((chunk.error !== undefined && chunk.error !== null) || event.event === 'error') {
      this.response.error = parseOpenAiError(chunk) ?? { type: '_OTHER' };
    }
    if (this.response.id === undefined && asString(chunk.id)) this.response.id = asString(chunk.id);
    if (this.response.model === undefined && asString(chunk.model)) this.response.model = asString(chunk.model);
    const usage = chatUsage(chunk.usage);
    if (usage) this.response.usage = usage;
    for (const item of asArray(chunk.choices) ?? []) {
      const choice = asObject(item);
      if (!choice) continue;
      const state = this.choiceState(asInt(choice.index) ?? 0);
      if (!state) continue;
      const finish = asString(choice.finish_reason);
      if (finish) state.finishReason = finish;
      if (!this.ctx.captureContent) continue;
      const text = choiceText(choice);
      if (text) state.text = this.budget.append(state.text, text);
    }
  }

  private choiceState(index: number): ChoiceState | undefined {
    let state = this.choices.get(index);
    if (!state) {
      if (this.choices.size >= MAX_CHOICES || index < 0) return undefined;
      state = { index, text: '' };
      this.choices.set(index, state);
    }
    return state;
  }

  finish(): LlmResponse {
    // Finished once (StreamReducer): the response built along the stream is the result, not a copy of it.
    const response = this.response;
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index);
    const finishReasons = choices.map((c) => c.finishReason).filter((r): r is string => r !== undefined);
    if (finishReasons.length > 0) response.finishReasons = finishReasons;
    if (this.ctx.captureContent && choices.length > 0) {
      response.outputMessages = choices.map((c) => completionMessage(c.text, c.finishReason, response.error !== undefined));
    }
    if (this.budget.truncated) response.contentTruncated = true;
    return response;
  }
}

export const openaiCompletions: ApiFamily = {
  name: 'openai.completions',
  parseRequest,
  parseResponse,
  createStreamReducer: (ctx) => new CompletionsStreamReducer(ctx),
  parseError: parseOpenAiError,
};

/**
 * OpenAI `/v1/embeddings` and compatible servers. Only the request text (when it is text), the model
 * and token usage are reported: vectors are never copied.
 */
import type { ChatMessage, LlmRequest, LlmResponse, MessagePart } from '../llm-call';
import type { ApiFamily, ParseContext, StreamEvent, StreamReducer } from './family';
import { embeddingsUsage, parseOpenAiError } from './openai-shared';
import { asArray, asInt, asObject, asString } from './util';

function parseRequest(body: unknown, ctx: ParseContext): LlmRequest {
  const request: LlmRequest = { operation: 'embeddings' };
  const b = asObject(body);
  const model = asString(b?.model) || ctx.pathModel;
  if (model) request.model = model;
  if (!b) return request;
  const format = asString(b.encoding_format);
  if (format) request.encodingFormats = [format];
  const dimensions = asInt(b.dimensions);
  if (dimensions !== undefined) request.dimensionCount = dimensions;
  const user = asString(b.user);
  if (user) request.userId = user;
  if (ctx.captureContent) {
    const input = inputMessage(b.input);
    if (input) request.inputMessages = [input];
  }
  return request;
}

/** A string or list of strings becomes text parts; token-id arrays are not text and are skipped. */
function inputMessage(input: unknown): ChatMessage | undefined {
  if (typeof input === 'string') return { role: 'user', parts: [{ type: 'text', content: input }] };
  const parts: MessagePart[] = [];
  for (const item of asArray(input) ?? []) if (typeof item === 'string') parts.push({ type: 'text', content: item });
  return parts.length > 0 ? { role: 'user', parts } : undefined;
}

function parseResponse(body: unknown): LlmResponse {
  const b = asObject(body);
  if (!b) return {};
  const response: LlmResponse = {};
  // OpenAI sends no id; Together, Mistral and others do.
  const id = asString(b.id);
  if (id) response.id = id;
  const model = asString(b.model);
  if (model) response.model = model;
  const usage = embeddingsUsage(b.usage);
  if (usage) response.usage = usage;
  return response;
}

/** Embeddings do not stream; should a server frame the body as one event, it is read like a body. */
class EmbeddingsStreamReducer implements StreamReducer {
  private response: LlmResponse = {};

  push(event: StreamEvent): void {
    const data = asObject(event.data);
    if (!data) return;
    if (data.error !== undefined && data.error !== null) {
      this.response.error = parseOpenAiError(data) ?? { type: '_OTHER' };
      return;
    }
    const parsed = parseResponse(data);
    this.response = { ...this.response, ...parsed };
  }

  finish(): LlmResponse {
    return { ...this.response };
  }
}

export const openaiEmbeddings: ApiFamily = {
  name: 'openai.embeddings',
  parseRequest,
  parseResponse,
  createStreamReducer: () => new EmbeddingsStreamReducer(),
  parseError: parseOpenAiError,
};

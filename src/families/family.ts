import type { ApiFamilyName, LlmRequest, LlmResponse, ProviderError } from '../llm-call';

/** Facts known before any body is parsed: from the route match and the configuration. */
export interface ParseContext {
  /** Model named by the URL (Gemini `models/{m}:generateContent`, Bedrock `/model/{id}/...`, Azure deployment). */
  pathModel?: string;
  /** True when the URL alone says the response streams (Gemini `:streamGenerateContent`, Bedrock `*-stream`). */
  pathStream?: boolean;
  /** When false, parsers skip messages, system instructions and tool definitions entirely (no work, no memory). */
  captureContent: boolean;
  /** Upper bound, in UTF-16 code units, for text a stream reducer accumulates across all output messages. */
  maxContentChars: number;
}

/** One decoded event of a streamed response (SSE event, AWS event-stream message, NDJSON line). */
export interface StreamEvent {
  /** SSE `event:` name, or the AWS `:event-type` / `:exception-type` header; absent for plain `data:` events. */
  event?: string;
  /** The parsed JSON payload. Non-JSON payloads (e.g. OpenAI's `[DONE]`) arrive as strings. */
  data: unknown;
  /** True for AWS event-stream messages whose `:message-type` is `exception` or `error`. */
  exception?: boolean;
}

/** Folds stream events into a response, one event at a time, with bounded memory. */
export interface StreamReducer {
  push(event: StreamEvent): void;
  /**
   * Optional fast path for the most common event shape of a family: handle an SSE event from its
   * raw `data` text without `JSON.parse`, and return true; return false for anything else, which is
   * then parsed and given to `push`. Must give exactly the result `push` would.
   */
  pushRaw?(data: string, event: string | undefined): boolean;
  /** The response as seen so far; callable once, also after a stream that was cut short. */
  finish(): LlmResponse;
}

/**
 * One provider API family. Every function is pure over already-parsed JSON and must never throw
 * on unexpected shapes: unknown fields are ignored, wrong types are skipped.
 */
export interface ApiFamily {
  readonly name: ApiFamilyName;
  parseRequest(body: unknown, ctx: ParseContext): LlmRequest;
  /** A whole, non-streamed response body (2xx). */
  parseResponse(body: unknown, ctx: ParseContext): LlmResponse;
  createStreamReducer(ctx: ParseContext): StreamReducer;
  /** An error body (4xx/5xx) in the provider's format; undefined when the body says nothing useful. */
  parseError(body: unknown): ProviderError | undefined;
}

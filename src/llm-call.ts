/**
 * The normalised description of one LLM API exchange, independent of provider and transport.
 *
 * Parsers (`src/families/*`) turn request/response bodies into these shapes; `annotate.ts` turns them
 * into GenAI semantic-convention attributes. Message shapes follow the semconv v1.41 JSON schemas
 * (`gen-ai-input-messages.json`, `gen-ai-output-messages.json`, `gen-ai-system-instructions.json`).
 */

/** `gen_ai.operation.name` values we produce. */
export type Operation = 'chat' | 'text_completion' | 'embeddings' | 'generate_content';

/** One semconv message part: `text`, `tool_call`, `tool_call_response`, `reasoning`, `blob`, `uri`, `file`, ... */
export type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'tool_call'; id?: string; name: string; arguments?: unknown }
  | { type: 'tool_call_response'; id?: string; response: unknown }
  | { type: 'blob'; modality: string; mime_type?: string; content: string }
  | { type: 'uri'; modality: string; mime_type?: string; uri: string }
  | { type: 'file'; modality: string; mime_type?: string; file_id: string }
  | { type: string; [key: string]: unknown };

export interface ChatMessage {
  role: string;
  parts: MessagePart[];
  name?: string;
}

export interface OutputMessage extends ChatMessage {
  /** Semconv enum: stop, length, content_filter, tool_call, error, or the provider's own string. */
  finish_reason: string;
}

/** Token usage in semconv terms: `inputTokens` INCLUDES cache reads and cache writes. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
  /** Included in outputTokens. */
  reasoningOutputTokens?: number;
  /** The part of cacheCreationInputTokens written with a 1-hour TTL (Anthropic bills it higher). */
  cacheCreation1hInputTokens?: number;
  /** What the provider says the call cost, in USD (OpenRouter's `usage.cost`): wins over our price table. */
  costUsd?: number;
}

/** What the request says. Every field is optional: a partial parse is still useful. */
export interface LlmRequest {
  operation: Operation;
  model?: string;
  stream?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  /** Number of choices requested (OpenAI `n`, Gemini `candidateCount`); set only when it is not 1. */
  choiceCount?: number;
  /** `gen_ai.output.type`: set only when the request asks for a specific format. */
  outputType?: 'text' | 'json' | 'image' | 'speech';
  inputMessages?: ChatMessage[];
  systemInstructions?: MessagePart[];
  /** Tool definitions as the request declared them (provider shape). */
  toolDefinitions?: unknown[];
  /** OpenAI `user` / `safety_identifier` / `metadata.user_id`, Anthropic `metadata.user_id`. */
  userId?: string;
  /** OpenAI `metadata.session_id` (a convention of gateways and their clients). */
  sessionId?: string;
  /** A conversation/session id the request names (e.g. Responses `conversation`). */
  conversationId?: string;
  /** Embeddings: requested encodings (`float`, `base64`). */
  encodingFormats?: string[];
  /** Embeddings: requested vector size. */
  dimensionCount?: number;
}

/** A provider error as its body describes it. */
export interface ProviderError {
  /** The provider's error code (`rate_limit_exceeded`, `overloaded_error`, ...), or `_OTHER` when the body names none. */
  type: string;
  message?: string;
}

/** What the response says (a whole JSON body, or a reassembled stream). */
export interface LlmResponse {
  id?: string;
  model?: string;
  finishReasons?: string[];
  outputMessages?: OutputMessage[];
  usage?: Usage;
  error?: ProviderError;
  /** True when output text was cut to the content budget. */
  contentTruncated?: boolean;
}

/** The full parse result of one exchange, plus what the transport measured. */
export interface LlmCall {
  family: ApiFamilyName;
  provider: string;
  request: LlmRequest;
  response: LlmResponse;
  serverAddress?: string;
  serverPort?: number;
  httpStatus?: number;
  /** Seconds from request start to the first response body chunk (streams only). */
  timeToFirstChunk?: number;
  /** True when a body exceeded the capture cap, a stream was cut short, or a body failed to parse. */
  partial: boolean;
  /** Why the call is partial, for debug-level logs. Never contains body content. */
  diagnostics?: string[];
}

/** The API families we parse. One module per family in `src/families/`. */
export type ApiFamilyName =
  | 'openai.chat_completions'
  | 'openai.completions'
  | 'openai.responses'
  | 'openai.embeddings'
  | 'anthropic.messages'
  | 'gemini.generate_content'
  | 'bedrock.invoke'
  | 'bedrock.converse'
  | 'cohere.chat';

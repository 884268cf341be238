/**
 * Attribute names we emit, in one table. GenAI semantic conventions v1.41 (the last core release that
 * carries them; `@opentelemetry/semantic-conventions` exports them only as deprecated incubating
 * constants, so we keep our own names, as its README recommends).
 *
 * Under `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental` the names that changed in the
 * `semantic-conventions-genai` repository are emitted instead (see `latestNames`).
 */
export const ATTR = {
  GEN_AI_OPERATION_NAME: 'gen_ai.operation.name',
  GEN_AI_PROVIDER_NAME: 'gen_ai.provider.name',
  GEN_AI_REQUEST_MODEL: 'gen_ai.request.model',
  GEN_AI_REQUEST_MAX_TOKENS: 'gen_ai.request.max_tokens',
  GEN_AI_REQUEST_TEMPERATURE: 'gen_ai.request.temperature',
  GEN_AI_REQUEST_TOP_P: 'gen_ai.request.top_p',
  GEN_AI_REQUEST_TOP_K: 'gen_ai.request.top_k',
  GEN_AI_REQUEST_STOP_SEQUENCES: 'gen_ai.request.stop_sequences',
  GEN_AI_REQUEST_SEED: 'gen_ai.request.seed',
  GEN_AI_REQUEST_FREQUENCY_PENALTY: 'gen_ai.request.frequency_penalty',
  GEN_AI_REQUEST_PRESENCE_PENALTY: 'gen_ai.request.presence_penalty',
  GEN_AI_REQUEST_CHOICE_COUNT: 'gen_ai.request.choice.count',
  GEN_AI_REQUEST_STREAM: 'gen_ai.request.stream',
  GEN_AI_OUTPUT_TYPE: 'gen_ai.output.type',
  GEN_AI_REQUEST_ENCODING_FORMATS: 'gen_ai.request.encoding_formats',
  GEN_AI_EMBEDDINGS_DIMENSION_COUNT: 'gen_ai.embeddings.dimension.count',
  GEN_AI_RESPONSE_ID: 'gen_ai.response.id',
  GEN_AI_RESPONSE_MODEL: 'gen_ai.response.model',
  GEN_AI_RESPONSE_FINISH_REASONS: 'gen_ai.response.finish_reasons',
  GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: 'gen_ai.response.time_to_first_chunk',
  GEN_AI_USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  GEN_AI_USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: 'gen_ai.usage.cache_read.input_tokens',
  GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: 'gen_ai.usage.cache_creation.input_tokens',
  GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: 'gen_ai.usage.reasoning.output_tokens',
  /**
   * Ours (the semantic conventions have no cost attribute yet): the call's cost in USD, as the provider
   * reported it, else from the price table (`src/pricing`). Absent when the model has no known price.
   */
  GEN_AI_USAGE_COST: 'gen_ai.usage.cost',
  GEN_AI_CONVERSATION_ID: 'gen_ai.conversation.id',
  GEN_AI_INPUT_MESSAGES: 'gen_ai.input.messages',
  GEN_AI_OUTPUT_MESSAGES: 'gen_ai.output.messages',
  GEN_AI_SYSTEM_INSTRUCTIONS: 'gen_ai.system_instructions',
  GEN_AI_TOOL_DEFINITIONS: 'gen_ai.tool.definitions',
  OPENAI_API_TYPE: 'openai.api.type',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  ERROR_TYPE: 'error.type',
  USER_ID: 'user.id',
  SESSION_ID: 'session.id',
  /** Ours (no semconv name yet): set when a capture was cut by the byte cap or a body failed to parse. */
  GEN_AI_CAPTURE_PARTIAL: 'otel_genai.capture.partial',
  /**
   * Ours: an ancestor span (e.g. the Anthropic SDK's own) already describes this LLM call and reports
   * its usage; this HTTP span is its transport. The exporter types it `function`, not `llm`, so a call
   * counts once.
   */
  GEN_AI_DESCRIBED_BY_ANCESTOR: 'otel_genai.described_by_ancestor',
} as const;

export type AttributeKey = keyof typeof ATTR;

/** Names that differ under `gen_ai_latest_experimental` (semantic-conventions-genai `main`). */
const LATEST_NAMES: Partial<Record<AttributeKey, string>> = {
  GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: 'gen_ai.usage.cache_write.input_tokens',
};

/** The names under `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`: made once, asked for per call. */
const LATEST_ATTR: Record<AttributeKey, string> = { ...ATTR, ...LATEST_NAMES };

/** The attribute-name table for a semconv flavour. */
export function attributeNames(latestExperimental: boolean): Record<AttributeKey, string> {
  return latestExperimental ? LATEST_ATTR : ATTR;
}

/** `gen_ai.provider.name` well-known values (v1.41). Anything else is a custom value. */
export const PROVIDER = {
  OPENAI: 'openai',
  ANTHROPIC: 'anthropic',
  AWS_BEDROCK: 'aws.bedrock',
  AZURE_OPENAI: 'azure.ai.openai',
  AZURE_INFERENCE: 'azure.ai.inference',
  GCP_GEMINI: 'gcp.gemini',
  GCP_VERTEX_AI: 'gcp.vertex_ai',
  COHERE: 'cohere',
  DEEPSEEK: 'deepseek',
  GROQ: 'groq',
  MISTRAL: 'mistral_ai',
  PERPLEXITY: 'perplexity',
  XAI: 'x_ai',
} as const;

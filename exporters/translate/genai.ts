/**
 * The GenAI semantic-convention attribute dialect: our own HTTP spans, `@opentelemetry/instrumentation-openai`,
 * the Anthropic SDK's spans, and any other emitter of `gen_ai.*` attributes (v1.41 names, the newer
 * `gen_ai_latest_experimental` names, and the pre-1.37 `gen_ai.system` / `prompt_tokens` spellings).
 */
import type { RecordMetrics, SpanAttributeMap } from '../record';
import { tokenMetrics } from './token-metrics';
import type { Dialect, SpanFacts } from './facts';
import { parseJsonAttribute, semconvMessagesToChat, semconvOutputToChoices, systemInstructionsToChat } from './messages';
import { asCount, asNumber, asString, asStringList, put } from './values';

/** `gen_ai.operation.name` values that describe one model inference. */
const INFERENCE_OPERATIONS = new Set(['chat', 'text_completion', 'embeddings', 'generate_content', 'completion', 'responses']);

/** Request parameters copied into metadata under their short names. */
const REQUEST_PARAMS: Readonly<Record<string, string>> = {
  'gen_ai.request.max_tokens': 'max_tokens',
  'gen_ai.request.temperature': 'temperature',
  'gen_ai.request.top_p': 'top_p',
  'gen_ai.request.top_k': 'top_k',
  'gen_ai.request.stop_sequences': 'stop_sequences',
  'gen_ai.request.seed': 'seed',
  'gen_ai.request.frequency_penalty': 'frequency_penalty',
  'gen_ai.request.presence_penalty': 'presence_penalty',
  'gen_ai.request.choice.count': 'choice_count',
  'gen_ai.request.stream': 'stream',
  'gen_ai.output.type': 'output_type',
  'gen_ai.request.encoding_formats': 'encoding_formats',
};

export const genAiDialect: Dialect = (a, span) => {
  const operation = asString(a['gen_ai.operation.name']);
  const provider = asString(a['gen_ai.provider.name']) ?? asString(a['gen_ai.system']);
  const hasGenAi = operation !== undefined || provider !== undefined || a['gen_ai.request.model'] !== undefined || a['gen_ai.input.messages'] !== undefined;
  if (!hasGenAi) return undefined;

  const facts: SpanFacts = {};
  if (operation === 'execute_tool') facts.type = 'tool';
  else if (operation === undefined || INFERENCE_OPERATIONS.has(operation)) facts.type = 'llm';

  const metadata: Record<string, unknown> = {};
  put(metadata, 'model', asString(a['gen_ai.request.model']) ?? asString(a['gen_ai.response.model']));
  put(metadata, 'provider', provider);
  put(metadata, 'operation', operation);
  put(metadata, 'response_model', asString(a['gen_ai.response.model']));
  put(metadata, 'response_id', asString(a['gen_ai.response.id']));
  const finishReasons = asStringList(a['gen_ai.response.finish_reasons']);
  put(metadata, 'finish_reasons', finishReasons);
  put(metadata, 'conversation_id', asString(a['gen_ai.conversation.id']));
  put(metadata, 'tool_name', asString(a['gen_ai.tool.name']));
  put(metadata, 'tool_call_id', asString(a['gen_ai.tool.call.id']));
  put(metadata, 'agent_name', asString(a['gen_ai.agent.name']));
  for (const attribute in REQUEST_PARAMS) {
    const value = a[attribute];
    if (value !== undefined && value !== null) metadata[REQUEST_PARAMS[attribute]!] = value;
  }
  facts.metadata = metadata;

  const metrics = usageMetrics(a, provider, span.instrumentationScope?.name ?? span.instrumentationLibrary?.name);
  if (metrics) facts.metrics = metrics;
  put(facts, 'errorType', asString(a['error.type']));

  const input = inputMessages(a);
  if (input) facts.input = input;
  else if (operation === 'execute_tool') put(facts, 'input', parseJsonAttribute(a['gen_ai.tool.call.arguments']));
  // The choices Braintrust shows are in the provider's shape, so they get the provider's own finish
  // reasons (`tool_calls`, `end_turn`) rather than semconv's (`tool_call`) when there is one per choice.
  const output = semconvOutputToChoices(parseJsonAttribute(a['gen_ai.output.messages']), finishReasons);
  if (output) facts.output = output;
  else if (operation === 'execute_tool') put(facts, 'output', parseJsonAttribute(a['gen_ai.tool.call.result']));
  return facts;
};

/** System instructions first, then the conversation, as the model saw it. */
function inputMessages(a: SpanAttributeMap): unknown[] | undefined {
  const messages = semconvMessagesToChat(parseJsonAttribute(a['gen_ai.input.messages']));
  const system = systemInstructionsToChat(parseJsonAttribute(a['gen_ai.system_instructions']));
  if (!messages && !system) return undefined;
  return system ? [system, ...(messages ?? [])] : messages;
}

/**
 * OpenLLMetry (`@traceloop/*` and its Python `opentelemetry.instrumentation.*` packages) records
 * Anthropic's own `input_tokens`, which exclude cache reads and writes, where semconv includes them.
 */
function inputExcludesCache(provider: string | undefined, scope: string | undefined): boolean {
  return provider?.toLowerCase() === 'anthropic' && scope !== undefined && (scope.startsWith('@traceloop/') || scope.startsWith('opentelemetry.instrumentation.'));
}

function usageMetrics(a: SpanAttributeMap, provider: string | undefined, scope: string | undefined): RecordMetrics | undefined {
  let input = asCount(a['gen_ai.usage.input_tokens']) ?? asCount(a['gen_ai.usage.prompt_tokens']);
  const output = asCount(a['gen_ai.usage.output_tokens']) ?? asCount(a['gen_ai.usage.completion_tokens']);
  const cacheRead = asCount(a['gen_ai.usage.cache_read.input_tokens']);
  const cacheWrite = asCount(a['gen_ai.usage.cache_creation.input_tokens']) ?? asCount(a['gen_ai.usage.cache_write.input_tokens']);
  const reasoning = asCount(a['gen_ai.usage.reasoning.output_tokens']);
  const cache = (cacheRead ?? 0) + (cacheWrite ?? 0);
  // A count below its own cached part cannot include it: whoever wrote it left the cache out.
  if (input !== undefined && cache > 0 && (cache > input || inputExcludesCache(provider, scope))) input += cache;
  // Semconv's input_tokens already includes cache reads and writes, as Braintrust's prompt_tokens does.
  return tokenMetrics({
    prompt: input,
    completion: output,
    cacheRead,
    cacheWrite,
    reasoning,
    timeToFirstToken: asNumber(a['gen_ai.response.time_to_first_chunk']),
    costUsd: asNumber(a['gen_ai.usage.cost']),
  });
}

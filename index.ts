/**
 * otel-genai-braintrust: the public API for adding the GenAI instrumentation to an existing
 * OpenTelemetry pipeline. The zero-code path is `--require otel-genai-braintrust/instrumentation`.
 */
export { GenAiInstrumentation, type GenAiInstrumentationConfig } from './instrumentation/genai-instrumentation';
export { GenAiSpanProcessor } from './instrumentation/span-processor';
export { defaultConfig, type GenAiConfig } from './otel.config';
export type { RouteRule } from './src/routes';
export { ATTR as GEN_AI_ATTRIBUTES } from './src/semconv';

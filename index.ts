/**
 * otel-genai-braintrust: the public API for adding the GenAI instrumentation and the Braintrust
 * exporter to an existing OpenTelemetry pipeline. The zero-code path is
 * `--require otel-genai-braintrust/instrumentation`.
 */
export { GenAiInstrumentation, type GenAiInstrumentationConfig } from './instrumentation/genai-instrumentation';
export { GenAiSpanProcessor } from './instrumentation/span-processor';
export { setLlmContext, type LlmContext } from './instrumentation/llm-context';
export { BraintrustSpanExporter } from './exporters/braintrust-exporter';
export { BraintrustSpanProcessor } from './exporters/braintrust-processor';
export type { BraintrustExporterOptions } from './exporters/options';
export type { SpanFilter } from './exporters/span-tree';
export { spanToRecord, type RecordContext } from './exporters/span-to-record';
export type { BraintrustRecord, ExportableSpan, RecordMetrics } from './exporters/record';
export { defaultConfig, type BraintrustSettings, type GenAiConfig } from './otel.config';
export type { UserConfig } from './src/config';
export type { RouteRule } from './src/routes';
export { ATTR as GEN_AI_ATTRIBUTES } from './src/semconv';
// Issue 5, for pipelines built by hand (the preload wires these from otel.config.ts).
export { createCostEstimator, estimateCostUsd, type PriceOverride, type PricingUsage } from './src/pricing/cost';
export { PRICE_TABLE_VERSION } from './src/pricing/price-table';
export { createSpanRedactor, type SpanRedactor } from './src/redaction/span-redaction';
export { RedactingSpanProcessor } from './src/redaction/redacting-processor';
export { OutcomeSamplingSpanProcessor, type OutcomeSamplingProcessorOptions } from './src/sampling/outcome-sampling-processor';
export type { RedactionSettings, SamplingSettings } from './otel.config';

/** Outcome-aware (tail) sampling: the pure decision and the span processor that applies it. */
export {
  decideTrace,
  matchesPattern,
  policyFor,
  traceIdDraw,
  type OutcomeSamplingOptions,
  type SamplingDecision,
  type SamplingPattern,
  type SamplingReason,
  type SamplingRule,
  type SamplingRuleMatch,
  type SamplingThresholds,
} from './decide';
export {
  OutcomeSamplingSpanProcessor,
  type DownstreamSpanProcessor,
  type OutcomeSamplingProcessorOptions,
  type SamplingMemory,
  type SamplingStats,
} from './outcome-sampling-processor';
export { isLocalRoot, signalsOf, type SamplingSpan, type SpanSignals } from './signals';
export { SAMPLING_REASON_ATTRIBUTE, withSamplingReason } from './span-view';

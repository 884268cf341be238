/**
 * Braintrust's token metrics from the counts a dialect read. Every dialect ends here, so the metric
 * names and the `tokens` rule live in one place. The prompt count must already include cache reads and
 * writes (each dialect knows whether its source left them out).
 */
import type { RecordMetrics } from '../record';
import { put } from './values';

export interface TokenCounts {
  /** Including cached and cache-write tokens. */
  prompt?: number | undefined;
  completion?: number | undefined;
  /** The source's own total, used only when prompt or completion is missing. */
  total?: number | undefined;
  cacheRead?: number | undefined;
  cacheWrite?: number | undefined;
  reasoning?: number | undefined;
  /** Seconds. */
  timeToFirstToken?: number | undefined;
  /** USD, as the span reports it (`gen_ai.usage.cost`). */
  costUsd?: number | undefined;
}

export function tokenMetrics(c: TokenCounts): RecordMetrics | undefined {
  const metrics: RecordMetrics = {};
  put(metrics, 'prompt_tokens', c.prompt);
  put(metrics, 'completion_tokens', c.completion);
  // Recomputed when both halves are known, so the total agrees with a corrected prompt count.
  put(metrics, 'tokens', c.prompt !== undefined && c.completion !== undefined ? c.prompt + c.completion : (c.total ?? c.prompt ?? c.completion));
  put(metrics, 'prompt_cached_tokens', c.cacheRead);
  put(metrics, 'prompt_cache_creation_tokens', c.cacheWrite);
  put(metrics, 'completion_reasoning_tokens', c.reasoning);
  if (c.timeToFirstToken !== undefined && c.timeToFirstToken >= 0) metrics.time_to_first_token = c.timeToFirstToken;
  if (c.costUsd !== undefined && c.costUsd >= 0) metrics.estimated_cost = c.costUsd;
  return Object.keys(metrics).length > 0 ? metrics : undefined;
}

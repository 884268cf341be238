/**
 * Every default of otel-genai-braintrust, in one typed place.
 *
 * The preload reads these, then a user config file (`OTEL_GENAI_CONFIG`, or `otel.config.{js,cjs,json}`
 * in the working directory) merged over them, then environment variables, which win. `src/config.ts`
 * does the merging; nothing else hard-codes a default.
 */
import type { RouteRule } from './src/routes';

export interface GenAiConfig {
  /**
   * Record message content (`gen_ai.input.messages`, `gen_ai.output.messages`, system instructions,
   * tool definitions). On by default: it is what Braintrust's input/output views show.
   * Env: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=false` turns it off.
   */
  captureContent: boolean;
  /** Per-body capture cap in bytes (request and response each). Env: `OTEL_GENAI_MAX_CAPTURE_BYTES`. */
  maxCaptureBytes: number;
  /** Extra routes for LLM APIs the built-in table does not know; checked first. */
  routes: RouteRule[];
  /**
   * Emit the newest GenAI attribute names instead of the v1.41 ones.
   * Env: `OTEL_SEMCONV_STABILITY_OPT_IN` containing `gen_ai_latest_experimental`.
   */
  semconvLatestExperimental: boolean;
  /** How long the preload waits for spans to flush on SIGTERM/SIGINT/beforeExit. */
  shutdownTimeoutMs: number;
}

export const defaultConfig: GenAiConfig = {
  captureContent: true,
  maxCaptureBytes: 1024 * 1024,
  routes: [],
  semconvLatestExperimental: false,
  shutdownTimeoutMs: 5000,
};

export default defaultConfig;

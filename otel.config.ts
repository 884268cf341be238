/**
 * Every default of otel-genai-braintrust, in one typed place.
 *
 * The preload reads these, then a user config file (`OTEL_GENAI_CONFIG`, or `otel.config.{js,cjs,json}`
 * in the working directory) merged over them, then environment variables, which win. `src/config.ts`
 * does the merging; nothing else hard-codes a default.
 */
import type { AttributionHeaders } from './src/attribution';
import type { PriceOverride } from './src/pricing/cost';
import type { DetectorName } from './src/redaction/detectors';
import type { RedactFunction } from './src/redaction/redactor';
import type { RouteRule } from './src/routes';
import type { SamplingRule } from './src/sampling/decide';

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
   * Tag incoming requests to this process's own LLM API endpoints (a gateway's `POST /v1/chat/completions`,
   * `/v1/responses`, `/v1/messages`, …) with GenAI attributes. Env: `OTEL_GENAI_CAPTURE_INCOMING=false`.
   */
  captureIncoming: boolean;
  /**
   * Request headers that name the user, session and plan of a gateway request (e.g.
   * `{ userId: 'x-user-id', sessionId: 'x-session-id', trial: 'x-trial' }`). None by default: a client
   * could set them to anything. `setLlmContext()` wins over headers; headers win over body fields
   * (`user`, `metadata.user_id`, `metadata.session_id`) and W3C baggage (`user.id`, `session.id`).
   * Env: `OTEL_GENAI_USER_ID_HEADER`, `OTEL_GENAI_SESSION_ID_HEADER`, `OTEL_GENAI_TRIAL_HEADER`.
   */
  attributionHeaders: AttributionHeaders;
  /**
   * Pseudonymise user ids with this key (HMAC-SHA-256) before they leave the process; unset: as they
   * are. Env: `OTEL_GENAI_USER_ID_HASH_KEY` (keep it out of config files you commit).
   */
  userIdHashKey: string | undefined;
  /**
   * Emit the newest GenAI attribute names instead of the v1.41 ones.
   * Env: `OTEL_SEMCONV_STABILITY_OPT_IN` containing `gen_ai_latest_experimental`.
   */
  semconvLatestExperimental: boolean;
  /** How long the preload waits for spans to flush on SIGTERM/SIGINT/beforeExit. */
  shutdownTimeoutMs: number;
  /**
   * The preload exports records (to Braintrust with a key, else to the local file). Off: spans go only
   * where `OTEL_TRACES_EXPORTER` says. Env: `OTEL_GENAI_BRAINTRUST_EXPORT=false`.
   */
  exportToBraintrust: boolean;
  /** Where and how records reach Braintrust (`BraintrustSpanExporter` / `BraintrustSpanProcessor`). */
  braintrust: BraintrustSettings;
  /**
   * Your prices, USD per 1M tokens, by model id: added to the built-in table (`src/pricing/price-table.ts`)
   * or replacing its entry, e.g. `{ 'my-finetune': { provider: 'openai', input: 3, output: 12 } }`.
   */
  prices: Record<string, PriceOverride>;
  /** What is removed from content before anything leaves the process. */
  redaction: RedactionSettings;
  /** Which traces are kept, decided once each trace has ended. */
  sampling: SamplingSettings;
}

/**
 * Redaction before export: span attributes in the `gen_ai.*`, `llm.*`, `ai.*`, `braintrust.*`
 * namespaces, span events, and Braintrust records' `input`, `output` and `metadata`. A detected value
 * becomes a typed placeholder (`[EMAIL]`); JSON stays JSON. If redaction fails, the content is dropped.
 */
export interface RedactionSettings {
  /** Env: `OTEL_GENAI_REDACTION=false` turns redaction off. */
  enabled: boolean;
  /** Built-in detectors to switch off or on (`email`, `phone`, `card`, `iban`, `ssn`, `ip`, `secret`); unnamed ones are on. */
  detectors: Partial<Record<DetectorName, boolean>>;
  /** Placeholders instead of the defaults (`[EMAIL]`, `[PHONE]`, `[CARD]`, `[IBAN]`, `[SSN]`, `[IP]`, `[SECRET]`). */
  placeholders: Partial<Record<DetectorName, string>>;
  /** Your own rule, run on every string after the detectors: return the new value, or undefined to keep it. */
  redact: RedactFunction | undefined;
  /** Record metadata keys kept (others dropped); undefined keeps every key not denied. */
  metadataAllow: string[] | undefined;
  /** Record metadata keys always dropped. */
  metadataDeny: string[];
}

/**
 * Outcome-aware sampling: every trace that shows an error, a listed status, a slow, costly or large
 * call is kept; the rest at `ratio`. Off (everything kept) while `ratio` is 1. Head sampling is
 * OpenTelemetry's own (`OTEL_TRACES_SAMPLER`) and applies first.
 */
export interface SamplingSettings {
  /** Share of the other traces kept, 0..1. Env: `OTEL_GENAI_SAMPLE_RATIO`. */
  ratio: number;
  keepErrors: boolean;
  keepStatusCodes: number[];
  slowerThanMs: number | undefined;
  costlierThanUsd: number | undefined;
  tokensAbove: number | undefined;
  /** Per route (`/v1/chat/*`), model or provider; the first that fits overrides the fields it sets. */
  rules: SamplingRule[];
  /** How long a trace's ended spans wait for its local root before it is decided anyway. */
  decisionWaitMs: number;
  /** Ended spans held while deciding, in all; over it the oldest trace is decided at once. */
  maxBufferedSpans: number;
  maxTraces: number;
  /** How long a decision is remembered for late spans of its trace. */
  decisionMemoryMs: number;
}

/**
 * Exporter settings. Credentials and the project come from the environment (see
 * `exporters/options.ts`): `BRAINTRUST_API_KEY`, `BRAINTRUST_API_URL`, `BRAINTRUST_PROJECT`, else
 * `BRAINTRUST_PARENT` (`project_name:…` / `project_id:…`), else `OTEL_SERVICE_NAME`, else `defaultProject`.
 */
export interface BraintrustSettings {
  apiUrl: string;
  /** The project when neither the options nor the environment name one (Braintrust's own OTel default). */
  defaultProject: string;
  /** `"ai"`: LLM/AI spans and the local roots of their traces; `"all"`: every span. */
  filter: 'ai' | 'all';
  /** `"http"`: Braintrust's REST API; `"sdk"`: through the `braintrust` package (optional peer). */
  transport: 'http' | 'sdk';
  /** Without an API key, records go to this JSONL file. Env: `OTEL_GENAI_RECORDS_FILE`. */
  recordsFile: string;
  /** Memory bound of records waiting to be sent (bytes of JSON). */
  maxQueueBytes: number;
  /** Spans ended but not yet translated (processor only). */
  maxPendingSpans: number;
  maxBatchRecords: number;
  /** Per request; Braintrust accepts about 6 MB. */
  maxBatchBytes: number;
  /** A record over this keeps its metrics and metadata; its content is shortened with a marker. */
  maxRecordBytes: number;
  flushIntervalMs: number;
  requestTimeoutMs: number;
  /** A batch that still fails this long after its first attempt is dropped (and counted). */
  retryDeadlineMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Drop warnings: at most one per interval. */
  warnIntervalMs: number;
  /** Bare exporter only: how long a span waits for its ancestors to end before it goes out anyway. */
  deferMs: number;
  /** Traces idle this long are forgotten (bounded re-parenting state). */
  traceTtlMs: number;
  maxTraces: number;
  maxNodesPerTrace: number;
}

export const defaultConfig: GenAiConfig = {
  captureContent: true,
  maxCaptureBytes: 1024 * 1024,
  routes: [],
  captureIncoming: true,
  attributionHeaders: {},
  userIdHashKey: undefined,
  semconvLatestExperimental: false,
  shutdownTimeoutMs: 5000,
  exportToBraintrust: true,
  braintrust: {
    apiUrl: 'https://api.braintrust.dev',
    defaultProject: 'default-otel-project',
    filter: 'ai',
    transport: 'http',
    recordsFile: './llm-records.jsonl',
    maxQueueBytes: 64 * 1024 * 1024,
    maxPendingSpans: 8192,
    maxBatchRecords: 500,
    maxBatchBytes: 4 * 1024 * 1024,
    maxRecordBytes: 1024 * 1024,
    flushIntervalMs: 1000,
    requestTimeoutMs: 30_000,
    retryDeadlineMs: 60_000,
    retryBaseMs: 250,
    retryMaxMs: 30_000,
    warnIntervalMs: 60_000,
    deferMs: 60_000,
    traceTtlMs: 10 * 60_000,
    maxTraces: 10_000,
    maxNodesPerTrace: 10_000,
  },
  prices: {},
  redaction: {
    enabled: true,
    detectors: {},
    placeholders: {},
    redact: undefined,
    metadataAllow: undefined,
    metadataDeny: [],
  },
  sampling: {
    ratio: 1,
    keepErrors: true,
    keepStatusCodes: [429],
    slowerThanMs: 30_000,
    costlierThanUsd: undefined,
    tokensAbove: undefined,
    rules: [],
    decisionWaitMs: 60_000,
    maxBufferedSpans: 10_000,
    maxTraces: 10_000,
    decisionMemoryMs: 60_000,
  },
};

export default defaultConfig;

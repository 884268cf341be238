/**
 * `BraintrustSpanExporter` options and how they resolve: explicit option > environment > the defaults
 * in `otel.config.ts`. Pure (the environment is passed in).
 */
import { costEstimatorFor, type CallCostEstimate, type PriceOverride } from '../src/pricing/cost';
import { createSpanRedactor, type SpanRedactor } from '../src/redaction/span-redaction';
import { defaultConfig, type BraintrustSettings, type RedactionSettings } from '../otel.config';
import { definedOnly } from '../src/config';
import type { LogFn } from './delivery/delivery';
import type { SpanFilter } from './span-tree';

export interface BraintrustExporterOptions extends Partial<Omit<BraintrustSettings, 'filter'>> {
  /** Default `BRAINTRUST_API_KEY`. Without a key, records go to the local file. */
  apiKey?: string;
  /** A project name (default `BRAINTRUST_PROJECT`, else `BRAINTRUST_PARENT`, else `OTEL_SERVICE_NAME`). */
  project?: string;
  /** A project id, when known (skips the name lookup). */
  projectId?: string;
  /**
   * `transport: "sdk"` only: the Braintrust app URL the SDK logs in at (default `BRAINTRUST_APP_URL`, else
   * the SDK's https://www.braintrust.dev). The SDK takes the API URL from the login's answer, or from
   * `BRAINTRUST_API_URL`; `apiUrl` does not reach it.
   */
  appUrl?: string;
  filter?: SpanFilter;
  /** `metadata.environment` for spans whose resource names none. Default `NODE_ENV`. */
  environment?: string;
  /** How long `forceFlush()`/`shutdown()` wait at most. */
  flushTimeoutMs?: number;
  /** Where warnings and errors go (default: one line on stderr each). */
  log?: LogFn;
  /** Your prices (USD per 1M tokens) by model id, over the built-in table; as `prices` in `otel.config.ts`. */
  prices?: Record<string, PriceOverride>;
  /** What is redacted from records before they leave (default: `redaction` in `otel.config.ts`: on, every detector). */
  redaction?: Partial<RedactionSettings>;
  /** Pseudonymise user ids that other instrumentations recorded as they are (`OTEL_GENAI_USER_ID_HASH_KEY`). */
  userIdHashKey?: string;
}

export type Destination =
  | { kind: 'braintrust'; apiKey: string; apiUrl: string; appUrl?: string; project: { name: string } | { id: string }; via: 'http' | 'sdk' }
  | { kind: 'file'; path: string };

export interface ResolvedExporterOptions {
  settings: BraintrustSettings;
  destination: Destination;
  filter: SpanFilter;
  environment: string | undefined;
  flushTimeoutMs: number;
  log: LogFn;
  /** Prices `llm` records that report tokens but no cost. */
  estimateCost: CallCostEstimate;
  /** Undefined when redaction is off. */
  redactor: SpanRedactor | undefined;
}

type Env = Record<string, string | undefined>;

export function resolveExporterOptions(options: BraintrustExporterOptions = {}, env: Env = process.env): ResolvedExporterOptions {
  const { apiKey: keyOption, project, projectId, appUrl, filter, environment, flushTimeoutMs, log, prices, redaction, userIdHashKey, ...overrides } = options;
  const settings: BraintrustSettings = { ...defaultConfig.braintrust, ...definedOnly(overrides) };
  if (overrides.recordsFile === undefined && env.OTEL_GENAI_RECORDS_FILE) settings.recordsFile = env.OTEL_GENAI_RECORDS_FILE;
  if (overrides.apiUrl === undefined && nonBlank(env.BRAINTRUST_API_URL)) settings.apiUrl = env.BRAINTRUST_API_URL!.trim();
  const apiKey = nonBlank(keyOption) ?? nonBlank(env.BRAINTRUST_API_KEY);
  const sdkAppUrl = nonBlank(appUrl) ?? nonBlank(env.BRAINTRUST_APP_URL);
  const destination: Destination = apiKey
    ? { kind: 'braintrust', apiKey, apiUrl: settings.apiUrl, ...(sdkAppUrl ? { appUrl: sdkAppUrl } : {}), project: resolveProject(project, projectId, env, settings.defaultProject), via: settings.transport }
    : { kind: 'file', path: settings.recordsFile };
  return {
    settings,
    destination,
    filter: filter ?? settings.filter,
    environment: environment ?? nonBlank(env.NODE_ENV),
    flushTimeoutMs: flushTimeoutMs ?? defaultConfig.shutdownTimeoutMs,
    log: log ?? stderrLog,
    estimateCost: costEstimatorFor(prices ?? defaultConfig.prices),
    redactor: createSpanRedactor({ ...defaultConfig.redaction, ...definedOnly(redaction ?? {}) }, userIdHashKey ?? nonBlank(env.OTEL_GENAI_USER_ID_HASH_KEY)),
  };
}

/** Option > `BRAINTRUST_PROJECT` > `BRAINTRUST_PARENT` (`project_name:` / `project_id:`) > `OTEL_SERVICE_NAME` > default. */
function resolveProject(name: string | undefined, id: string | undefined, env: Env, fallback: string): { name: string } | { id: string } {
  if (nonBlank(id)) return { id: id!.trim() };
  if (nonBlank(name)) return { name: name!.trim() };
  if (nonBlank(env.BRAINTRUST_PROJECT)) return { name: env.BRAINTRUST_PROJECT!.trim() };
  const parent = nonBlank(env.BRAINTRUST_PARENT);
  if (parent?.startsWith('project_id:') && parent.length > 'project_id:'.length) return { id: parent.slice('project_id:'.length) };
  if (parent?.startsWith('project_name:') && parent.length > 'project_name:'.length) return { name: parent.slice('project_name:'.length) };
  if (nonBlank(env.OTEL_SERVICE_NAME)) return { name: env.OTEL_SERVICE_NAME!.trim() };
  return { name: fallback };
}

function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

const stderrLog: LogFn = (level, message) => {
  process.stderr.write(`[otel-genai-braintrust] ${level === 'error' ? 'error: ' : ''}${message}\n`);
};

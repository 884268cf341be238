/**
 * Resolves the effective configuration: defaults (`otel.config.ts`) < user config object < environment.
 * Pure: callers pass the environment, so tests need no process mutation.
 */
import { defaultConfig, type BraintrustSettings, type GenAiConfig, type RedactionSettings, type SamplingSettings } from '../otel.config';
import { familyFor } from './families';
import type { RouteRule } from './routes';

export type { BraintrustSettings, GenAiConfig, RedactionSettings, SamplingSettings };

/** What a user config file or object may set: any subset, `braintrust` included. */
export type UserConfig = Partial<Omit<GenAiConfig, 'braintrust' | 'redaction' | 'sampling'>> & {
  braintrust?: Partial<BraintrustSettings>;
  redaction?: Partial<RedactionSettings>;
  sampling?: Partial<SamplingSettings>;
};

export type Env = Record<string, string | undefined>;

/** Reasons a setting was ignored, for the one start-up diagnostic. */
export interface ResolvedConfig {
  config: GenAiConfig;
  warnings: string[];
}

export function resolveConfig(user: UserConfig = {}, env: Env = process.env): ResolvedConfig {
  const warnings: string[] = [];
  const config: GenAiConfig = {
    ...defaultConfig,
    ...definedOnly(user),
    braintrust: { ...defaultConfig.braintrust, ...definedOnly(user.braintrust ?? {}) },
    redaction: { ...defaultConfig.redaction, ...definedOnly(user.redaction ?? {}) },
    sampling: { ...defaultConfig.sampling, ...definedOnly(user.sampling ?? {}) },
    prices: { ...defaultConfig.prices, ...user.prices },
  };
  config.routes = [...(user.routes ?? defaultConfig.routes)];

  const capture = parseBoolean(env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT);
  if (capture !== undefined) config.captureContent = capture;
  else if (env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT) {
    // The Python util-genai enum form: NO_CONTENT | SPAN_ONLY | EVENT_ONLY | SPAN_AND_EVENT.
    const mode = env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT.trim().toUpperCase();
    if (mode === 'NO_CONTENT' || mode === 'EVENT_ONLY') config.captureContent = false;
    else if (mode === 'SPAN_ONLY' || mode === 'SPAN_AND_EVENT') config.captureContent = true;
    else warnings.push(`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="${mode}" is not a boolean; kept ${config.captureContent}`);
  }

  const cap = env.OTEL_GENAI_MAX_CAPTURE_BYTES;
  if (cap !== undefined && cap !== '') {
    const n = Number(cap);
    if (Number.isInteger(n) && n > 0) config.maxCaptureBytes = n;
    else warnings.push(`OTEL_GENAI_MAX_CAPTURE_BYTES="${cap}" is not a positive integer; kept ${config.maxCaptureBytes}`);
  }

  config.attributionHeaders = { ...config.attributionHeaders };
  if (env.OTEL_GENAI_USER_ID_HEADER?.trim()) config.attributionHeaders.userId = env.OTEL_GENAI_USER_ID_HEADER.trim().toLowerCase();
  if (env.OTEL_GENAI_SESSION_ID_HEADER?.trim()) config.attributionHeaders.sessionId = env.OTEL_GENAI_SESSION_ID_HEADER.trim().toLowerCase();
  if (env.OTEL_GENAI_TRIAL_HEADER?.trim()) config.attributionHeaders.trial = env.OTEL_GENAI_TRIAL_HEADER.trim().toLowerCase();
  if (env.OTEL_GENAI_USER_ID_HASH_KEY) config.userIdHashKey = env.OTEL_GENAI_USER_ID_HASH_KEY;

  const captureIncoming = parseBoolean(env.OTEL_GENAI_CAPTURE_INCOMING);
  if (captureIncoming !== undefined) config.captureIncoming = captureIncoming;

  const exportToBraintrust = parseBoolean(env.OTEL_GENAI_BRAINTRUST_EXPORT);
  if (exportToBraintrust !== undefined) config.exportToBraintrust = exportToBraintrust;
  else if (env.OTEL_GENAI_BRAINTRUST_EXPORT) warnings.push(`OTEL_GENAI_BRAINTRUST_EXPORT="${env.OTEL_GENAI_BRAINTRUST_EXPORT}" is not a boolean; kept ${config.exportToBraintrust}`);

  const redaction = parseBoolean(env.OTEL_GENAI_REDACTION);
  if (redaction !== undefined) config.redaction.enabled = redaction;
  else if (env.OTEL_GENAI_REDACTION) warnings.push(`OTEL_GENAI_REDACTION="${env.OTEL_GENAI_REDACTION}" is not a boolean; kept ${config.redaction.enabled}`);

  const ratio = env.OTEL_GENAI_SAMPLE_RATIO;
  if (ratio !== undefined && ratio.trim() !== '') {
    const n = Number(ratio);
    if (Number.isFinite(n) && n >= 0 && n <= 1) config.sampling.ratio = n;
    else warnings.push(`OTEL_GENAI_SAMPLE_RATIO="${ratio}" is not a number from 0 to 1; kept ${config.sampling.ratio}`);
  }

  const optIn = env.OTEL_SEMCONV_STABILITY_OPT_IN;
  if (optIn && optIn.split(',').some((v) => v.trim() === 'gen_ai_latest_experimental')) config.semconvLatestExperimental = true;

  config.routes = config.routes.filter((rule) => {
    const problem = routeProblem(rule);
    if (problem) warnings.push(`ignored route ${JSON.stringify(rule)}: ${problem}`);
    return !problem;
  });
  if (!(Number.isInteger(config.maxCaptureBytes) && config.maxCaptureBytes > 0)) {
    warnings.push(`maxCaptureBytes ${String(config.maxCaptureBytes)} is not a positive integer; using ${defaultConfig.maxCaptureBytes}`);
    config.maxCaptureBytes = defaultConfig.maxCaptureBytes;
  }
  return { config, warnings };
}

function routeProblem(rule: RouteRule): string | undefined {
  if (typeof rule !== 'object' || rule === null) return 'not an object';
  if (typeof rule.provider !== 'string' || rule.provider === '') return 'provider must be a non-empty string';
  if (rule.host === undefined && rule.pathPrefix === undefined) return 'needs host or pathPrefix';
  // matchRoute calls string methods on these, and LlmExchange needs a parser for the family.
  if (rule.host !== undefined && typeof rule.host !== 'string') return 'host must be a string';
  if (rule.pathPrefix !== undefined && typeof rule.pathPrefix !== 'string') return 'pathPrefix must be a string';
  if (rule.family !== undefined && typeof familyFor(rule.family)?.parseRequest !== 'function') return `unknown family "${String(rule.family)}"`;
  return undefined;
}

export function definedOnly<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** OTel-style boolean env parsing: `true`/`false`, case-insensitive; anything else is undefined. */
export function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
}

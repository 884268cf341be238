/**
 * The zero-code entry: `node --require otel-genai-braintrust/instrumentation app.js` (or `--import`).
 *
 * Starts the OpenTelemetry Node SDK (2.x line) with instrumentation-http, instrumentation-undici and
 * the GenAI instrumentation. Spans go to Braintrust with `BRAINTRUST_API_KEY`, to the local records
 * file without it, and also wherever `OTEL_TRACES_EXPORTER` says (e.g. an OTLP collector). It must
 * never crash the app: any failure is one clear line on stderr and the app runs untraced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { definedOnly, parseBoolean, resolveConfig, type Env, type GenAiConfig, type UserConfig } from '../src/config';
import { RedactingSpanProcessor, type WrappedSpanProcessor } from '../src/redaction/redacting-processor';
import { createSpanRedactor, type SpanRedactor } from '../src/redaction/span-redaction';
import { OutcomeSamplingSpanProcessor, type DownstreamSpanProcessor, type OutcomeSamplingProcessorOptions } from '../src/sampling/outcome-sampling-processor';
import { SECRET_QUERY_PARAMS } from '../src/secrets';
import { BraintrustSpanProcessor } from '../exporters/braintrust-processor';
import type { BraintrustExporterOptions } from '../exporters/options';
import { GenAiInstrumentation } from './genai-instrumentation';
import { GenAiSpanProcessor } from './span-processor';

const PREFIX = '[otel-genai-braintrust]';
const USER_CONFIG_FILES = ['otel.config.js', 'otel.config.cjs', 'otel.config.json'];

interface StartedSdk {
  shutdown(): Promise<void>;
}

export interface PreloadHandle {
  config: GenAiConfig;
  /** Flushes and stops the SDK within the configured timeout. Resolves, never rejects. */
  shutdown(): Promise<void>;
  /** Sends what is buffered, within the timeout, and keeps tracing. Resolves, never rejects. */
  flush(): Promise<void>;
}

let started: PreloadHandle | undefined;

export function startPreload(env: Env = process.env): PreloadHandle | undefined {
  if (started) return started;
  if (parseBoolean(env.OTEL_SDK_DISABLED) === true) {
    info(env, 'disabled by OTEL_SDK_DISABLED; nothing is traced');
    return undefined;
  }
  const user = loadUserConfig(env);
  const { config, warnings } = resolveConfig(user, env);
  for (const warning of warnings) process.stderr.write(`${PREFIX} config: ${warning}\n`);

  // Required lazily: with OTEL_SDK_DISABLED nothing is loaded, and instrumentations enable on construction.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const exporters = tracesExportersFromEnv(env, createSpanRedactor(config.redaction, config.userIdHashKey));
  const braintrust = config.exportToBraintrust ? new BraintrustSpanProcessor(braintrustOptions(user, config, env)) : undefined;

  const genAi = new GenAiInstrumentation(config);
  const sdk: StartedSdk = new NodeSDK({
    instrumentations: [
      genAi,
      new HttpInstrumentation({ redactedQueryParams: [...SECRET_QUERY_PARAMS], requestHook: genAi.httpRequestHook }),
      new UndiciInstrumentation(),
    ],
    // GenAiSpanProcessor sees every span (it annotates them); what exports them may be sampled.
    spanProcessors: [new GenAiSpanProcessor(), ...sampled([...(braintrust ? [braintrust] : []), ...exporters.processors], config)] as never,
    // This preload is about traces. NodeSDK would otherwise start OTLP metric and log exporters by
    // default (retrying against localhost:4318 and delaying exit); they start only when asked for.
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  });
  (sdk as unknown as { start(): void }).start();
  // An ESM app loaded after a --require preload gets node:http patched only if the builtins are
  // required (and so patched) before its ESM facade is created.
  require('node:http');
  require('node:https');

  const flushable = [braintrust, ...exporters.processors].filter((p): p is { forceFlush(): Promise<void> } => typeof (p as { forceFlush?: unknown })?.forceFlush === 'function');
  const handle: PreloadHandle = {
    config,
    shutdown: onceShutdown(sdk, config.shutdownTimeoutMs),
    flush: () => settleWithin(Promise.all(flushable.map((p) => p.forceFlush())).then(() => undefined), config.shutdownTimeoutMs, 'flush'),
  };
  installShutdownHooks(handle);
  info(
    env,
    `tracing LLM calls (outgoing node:http, http2 and fetch${config.captureIncoming ? '; incoming LLM API requests' : ''}) of ${env.OTEL_SERVICE_NAME || 'this service'}; ` +
      (braintrust ? `records → ${braintrust.exporter.description}${env.BRAINTRUST_API_KEY?.trim() ? '' : ' (no BRAINTRUST_API_KEY)'}` : 'records: off (OTEL_GENAI_BRAINTRUST_EXPORT=false)') +
      `${exporters.description ? `; spans also → ${exporters.description}` : ''}; ` +
      `message content ${config.captureContent ? `captured (cap ${config.maxCaptureBytes} bytes per body)` : 'not captured'}; ` +
      `redaction ${config.redaction.enabled ? 'on' : 'off'}; ` +
      (config.sampling.ratio < 1 ? `sampling: errors, status ${config.sampling.keepStatusCodes.join('/')}, slow calls and ${config.sampling.ratio * 100}% of the rest` : 'every trace kept'),
  );
  started = handle;
  return handle;
}

/** The exporting processors, behind outcome-aware sampling when it is on (`sampling.ratio` < 1). */
function sampled(processors: unknown[], config: GenAiConfig): unknown[] {
  if (config.sampling.ratio >= 1 || processors.length === 0) return processors;
  return [new OutcomeSamplingSpanProcessor(processors as DownstreamSpanProcessor[], definedOnly(config.sampling) as OutcomeSamplingProcessorOptions)];
}

/**
 * Span processors for `OTEL_TRACES_EXPORTER`, exactly as NodeSDK builds them (incl. `OTEL_BSP_*`), in
 * addition to Braintrust's. Unset means none: the records already go to Braintrust or the local file,
 * and an unasked-for OTLP exporter would retry against localhost:4318.
 */
function tracesExportersFromEnv(env: Env, redactor: SpanRedactor | undefined): { processors: unknown[]; description: string } {
  const names = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== 'none');
  if (names.length === 0) return { processors: [], description: '' };
  // sdk-node 0.2xx has no package `exports` map; this is the function NodeSDK itself calls.
  const { getSpanProcessorsFromEnv } = require('@opentelemetry/sdk-node/build/src/utils') as { getSpanProcessorsFromEnv(): unknown[] };
  const described = names.map((name) => (name === 'otlp' ? `otlp ${otlpEndpoint(env)}` : name));
  const processors = getSpanProcessorsFromEnv() as WrappedSpanProcessor[];
  return { processors: redactor ? processors.map((p) => new RedactingSpanProcessor(p, redactor)) : processors, description: described.join(' + ') };
}

/**
 * The exporter's options from the user's config file; the environment wins over the file, as it does
 * for every other setting (the exporter itself reads the environment for what is not given).
 */
function braintrustOptions(user: UserConfig, config: GenAiConfig, env: Env): BraintrustExporterOptions {
  const options: BraintrustExporterOptions = { ...user.braintrust, flushTimeoutMs: config.shutdownTimeoutMs, prices: config.prices, redaction: config.redaction };
  if (config.userIdHashKey) options.userIdHashKey = config.userIdHashKey;
  if (env.BRAINTRUST_API_URL?.trim()) delete options.apiUrl;
  if (env.OTEL_GENAI_RECORDS_FILE?.trim()) delete options.recordsFile;
  return options;
}

/** The OTLP endpoint for the start-up line, without credentials or query string. */
function otlpEndpoint(env: Env): string {
  const raw = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://localhost:4318';
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  try {
    const url = new URL(raw);
    return `(${protocol}, ${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname})`;
  } catch {
    return `(${protocol})`;
  }
}

/** `OTEL_GENAI_CONFIG`, else `otel.config.{js,cjs,json}` in the working directory, else nothing. */
function loadUserConfig(env: Env): UserConfig {
  const explicit = env.OTEL_GENAI_CONFIG;
  const file = explicit ? path.resolve(explicit) : USER_CONFIG_FILES.map((f) => path.resolve(f)).find((f) => fs.existsSync(f));
  if (!file) return {};
  // A broken config file throws here; startPreload's caller turns it into one error line.
  const loaded = require(file) as { default?: unknown } | undefined;
  const value = loaded && typeof loaded === 'object' && 'default' in loaded ? loaded.default : loaded;
  if (typeof value !== 'object' || value === null) throw new Error(`${file} does not export a configuration object`);
  return value as UserConfig;
}

function onceShutdown(sdk: StartedSdk, timeoutMs: number): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= settleWithin(sdk.shutdown(), timeoutMs, 'flush'));
}

/** Waits for `work` at most `timeoutMs`; a failure or the timeout is one line on stderr. Never rejects. */
function settleWithin(work: Promise<void>, timeoutMs: number, what: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      process.stderr.write(`${PREFIX} ${what} did not finish within ${timeoutMs} ms; going on\n`);
      resolve();
    }, timeoutMs);
    timer.unref();
    work
      .then(
        () => resolve(),
        (err: unknown) => {
          process.stderr.write(`${PREFIX} ${what} failed: ${(err as Error)?.message ?? String(err)}\n`);
          resolve();
        },
      )
      .finally(() => clearTimeout(timer));
  });
}

/**
 * Flush on SIGTERM/SIGINT and before a natural exit. A signal listener removes Node's default
 * exit-on-signal, so after flushing we re-raise the signal if nobody else handles it, and the process
 * ends as it would have without us. An app that handles the signal itself (a server draining its
 * in-flight requests) keeps being traced: we flush what is buffered then, and shut down when it
 * has finished (`beforeExit`), so the requests it completes after the signal are not lost.
 */
function installShutdownHooks(handle: PreloadHandle): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) {
        void handle.flush();
        return;
      }
      void handle.shutdown().then(() => {
        process.removeListener(signal, onSignal);
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
  process.once('beforeExit', () => void handle.shutdown());
}

function info(env: Env, message: string): void {
  const level = (env.OTEL_LOG_LEVEL ?? '').trim().toLowerCase();
  if (level === 'none' || level === 'error') return;
  process.stderr.write(`${PREFIX} ${message}\n`);
}

/** The preload's own entry: never throws into the app. */
export function preloadMain(): void {
  try {
    startPreload();
  } catch (err) {
    process.stderr.write(`${PREFIX} not started: ${firstLine(err)}; the app runs untraced\n`);
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}

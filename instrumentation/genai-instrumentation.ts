/**
 * `GenAiInstrumentation`: recognises LLM API calls on the wire (outgoing node:http and fetch) and
 * tags the HTTP spans with GenAI semantic-convention attributes.
 *
 * A plain object implementing OpenTelemetry's `Instrumentation` interface (no dependency on
 * `@opentelemetry/instrumentation`), accepted by NodeSDK on the 2.x and 3.x lines. It adds no spans
 * of its own: it needs `@opentelemetry/instrumentation-http` / `-undici` spans to annotate, and
 * `GenAiSpanProcessor` in the tracer provider for fetch calls.
 */
import { resolveConfig, type GenAiConfig } from '../src/config';
import { sharedTracker } from './call-tracker';
import { FetchCapture } from './fetch-capture';
import { HttpClientCapture } from './http-capture';

export const INSTRUMENTATION_NAME = 'otel-genai-braintrust';
// Kept in step with package.json by a unit test.
export const INSTRUMENTATION_VERSION = '0.1.0';

export interface GenAiInstrumentationConfig extends Partial<GenAiConfig> {
  /** Instrumentation-interface flag; captures start on `enable()`. */
  enabled?: boolean;
}

export class GenAiInstrumentation {
  readonly instrumentationName = INSTRUMENTATION_NAME;
  readonly instrumentationVersion = INSTRUMENTATION_VERSION;
  private config: GenAiInstrumentationConfig;
  private readonly http: HttpClientCapture;
  private readonly fetch: FetchCapture;
  private readonly tracker = sharedTracker();

  constructor(config: GenAiInstrumentationConfig = {}) {
    this.config = { ...config };
    this.tracker.configure(resolveConfig(config).config);
    this.http = new HttpClientCapture(this.tracker);
    this.fetch = new FetchCapture(this.tracker);
  }

  enable(): void {
    this.http.enable();
    this.fetch.enable();
    this.config.enabled = true;
  }

  disable(): void {
    this.http.disable();
    this.fetch.disable();
    this.config.enabled = false;
  }

  setConfig(config: GenAiInstrumentationConfig = {}): void {
    this.config = { ...config, enabled: this.config.enabled ?? false };
    this.tracker.configure(resolveConfig(config).config);
  }

  getConfig(): GenAiInstrumentationConfig {
    return { ...this.config, enabled: this.config.enabled ?? false };
  }

  /** We create no spans and record no metrics or logs: the providers are not needed. */
  setTracerProvider(): void {}
  setMeterProvider(): void {}
  setLoggerProvider(): void {}
}

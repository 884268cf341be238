/**
 * `GenAiInstrumentation`: recognises LLM API calls on the wire (outgoing node:http, node:http2, fetch;
 * incoming requests to this process's own LLM endpoints) and tags the HTTP spans with GenAI
 * semantic-convention attributes.
 *
 * A plain object implementing OpenTelemetry's `Instrumentation` interface (no dependency on
 * `@opentelemetry/instrumentation`), accepted by NodeSDK on the 2.x and 3.x lines. It adds no spans
 * of its own, except for HTTP/2, which no OpenTelemetry instrumentation traces (there it starts the
 * CLIENT span itself): it needs `@opentelemetry/instrumentation-http` / `-undici` spans to annotate,
 * and `GenAiSpanProcessor` in the tracer provider for fetch calls.
 */
import { trace, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { resolveConfig, type UserConfig } from '../src/config';
import { sharedTracker } from './call-tracker';
import { FetchCapture } from './fetch-capture';
import { HttpClientCapture } from './http-capture';
import { Http2ClientCapture } from './http2-capture';
import { HttpServerCapture } from './server-capture';

export const INSTRUMENTATION_NAME = 'otel-genai-braintrust';
// Kept in step with package.json by a unit test.
export const INSTRUMENTATION_VERSION = '0.1.0';

export interface GenAiInstrumentationConfig extends UserConfig {
  /** Instrumentation-interface flag; captures start on `enable()`. */
  enabled?: boolean;
}

export class GenAiInstrumentation {
  readonly instrumentationName = INSTRUMENTATION_NAME;
  readonly instrumentationVersion = INSTRUMENTATION_VERSION;
  private config: GenAiInstrumentationConfig;
  private readonly http: HttpClientCapture;
  private readonly fetch: FetchCapture;
  private readonly http2: Http2ClientCapture;
  private readonly server: HttpServerCapture;
  private readonly tracker = sharedTracker();
  private tracerProvider: TracerProvider | undefined;
  private tracer: Tracer | undefined;

  constructor(config: GenAiInstrumentationConfig = {}) {
    this.config = { ...config };
    this.tracker.configure(resolveConfig(config).config);
    this.http = new HttpClientCapture(this.tracker);
    this.fetch = new FetchCapture(this.tracker);
    this.http2 = new Http2ClientCapture(this.tracker, () => (this.tracer ??= (this.tracerProvider ?? trace).getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION)));
    this.server = new HttpServerCapture(this.tracker);
  }

  /**
   * Pass as `requestHook` of `@opentelemetry/instrumentation-http` (the preload does): it links a
   * gateway request's server span to its capture from the start, so even a request whose client
   * disconnects before the first byte is described. Without it the span is found at the first write.
   */
  readonly httpRequestHook = (span: Span, request: unknown): void => {
    this.server.bindServerSpan(span, request);
  };

  enable(): void {
    this.http.enable();
    this.fetch.enable();
    this.http2.enable();
    this.server.enable();
    this.config.enabled = true;
  }

  disable(): void {
    this.http.disable();
    this.fetch.disable();
    this.http2.disable();
    this.server.disable();
    this.config.enabled = false;
  }

  setConfig(config: GenAiInstrumentationConfig = {}): void {
    this.config = { ...config, enabled: this.config.enabled ?? false };
    this.tracker.configure(resolveConfig(config).config);
  }

  getConfig(): GenAiInstrumentationConfig {
    return { ...this.config, enabled: this.config.enabled ?? false };
  }

  /** The provider for our HTTP/2 client spans (`trace.getTracer` until one is set). No metrics or logs. */
  setTracerProvider(provider: TracerProvider): void {
    this.tracerProvider = provider;
    this.tracer = undefined;
  }

  setMeterProvider(): void {}
  setLoggerProvider(): void {}
}

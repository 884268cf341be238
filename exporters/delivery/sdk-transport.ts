/**
 * `transport: "sdk"`: batches go through the `braintrust` package (an optional peer dependency), for
 * apps that already use Braintrust's SDK. The records are the ones the REST transport sends (translated
 * and size-capped upstream); each is parsed back and written as one SDK span with its own ids, parents
 * and times, into a `BraintrustState` of our own: the SDK's global state (the app's `initLogger`, its
 * wrappers) is never touched.
 *
 * What the SDK (3.35) sends: `POST {appUrl}/api/apikey/login` (the answer names the API URL, unless
 * `BRAINTRUST_API_URL` is set: our `apiUrl` option cannot reach the SDK), `POST {appUrl}/api/project/register`
 * (`GET /api/project?id=` for a project id), `GET {apiUrl}/version`, then `POST {apiUrl}/logs3`.
 *
 * Limits, all the SDK's:
 * - It batches on its own: one `send()` (one flush: we set `syncFlush`) becomes one logs3 request per
 *   100 rows and per half its request size limit (3 MiB by default), up to 8 at once. A failure of any
 *   of them fails the whole batch here, though the other requests' rows arrived.
 * - It tries each request 3 times within about 3 s (after 1 s, then 2 s), 4xx answers included, then
 *   drops those rows and reports only to `onFlushError`. We report that batch as not retryable (our
 *   retries would multiply its own), so an outage longer than that loses records the REST transport,
 *   which retries for `retryDeadlineMs`, would keep.
 * - Its queue drops rows silently past 15,000 (`BRAINTRUST_QUEUE_DROP_EXCEEDING_MAXSIZE`); we hand it one
 *   batch at a time and wait for it, so it holds at most `maxBatchRecords`.
 * - A failed login or project lookup stays failed for the lifetime of an SDK logger: we drop that
 *   logger and start a new one at the next attempt.
 * - It sets no request timeout; our `fetch` adds `requestTimeoutMs` (and `suppressTracing`: its
 *   requests must not become spans). A batch may so take 3 timeouts and 3 s before it is given up.
 * - Each row also carries a `context` (caller location, SDK version) and `span_attributes.exec_counter`.
 * - Importing `braintrust` creates its global state and enables its auto-instrumentation plugins
 *   (diagnostics-channel subscribers fed by its wrappers and `braintrust/hook` loader). They log into
 *   the app's own Braintrust logger, not ours: an app that also uses those will see each LLM call
 *   twice. `BRAINTRUST_DISABLE_INSTRUMENTATION` is the app's switch, not ours to set.
 */
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { BraintrustRecord, BraintrustSpanType } from '../record';
import type { LogFn } from './delivery';
import { isRetryableStatus } from './retry';
import type { SendResult, Transport } from './transport';

/** The part of the `braintrust` package we use, typed here so that the package stays optional. */
export interface BraintrustSdk {
  BraintrustState: new (options: SdkStateOptions) => SdkState;
  initLogger(options: SdkLoggerOptions): SdkLogger;
}

interface SdkStateOptions {
  apiKey: string;
  appUrl?: string;
  fetch: typeof globalThis.fetch;
  /** No `beforeExit` listener: `close()` flushes, as the exporter's shutdown asks. */
  noExitFlush: true;
  /** The only place the SDK reports a failed request (its `flush()` always resolves). */
  onFlushError: (error: unknown) => void;
  /** The span cache serves experiments' scorers; logs never read it. */
  disableSpanCache: true;
}

interface SdkState {
  /** The state's own background logger (public in 3.x; `syncFlush` too). */
  httpLogger(): { syncFlush: boolean };
}

interface SdkLoggerOptions {
  state: SdkState;
  setCurrent: false;
  asyncFlush: true;
  apiKey: string;
  appUrl?: string;
  projectName?: string;
  projectId?: string;
}

interface SdkLogger {
  /** Logs in and resolves the project; rejects with the failure (an HTTP error has a `status`). */
  readonly id: Promise<string>;
  startSpan(args: SdkSpanArgs): unknown;
  flush(): Promise<void>;
}

interface SdkSpanArgs {
  spanId: string;
  /** Always given: without it the SDK parents the span to whatever Braintrust span is current. */
  parentSpanIds: { parentSpanIds: string[]; rootSpanId: string };
  startTime: number | undefined;
  name: string;
  type: BraintrustSpanType;
  event: Record<string, unknown>;
}

/** Returns the `braintrust` module; a parameter so that a test can make loading fail. */
export type SdkLoader = () => unknown;

/** Loaded only when this transport is chosen: the package is optional, and importing it has side effects. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireBraintrust: SdkLoader = () => require('braintrust');

export interface SdkTransportOptions {
  apiKey: string;
  /** Login and projects; undefined: `BRAINTRUST_APP_URL`, else the SDK's default (https://www.braintrust.dev). */
  appUrl: string | undefined;
  project: { name: string } | { id: string };
  /** Per HTTP request the SDK makes. */
  requestTimeoutMs: number;
  /** How long `close()` waits for rows still inside the SDK (a batch Delivery stopped waiting for). */
  closeTimeoutMs: number;
  /** For records the SDK refuses. */
  log: LogFn;
}

export class SdkTransport implements Transport {
  readonly description: string;
  private readonly sdk: BraintrustSdk;
  private readonly state: SdkState;
  private logger: SdkLogger | undefined;
  /** What `onFlushError` reported since the current batch was handed over. */
  private flushErrors: unknown[] = [];

  /** Throws when the `braintrust` package cannot be loaded (the caller falls back to REST). */
  constructor(
    private readonly options: SdkTransportOptions,
    load: SdkLoader = requireBraintrust,
  ) {
    this.sdk = loadSdk(load);
    const { apiKey, appUrl, project, requestTimeoutMs } = options;
    this.state = new this.sdk.BraintrustState({
      apiKey,
      ...(appUrl ? { appUrl } : {}),
      fetch: untracedFetch(requestTimeoutMs),
      noExitFlush: true,
      onFlushError: (error) => this.flushErrors.push(error),
      disableSpanCache: true,
    });
    // Rows leave only when `send()` flushes: one batch, one flush. Otherwise the SDK sends the first row
    // of a batch alone at once and the rest after it, and one batch could half fail.
    this.state.httpLogger().syncFlush = true;
    const which = 'id' in project ? `id ${project.id}` : `"${project.name}"`;
    this.description = `Braintrust project ${which}${appUrl ? ` at ${safeOrigin(appUrl)}` : ''} (braintrust SDK)`;
  }

  async send(records: readonly string[]): Promise<SendResult> {
    const connected = await this.connect();
    if (!connected.ok) return connected;
    const { logger } = connected;
    this.flushErrors = [];
    const refused: string[] = [];
    for (const text of records) {
      try {
        logger.startSpan(spanArgs(JSON.parse(text) as BraintrustRecord));
      } catch (err) {
        // The SDK validates synchronously (e.g. a metric that is not a number) and queues nothing then.
        refused.push(messageOf(err));
      }
    }
    await logger.flush();
    const refusedNote = refused.length > 0 ? `; ${refused.length} record${refused.length === 1 ? '' : 's'} refused by the SDK: ${refused[0]}` : '';
    if (this.flushErrors.length > 0) {
      const failed = this.flushErrors.length;
      return { ok: false, retryable: false, message: `logs3: ${failed} request${failed === 1 ? '' : 's'} failed after the SDK's retries: ${messageOf(this.flushErrors[0])}${refusedNote}` };
    }
    if (refused.length === records.length) return { ok: false, retryable: false, message: `the braintrust SDK refused every record of the batch: ${refused[0]}` };
    // The others were sent: the batch counts as sent, and this line says which part was not.
    if (refused.length > 0) this.options.log('warn', `transport "sdk": ${refused.length} of ${records.length} records not sent${refusedNote}`);
    return { ok: true };
  }

  /** Sends what the SDK still holds, for at most `closeTimeoutMs`. Nothing of ours stays behind. */
  async close(): Promise<void> {
    if (!this.logger) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.closeTimeoutMs);
      timer.unref();
    });
    await Promise.race([this.logger.flush(), timeout]);
    clearTimeout(timer);
  }

  /** A logger whose login and project lookup succeeded, or why not (a 401/403 stops Delivery). */
  private async connect(): Promise<{ ok: true; logger: SdkLogger } | (SendResult & { ok: false })> {
    const { apiKey, appUrl, project } = this.options;
    const logger = (this.logger ??= this.sdk.initLogger({
      state: this.state,
      setCurrent: false,
      asyncFlush: true,
      apiKey,
      ...(appUrl ? { appUrl } : {}),
      ...('id' in project ? { projectId: project.id } : { projectName: project.name }),
    }));
    try {
      await logger.id;
      return { ok: true, logger };
    } catch (err) {
      // The SDK keeps this failure for the logger's lifetime: the next attempt starts a new logger.
      this.logger = undefined;
      const status = (err as { status?: unknown } | undefined)?.status;
      const message = `login and project lookup: ${messageOf(err)}`;
      if (typeof status === 'number') return { ok: false, retryable: isRetryableStatus(status), status, message };
      return { ok: false, retryable: true, message };
    }
  }
}

/** One record as one finished SDK span: the same ids, parents, times and fields as the REST row. */
function spanArgs(record: BraintrustRecord): SdkSpanArgs {
  const { id, span_id, root_span_id, span_parents, span_attributes, metrics, ...fields } = record;
  return {
    spanId: span_id,
    parentSpanIds: { parentSpanIds: span_parents, rootSpanId: root_span_id },
    startTime: metrics.start,
    name: span_attributes.name,
    type: span_attributes.type,
    // `metrics.end` here rather than `span.end()`, which would log a second row to merge into the first:
    // one complete row per record, whatever requests the SDK makes of them.
    // `fields`: created, input, output, error, metadata, tags (what the translation put in the record).
    event: { id, ...fields, metrics },
  };
}

function loadSdk(load: SdkLoader): BraintrustSdk {
  let loaded: unknown;
  try {
    loaded = load();
  } catch (err) {
    // Node's message starts "Cannot find module 'x'" (then the require stack): x may be a dependency of braintrust.
    const firstLine = String((err as Error | undefined)?.message ?? err).split('\n')[0]!;
    const missing = (err as NodeJS.ErrnoException | undefined)?.code === 'MODULE_NOT_FOUND' && firstLine.includes("'braintrust'");
    throw new Error(missing ? 'transport "sdk" needs the braintrust package: npm install braintrust' : `transport "sdk" could not load the braintrust package: ${firstLine}`);
  }
  const sdk = loaded as Partial<BraintrustSdk> | undefined;
  if (typeof sdk?.BraintrustState !== 'function' || typeof sdk.initLogger !== 'function') {
    throw new Error('transport "sdk" needs braintrust 3.x or later (BraintrustState, initLogger): npm install braintrust@latest');
  }
  return sdk as BraintrustSdk;
}

/** The SDK's `fetch`: a timeout (it sets none) and no spans for its own requests. */
function untracedFetch(timeoutMs: number): typeof globalThis.fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return context.with(suppressTracing(context.active()), () => globalThis.fetch(input, { ...init, signal }));
  };
}

/** The last line of an error's message, bounded: the SDK's logs3 errors put the cause there (the first has timings). */
function messageOf(err: unknown): string {
  const lines = (err instanceof Error ? err.message : String(err)).split('\n').filter((line) => line.trim() !== '');
  return (lines[lines.length - 1] ?? 'unknown error').slice(0, 300);
}

/** Scheme, host and path of the app URL, without any credentials it may embed. */
function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid app URL)';
  }
}

/**
 * Runs test/apps/llm-client-app.js once over a plan of calls, under the real preload, and pairs each
 * call's result with the spans it produced (found by the trace id of the app's per-call root span).
 * Shared by the integration suites that drive real clients against the replay servers.
 */
import * as path from 'node:path';
import type { OtlpReceiver, ReceivedSpan } from './otlp-receiver';
import { REPO_ROOT, runApp, tempFile, waitFor, type AppRun } from './run-app';

export const CLIENT_APP = path.join(REPO_ROOT, 'test/apps/llm-client-app.js');
export const HTTP_SCOPES = ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-undici'];
/** The secret the app sends as its API key: it must never appear in what is exported. */
export const APP_SECRET = 'sk-test-DO-NOT-LEAK-0123456789';

/** One call of the app (see the header of llm-client-app.js for every field). */
export interface AppStep {
  id: string;
  fixture: string;
  client: string;
  fault?: string;
  abandonAfterChunks?: number;
  abortAfterMs?: number;
  baseUrl?: string;
  query?: string;
}

/** What the app reports for one call. */
export interface AppResult {
  id: string;
  traceId: string;
  ok: boolean;
  status?: number;
  bodyBase64?: string;
  chunks?: number;
  error?: string;
}

export interface AppCall {
  result: AppResult;
  /** The app's per-call root span (`call <id>`). */
  root?: ReceivedSpan;
  /** The call's HTTP client span (by default one of `HTTP_SCOPES`). */
  span?: ReceivedSpan;
}

export interface ClientAppRun {
  run: AppRun;
  calls: Map<string, AppCall>;
}

export async function runClientApp(options: {
  receiver: OtlpReceiver;
  replayUrl: string;
  replayH2Url?: string;
  steps: AppStep[];
  config: object;
  env?: Record<string, string>;
  /** Which span of a call's trace is "the" span; default: the HTTP client span. */
  isCallSpan?: (span: ReceivedSpan) => boolean;
  timeoutMs?: number;
}): Promise<ClientAppRun> {
  const { receiver, steps } = options;
  const isCallSpan = options.isCallSpan ?? ((s: ReceivedSpan) => HTTP_SCOPES.includes(s.scope));
  const plan = tempFile('plan.json', JSON.stringify({ replayUrl: options.replayUrl, replayH2Url: options.replayH2Url, steps }));
  const run = await runApp({
    script: CLIENT_APP,
    otlpUrl: receiver.url,
    config: options.config,
    env: { APP_PLAN: plan, APP_SECRET_KEY: APP_SECRET, ...options.env },
    timeoutMs: options.timeoutMs ?? 120000,
  });
  // Debug diagnostics may share stdout: the results are the app's one JSON line.
  const line = run.stdout.split('\n').find((l) => l.startsWith('[{')) ?? '[]';
  const results: AppResult[] = JSON.parse(line);
  const spanOf = (r: AppResult) => receiver.spans.find((s) => s.traceId === r.traceId && isCallSpan(s));
  const rootOf = (r: AppResult) => receiver.spans.find((s) => s.traceId === r.traceId && s.name === `call ${r.id}`);
  await waitFor(() => results.every((r) => spanOf(r) && rootOf(r)), 10000);
  const calls = new Map<string, AppCall>();
  for (const result of results) calls.set(result.id, { result, root: rootOf(result), span: spanOf(result) });
  return { run, calls };
}

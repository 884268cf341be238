/** Types of the Braintrust API test server in braintrust-server.js (shared with child-process apps). */

/** The routes of the server, by name, as faults select them; `*` is any of them. */
export type BraintrustRoute =
  | 'project' // POST /v1/project
  | 'insert' // POST /v1/project_logs/{project_id}/insert
  | 'login' // POST /api/apikey/login
  | 'register' // POST /api/project/register
  | 'get-project' // GET /api/project?id=
  | 'version' // GET /version
  | 'logs3' // POST /logs3
  | 'otlp'; // POST /otel/v1/traces (OTLP/HTTP JSON; spans are only counted)

/** Applies to the next `times` (default 1; `Infinity` until `clearFaults()`) requests of `route`. */
export type Fault = { route: BraintrustRoute | '*'; times?: number } & (
  | { kind: 'status'; status: number; /** Seconds, sent as the Retry-After header. */ retryAfter?: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'reset' }
);

export interface BraintrustProject {
  id: string;
  org_id: string;
  name: string;
  created: string;
  deleted_at: null;
  user_id: string;
  settings: null;
}

/** A stored row: the event's fields and its id, without the write controls (`_is_merge`, `_merge_paths`, `_object_delete`) and logs3's `project_id`, `log_id`. */
export interface BraintrustRow {
  id: string;
  [field: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as requested. */
  path: string;
  /** 0 until answered, and for ever when the request was reset. */
  status: number;
  /** Bytes of the request body. */
  bytes: number;
  /** Epoch milliseconds when the request arrived. */
  at: number;
}

/** A 4xx answer produced by the server's checks (not by an injected fault). */
export interface Rejection {
  path: string;
  status: number;
  message: string;
}

export interface BraintrustServerOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Keys accepted as `Authorization: Bearer <key>`; default `[DEFAULT_API_KEY]`. */
  apiKeys?: string[];
  /** Keys answered with 403. */
  forbiddenKeys?: string[];
  /** Larger request bodies are answered 413; default 6 MiB, as the real API. */
  maxRequestBytes?: number;
}

export interface BraintrustServer {
  /** `http://127.0.0.1:PORT`: the REST base URL, the SDK's app URL and its API URL. */
  url: string;
  port: number;
  /** The organization id that login returns and register expects. */
  orgId: string;
  /** Every request, faulted ones included, in order of arrival; no headers are recorded. */
  requests: RecordedRequest[];
  rejections: Rejection[];
  projects(): BraintrustProject[];
  /** The stored rows (one per id) in first-insert order; `[]` for an unknown project. */
  rows(projectNameOrId: string): BraintrustRow[];
  /** How many times a row id was received in a successful request (retries count again). */
  receivedCount(rowId: string): number;
  /** Spans received on the OTLP endpoint. */
  otlpSpanCount(): number;
  /** Queues a fault; faults are taken in the order they were added. Throws on an invalid fault. */
  fault(fault: Fault): void;
  clearFaults(): void;
  /** Stops listening and closes every connection, keep-alive ones included. */
  close(): Promise<void>;
}

export const DEFAULT_API_KEY: string;
/** The one organization's name (login, and the allowed `org_name` of POST /v1/project). */
export const ORG_NAME: string;

export function startBraintrustServer(options?: BraintrustServerOptions): Promise<BraintrustServer>;

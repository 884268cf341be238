/**
 * Braintrust's documented REST API: the project id is resolved once (`POST /v1/project`, which
 * returns the existing project of that name), then batches go to
 * `POST /v1/project_logs/{project_id}/insert` as `{"events": [...]}`.
 */
import { postJson, type JsonResult } from './http-request';
import type { SendResult, Transport } from './transport';
import { isRetryableStatus } from './retry';

export interface HttpTransportOptions {
  apiKey: string;
  apiUrl: string;
  /** A project name, or `{ id }` when the id is known (`BRAINTRUST_PARENT=project_id:…`). */
  project: { name: string } | { id: string };
  requestTimeoutMs: number;
}

export class HttpTransport implements Transport {
  readonly description: string;
  readonly acceptsJoinedRecords = true;
  private projectId: string | undefined;
  private readonly base: string;

  constructor(private readonly options: HttpTransportOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
    if ('id' in options.project) this.projectId = options.project.id;
    const which = 'id' in options.project ? `id ${options.project.id}` : `"${options.project.name}"`;
    this.description = `Braintrust project ${which} at ${safeOrigin(this.base)}`;
  }

  async send(records: readonly string[]): Promise<SendResult> {
    if (this.projectId === undefined) {
      const resolved = await this.resolveProject();
      if (!resolved.ok) return resolved;
    }
    const body = eventsBody(records);
    const url = new URL(`${this.base}/v1/project_logs/${encodeURIComponent(this.projectId!)}/insert`);
    return toSendResult(await postJson(url, this.options.apiKey, body, this.options.requestTimeoutMs), 'insert');
  }

  private async resolveProject(): Promise<SendResult> {
    const name = (this.options.project as { name: string }).name;
    const url = new URL(`${this.base}/v1/project`);
    const result = await postJson(url, this.options.apiKey, JSON.stringify({ name }), this.options.requestTimeoutMs);
    const outcome = toSendResult(result, 'project lookup');
    if (!outcome.ok || !result.ok) return outcome;
    const id = (result.response.body as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || id === '') return { ok: false, retryable: true, message: 'project lookup: the response has no project id' };
    this.projectId = id;
    return { ok: true };
  }
}

const BODY_HEAD = Buffer.from('{"events":[');
const BODY_TAIL = Buffer.from(']}');

/** `{"events":[…]}` as bytes, written straight into one buffer (no joined copy of the batch text). */
function eventsBody(records: readonly string[]): Buffer {
  let size = BODY_HEAD.length + BODY_TAIL.length + Math.max(0, records.length - 1);
  for (const json of records) size += Buffer.byteLength(json);
  const body = Buffer.allocUnsafe(size);
  let at = BODY_HEAD.copy(body, 0);
  for (let i = 0; i < records.length; i++) {
    if (i > 0) body[at++] = 0x2c; // ','
    at += body.write(records[i]!, at);
  }
  BODY_TAIL.copy(body, at);
  return body;
}

function toSendResult(result: JsonResult, what: string): SendResult {
  if (!result.ok) return { ok: false, retryable: true, message: `${what}: ${result.error}` };
  const { status, headers, body, text } = result.response;
  if (status >= 200 && status < 300) return { ok: true };
  const serverMessage = typeof (body as { error?: unknown })?.error === 'string' ? (body as { error: string }).error : text;
  const failure: SendResult = { ok: false, retryable: isRetryableStatus(status), status, message: `${what}: HTTP ${status}${serverMessage ? ` ${serverMessage.slice(0, 300)}` : ''}` };
  const retryAfter = headers['retry-after'];
  if (typeof retryAfter === 'string') failure.retryAfter = retryAfter;
  return failure;
}

/** Scheme, host and path of the API URL, without any credentials it may embed. */
function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid API URL)';
  }
}

/**
 * One JSON request to Braintrust over node:http/https, under `suppressTracing` (our own requests must
 * never become spans: they would be exported, traced again, and so on). Never throws.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

export interface JsonResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when it was empty or not JSON. */
  body: unknown;
  /** The first bytes of the body as text, for error messages. */
  text: string;
}

export type JsonResult = { ok: true; response: JsonResponse } | { ok: false; error: string };

/** Error bodies are only read for their message. */
const MAX_BODY_BYTES = 1024 * 1024;

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 8 }), https: new https.Agent({ keepAlive: true, maxSockets: 8 }) };

export function postJson(url: URL, apiKey: string, body: string | Buffer, timeoutMs: number): Promise<JsonResult> {
  return context.with(suppressTracing(context.active()), () => request(url, apiKey, body, timeoutMs));
}

function request(url: URL, apiKey: string, body: string | Buffer, timeoutMs: number): Promise<JsonResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: JsonResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const secure = url.protocol === 'https:';
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    try {
      const req = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? agents.https : agents.http,
          headers: {
            authorization: `Bearer ${apiKey}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': payload.byteLength,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < MAX_BODY_BYTES) chunks.push(chunk);
            size += chunk.byteLength;
          });
          res.on('error', (err) => settle({ ok: false, error: describe(err) }));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            settle({ ok: true, response: { status: res.statusCode ?? 0, headers: res.headers, body: parsed, text: text.slice(0, 500) } });
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => settle({ ok: false, error: describe(err) }));
      req.end(payload);
    } catch (err) {
      settle({ ok: false, error: describe(err) });
    }
  });
}

/** An error's code and message; request errors never include our headers. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

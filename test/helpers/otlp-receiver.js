'use strict';
/**
 * A minimal OTLP/HTTP JSON trace receiver on 127.0.0.1 (`POST /v1/traces`), flattening what it
 * receives into plain spans. Apps export to it with `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`.
 * Plain JavaScript so that tests (through otlp-receiver.ts) and the demo share it.
 */
const http = require('node:http');

function value(v) {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values || []).map(value);
  if (v.kvlistValue) return attributes(v.kvlistValue.values);
  return undefined;
}

function attributes(list) {
  const out = {};
  for (const kv of list || []) out[kv.key] = value(kv.value);
  return out;
}

function flatten(body) {
  const spans = [];
  for (const rs of body.resourceSpans || []) {
    const resource = attributes(rs.resource && rs.resource.attributes);
    for (const ss of rs.scopeSpans || []) {
      for (const s of ss.spans || []) {
        spans.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          name: s.name,
          kind: s.kind,
          scope: (ss.scope && ss.scope.name) || '',
          attributes: attributes(s.attributes),
          status: s.status || {},
          events: (s.events || []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
          resource,
          startTimeUnixNano: s.startTimeUnixNano,
          endTimeUnixNano: s.endTimeUnixNano,
        });
      }
    }
  }
  return spans;
}

/** @returns {Promise<{ url: string, spans: object[], rawBodies: string[], close(): Promise<void> }>} */
function startOtlpReceiver() {
  const spans = [];
  const rawBodies = [];
  const server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      rawBodies.push(text);
      try {
        spans.push(...flatten(JSON.parse(text)));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      } catch {
        res.writeHead(400);
        res.end();
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        spans,
        rawBodies,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

module.exports = { startOtlpReceiver };

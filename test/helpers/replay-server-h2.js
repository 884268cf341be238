'use strict';
/**
 * HTTP/2 replay server (cleartext h2c, prior knowledge: what `http2.connect('http://…')` and the AWS
 * SDK's `NodeHttp2Handler` speak for an `http:` endpoint) on 127.0.0.1. It serves the same recorded
 * exchanges as replay-server.js, mounted the same way, chosen by the `x-replay-fixture` request
 * header; streams are written one event/frame per DATA write, `chunkDelayMs` apart.
 *
 * Faults, by `x-replay-fault` request header:
 *   truncate   send the first half of the stream's chunks, then reset the stream (INTERNAL_ERROR)
 */
const http2 = require('node:http2');
const { loadFixtures, wireChunks } = require('./replay-server.js');

/** Connection-specific headers are not allowed in HTTP/2; `date` and `content-length` are the server's. */
const DROPPED_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'date']);

/**
 * @param {{ port?: number, chunkDelayMs?: number, fixtureDir?: string }} options
 * @returns {Promise<{ url: string, port: number, close(): Promise<void>, requests: object[], fixtures: Map<string, object> }>}
 */
function startReplayServerH2(options = {}) {
  const fixtures = loadFixtures(options.fixtureDir);
  const chunkDelayMs = options.chunkDelayMs ?? 5;
  const requests = [];
  const sessions = new Set();
  const server = http2.createServer();

  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const parts = [];
    stream.on('data', (c) => parts.push(c));
    stream.on('end', () => {
      const record = { method: headers[':method'], url: headers[':path'], headers, body: Buffer.concat(parts).toString('utf8') };
      requests.push(record);
      const fixture = fixtures.get(String(headers['x-replay-fixture'] || ''));
      if (!fixture || stream.destroyed) {
        if (stream.destroyed) return;
        stream.respond({ ':status': 404, 'content-type': 'application/json' });
        stream.end(JSON.stringify({ error: { message: `no recorded exchange for ${record.method} ${record.url}`, type: 'replay_miss', code: 'replay_miss' } }));
        return;
      }
      record.fixture = fixture.id;
      serve(fixture, String(headers['x-replay-fault'] || ''), stream, chunkDelayMs);
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        requests,
        fixtures,
        close: () =>
          new Promise((done) => {
            for (const s of sessions) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function serve(fixture, fault, stream, chunkDelayMs) {
  const headers = { ':status': fixture.response.status };
  for (const [k, v] of Object.entries(fixture.response.headers)) if (!DROPPED_HEADERS.has(k.toLowerCase())) headers[k.toLowerCase()] = v;
  const chunks = wireChunks(fixture);
  stream.respond(headers);
  const limit = fault === 'truncate' || fault === 'disconnect' ? Math.max(1, Math.floor(chunks.length / 2)) : chunks.length;
  let i = 0;
  const next = () => {
    if (stream.destroyed || stream.closed) return;
    if (i >= limit) {
      if (fault === 'truncate') stream.destroy(new Error('cut by replay server'));
      else if (fault === 'disconnect') stream.session.destroy();
      else stream.end();
      return;
    }
    stream.write(chunks[i++]);
    setTimeout(next, chunkDelayMs);
  };
  next();
}

module.exports = { startReplayServerH2 };

if (require.main === module) {
  startReplayServerH2({ port: Number(process.argv[2] || 0) }).then((s) => process.stdout.write(`${s.url}\n`));
}

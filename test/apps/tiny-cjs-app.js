'use strict';
// A tiny CommonJS app: one chat call over node:http, one over fetch, then exits on its own.
const http = require('node:http');

const base = process.env.REPLAY_URL;
// Optional query string, e.g. `?key=...` as Gemini's REST API takes its key.
const query = process.env.QUERY || '';
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Answer in up to 3 words: Which ocean contains Bouvet Island?' }] });
const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-tiny-app-secret', 'x-replay-fixture': 'openai/openai-chat-completions-adds-genai-conventions' };

function viaHttp() {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/openai/v1/chat/completions${query}`, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
}

(async () => {
  await viaHttp();
  const res = await fetch(`${base}/openai/v1/chat/completions${query}`, { method: 'POST', headers, body });
  await res.json();
  if (process.env.WAIT_FOR_SIGNAL) {
    process.stdout.write('ready\n');
    setInterval(() => {}, 1000); // keeps running until signalled, like a server
  }
})();

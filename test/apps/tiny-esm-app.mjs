// A tiny ESM app: imports node:http the ESM way (named and default), plus fetch.
import http, { request } from 'node:http';

const base = process.env.REPLAY_URL;
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Answer in up to 3 words: Which ocean contains Bouvet Island?' }] });
const headers = { 'content-type': 'application/json', 'x-replay-fixture': 'openai/openai-chat-completions-adds-genai-conventions' };

function call(fn) {
  return new Promise((resolve, reject) => {
    const req = fn(`${base}/openai/v1/chat/completions`, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
}

await call(request);
await call(http.request);
const res = await fetch(`${base}/openai/v1/chat/completions`, { method: 'POST', headers, body });
await res.json();

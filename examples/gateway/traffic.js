'use strict';
/**
 * The gateway's clients: three users of a product built on the gateway (alice and carol on the paid
 * plan, bob on trial), each in a session or two, calling it with the openai SDK (and one raw fetch):
 * chat completions and responses, streamed and not. Among them one request hits the upstream's rate
 * limit (429), one asks for a model the trial plan lacks (403), and one streaming client hangs up after
 * two chunks. Sessions run concurrently; one line per request.
 *
 * Who is calling is the gateway key; the session travels as an `x-session-id` header and as
 * `metadata.session_id` in the body (api.openai.com accepts `metadata` on chat completions only with
 * `store: true`; the demo's upstream does not mind).
 *
 * Env: GATEWAY_URL (e.g. http://127.0.0.1:8080). Exit code 1 if any request did not go as expected.
 */
const OpenAI = require('openai').default;

const GATEWAY_URL = process.env.GATEWAY_URL || 'http://127.0.0.1:8080';
const USERS = {
  alice: { key: 'gw-demo-alice', plan: 'paid' },
  bob: { key: 'gw-demo-bob', plan: 'trial' },
  carol: { key: 'gw-demo-carol', plan: 'paid' },
};
const BOUVET = 'Answer in up to 3 words: Which ocean contains Bouvet Island?';
const JOKE = 'Tell me a joke about OpenTelemetry';

/** Outcomes so far: a tally for the last line, and how many were not what the scenario expected. */
const tally = new Map();
let unexpected = 0;

/** A client of one user in one session. */
function session(user, id) {
  const openai = new OpenAI({ baseURL: `${GATEWAY_URL}/v1`, apiKey: USERS[user].key, defaultHeaders: { 'x-session-id': id } });
  const metadata = { session_id: id };
  /** One request, reported as one line; `expect` is 'answered' or the HTTP status it should fail with. */
  return async function call({ endpoint, model, prompt, stream = false, expect = 'answered', options }) {
    const started = Date.now();
    let firstToken;
    let text = '';
    const add = (delta) => {
      if (!delta) return;
      firstToken ??= Date.now() - started;
      text += delta;
    };
    let outcome;
    let line;
    try {
      if (endpoint === 'chat') {
        const result = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: prompt }], stream, metadata }, options);
        if (!stream) text = result.choices[0].message.content;
        else for await (const chunk of result) add(chunk.choices[0]?.delta?.content);
      } else {
        const result = await openai.responses.create({ model, input: prompt, stream, metadata }, options);
        if (!stream) text = result.output_text;
        else for await (const event of result) if (event.type === 'response.output_text.delta') add(event.delta);
      }
      outcome = 'answered';
      line = `${snippet(text)}  (${firstToken !== undefined ? `first token ${firstToken} ms, ` : ''}${Date.now() - started} ms)`;
    } catch (err) {
      if (!(err instanceof OpenAI.APIError) || err.status === undefined) {
        outcome = 'failed'; // e.g. the gateway is down
        line = `failed: ${snippet(err.message, 60)}`;
      } else {
        const retry = err.headers?.get?.('retry-after');
        outcome = err.status;
        line = `${err.status} ${err.code}${retry ? ` (retry-after ${retry}s)` : ''}: ${snippet(err.error?.message ?? err.message, 40)}`;
      }
    }
    report({ user, id, endpoint, stream, model }, line, outcome, expect);
  };
}

/** A browser-like client on raw fetch: it starts a stream, reads two chunks, and closes the tab. */
async function hangUpMidStream(user, id, model, prompt) {
  const request = { user, id, endpoint: 'chat', stream: true, model };
  try {
    const tab = new AbortController();
    const res = await fetch(`${GATEWAY_URL}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${USERS[user].key}`, 'x-session-id': id },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], stream: true, metadata: { session_id: id } }),
      signal: tab.signal,
    });
    const reader = res.body.getReader();
    let raw = '';
    let chunks = 0;
    for (; chunks < 2; chunks++) {
      const { value, done } = await reader.read();
      if (done) break;
      raw += Buffer.from(value).toString('utf8');
    }
    tab.abort();
    const words = [...raw.matchAll(/"content":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`)).join('');
    const outcome = res.status === 200 && chunks === 2 ? 'hung up mid-stream' : `${res.status}`;
    report(request, `raw fetch: read ${chunks} chunks ("${words}…"), then hung up`, outcome, 'hung up mid-stream');
  } catch (err) {
    report(request, `failed: ${snippet(err.message, 60)}`, 'failed', 'hung up mid-stream');
  }
}

function snippet(text, max = 56) {
  const line = String(text ?? '').trim().split('\n')[0].trim();
  return line.length > max ? `${line.slice(0, max).replace(/\s*\S*$/, '')}…` : line; // cut at a word
}

function report({ user, id, endpoint, stream, model }, line, outcome, expected) {
  const key = typeof outcome === 'number' ? `${outcome}` : outcome;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  if (outcome !== expected) unexpected++;
  const who = `${user} (${USERS[user].plan})`.padEnd(14);
  const what = `${endpoint}${stream ? ' ⇢' : ''}`.padEnd(12);
  console.log(`${who}${id.padEnd(10)}${what}${model.padEnd(15)}→ ${line}${outcome === expected ? '' : '   ✗ UNEXPECTED'}`);
}

async function main() {
  console.log(`${'user'.padEnd(14)}${'session'.padEnd(10)}${'endpoint'.padEnd(12)}${'model'.padEnd(15)}  (⇢ streamed)`);
  const alice = session('alice', 'a-101');
  const aliceLater = session('alice', 'a-102');
  const bob = session('bob', 'b-201');
  const bobLater = session('bob', 'b-202');
  const carol = session('carol', 'c-301');
  await Promise.all([
    (async () => {
      await alice({ endpoint: 'chat', model: 'gpt-4o-mini', prompt: BOUVET });
      await alice({ endpoint: 'chat', model: 'gpt-4o-mini', prompt: BOUVET, stream: true });
      await alice({ endpoint: 'responses', model: 'gpt-3.5-turbo', prompt: 'What is the capital of France?' });
      await aliceLater({ endpoint: 'responses', model: 'gpt-4o-mini', prompt: 'Write a short poem about AI', stream: true });
    })(),
    (async () => {
      await bob({ endpoint: 'chat', model: 'gpt-3.5-turbo', prompt: 'Tell me a fact about JavaScript' });
      await bob({ endpoint: 'chat', model: 'gpt-4o', prompt: 'Tell me a fact about JavaScript', expect: 403 }); // not on the trial plan
      await bob({ endpoint: 'chat', model: 'gpt-3.5-turbo', prompt: 'Tell me a joke about Typescript' });
      await bobLater({ endpoint: 'responses', model: 'gpt-3.5-turbo', prompt: 'What is 2+2? Give a brief answer.' });
      await bobLater({ endpoint: 'responses', model: 'gpt-4o-mini', prompt: BOUVET, stream: true });
    })(),
    (async () => {
      await carol({ endpoint: 'responses', model: 'gpt-4o-mini', prompt: JOKE });
      await carol({ endpoint: 'chat', model: 'gpt-3.5-turbo', prompt: JOKE });
      // gpt-4o is over its rate limit upstream. No retries, so the one 429 shows as sent (the SDK would retry twice).
      await carol({ endpoint: 'chat', model: 'gpt-4o', prompt: JOKE, expect: 429, options: { maxRetries: 0 } });
      await carol({ endpoint: 'responses', model: 'gpt-4o-mini', prompt: BOUVET });
      await hangUpMidStream('carol', 'c-302', 'gpt-3.5-turbo', JOKE);
      await carol({ endpoint: 'chat', model: 'gpt-4o-mini', prompt: BOUVET, stream: true });
    })(),
  ]);
  const total = [...tally.values()].reduce((a, b) => a + b, 0);
  const counts = [...tally].map(([outcome, n]) => (/^\d+$/.test(outcome) ? `${n} × ${outcome}` : `${n} ${outcome}`));
  console.log(`\n${total} requests: ${counts.join(', ')}${unexpected > 0 ? `; ${unexpected} NOT as expected` : ''}`);
  if (unexpected > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(`traffic: ${err.stack || err}`);
  process.exitCode = 1;
});

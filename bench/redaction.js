'use strict';
/**
 * Redaction throughput (target: ≥ 50 MB/s on one core for typical chat content): `node bench/redaction.js`
 * after `npm run build`. Prints one line; `measureRedaction()` returns the figures for bench/run.js.
 *
 * Content: 24 deterministic chat documents of 2–8 KB (UTF-8), shaped like what the exporter redacts:
 * OpenAI chat requests, chat.completion responses, and GenAI `gen_ai.input.messages`-style part lists.
 * Mostly prose, some code blocks, numbers (prices, dates, versions, token counts, ids), newlines and
 * quotes that JSON escapes, and now and then a planted email, phone number, card or API key.
 *
 * Measured, with all built-in detectors on and no user function: `redactJsonText` on the documents (the
 * attribute path), and `redactString` on their text content as plain-text transcripts (`role: content`
 * lines; a string that is JSON would take the JSON path). MB/s = UTF-8 bytes in / wall time, median of
 * BENCH_REDACTION_TRIALS (default 9) trials of ~BENCH_REDACTION_MS (default 300) ms, after a warm-up.
 * BENCH_REDACTION_MODULE overrides the compiled module's path.
 */
const path = require('node:path');

const MODULE = process.env.BENCH_REDACTION_MODULE || path.join(__dirname, '..', 'dist', 'src', 'redaction', 'redactor.js');
const TRIALS = Number(process.env.BENCH_REDACTION_TRIALS || 9);
const TRIAL_MS = Number(process.env.BENCH_REDACTION_MS || 300);
const TARGET_MB_PER_SEC = 50;

/** mulberry32, as test/helpers/prng.ts: the same documents every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the a to of and in that is for it with as was on be at by this had not are but from or have an they which ' +
  'one you were all she there would their we him been has when who will more no if out so said what up its about ' +
  'into than them can only other new some could time these two may then do first any my now such like our over ' +
  'man me even most made after also did many before must through back years where much your way well down should ' +
  'because each just those people how too little state good very make world still own see men work long get here ' +
  'between both life being under never day same another know while last might us great old year off come since ' +
  'against go came right used take three customer order invoice shipping refund account request summary model ' +
  'function response latency deployment database migration schedule meeting report analysis results'
).split(' ');
const CODE = [
  'function total(items) {\n  return items.reduce((sum, item) => sum + item.price * item.qty, 0);\n}\n',
  'for i in range(10):\n    print(f"step {i}: loss={loss:.4f}")\n',
  'SELECT id, created_at, status FROM orders WHERE status = \'open\' ORDER BY created_at DESC LIMIT 50;\n',
  'const url = `https://api.example.com/v1/items?page=${page}&limit=20`;\nconst res = await fetch(url);\n',
  'std::vector<int> v{1, 2, 3};\nfor (auto& x : v) std::cout << x << "\\n";\n',
];
const FACTS = [
  'The order #A-10293 shipped on 2024-03-15 at 10:30 and costs $1,249.99.',
  'We upgraded from v1.2.3 to 2.0.1 last week; p95 latency dropped to 180 ms.',
  'Revenue grew 12.5% to 4.2 million in Q3 2023.',
  'Commit 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b fixed the regression.',
  'Request id 123e4567-e89b-12d3-a456-426614174000 took 2315 ms.',
];
const PII = [
  'You can reach me at maria.garcia@example.com if anything changes.',
  'My number is (415) 555-2671, call after 5pm.',
  'Charge the card 4111 1111 1111 1111, expiry 12/27.',
  'The key is sk-proj-Q3r7Xk9pL2mN8vB4cD6fG1hJ5kL0zX3c, please rotate it.',
];

function sentence(rand) {
  const n = 6 + Math.floor(rand() * 14);
  let s = '';
  for (let i = 0; i < n; i++) s += (i ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
  return s[0].toUpperCase() + s.slice(1) + (rand() < 0.15 ? '?' : '.');
}

/** Prose of about `chars` characters: paragraphs, sometimes a fact with numbers, a code block, or PII. */
function prose(rand, chars) {
  let out = '';
  while (out.length < chars) {
    const r = rand();
    if (r < 0.06) out += '\n\n```\n' + CODE[Math.floor(rand() * CODE.length)] + '```\n\n';
    else if (r < 0.14) out += FACTS[Math.floor(rand() * FACTS.length)] + ' ';
    else if (r < 0.16) out += PII[Math.floor(rand() * PII.length)] + ' ';
    else if (r < 0.22) out += '"' + sentence(rand) + '"\n';
    else out += sentence(rand) + (rand() < 0.2 ? '\n\n' : ' ');
  }
  return out;
}

function chatRequest(rand, size) {
  const messages = [{ role: 'system', content: `You are a helpful assistant for Acme Corp. ${prose(rand, size * 0.2)}` }];
  for (let turn = 0; turn < 3; turn++) {
    messages.push({ role: 'user', content: prose(rand, size * 0.12) });
    messages.push({ role: 'assistant', content: prose(rand, size * 0.12) });
  }
  messages.push({
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_Xq3v9', type: 'function', function: { name: 'lookup_order', arguments: JSON.stringify({ order_id: 'A-10293', include_items: true }) } }],
  });
  messages.push({ role: 'tool', tool_call_id: 'call_Xq3v9', content: JSON.stringify({ status: 'shipped', eta: '2024-03-18', items: 3, note: prose(rand, 200) }) });
  return JSON.stringify({ model: 'gpt-4o-mini', messages, temperature: 0.2, max_tokens: 1024, user: 'user-8812' });
}

function chatResponse(rand, size) {
  return JSON.stringify({
    id: 'chatcmpl-9a8b7c6d5e4f3a2b1c0d',
    object: 'chat.completion',
    created: 1730000000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: prose(rand, size * 0.9), refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1534, completion_tokens: 712, total_tokens: 2246, prompt_tokens_details: { cached_tokens: 1024 } },
    system_fingerprint: 'fp_0ba0d124f1',
  });
}

function genAiMessages(rand, size) {
  const messages = [];
  for (let turn = 0; turn < 4; turn++) {
    messages.push({ role: 'user', parts: [{ type: 'text', content: prose(rand, size * 0.1) }] });
    messages.push({ role: 'assistant', parts: [{ type: 'text', content: prose(rand, size * 0.13) }] });
  }
  messages.push({ role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'search', arguments: { query: sentence(rand), limit: 5 } }] });
  return JSON.stringify(messages);
}

/** The benchmark corpus: 24 documents of 2–8 KB. */
function documents() {
  const rand = prng(20240601);
  const docs = [];
  const makers = [chatRequest, chatResponse, genAiMessages];
  for (let i = 0; i < 24; i++) {
    const size = 2000 + Math.floor(rand() * 5500);
    docs.push(makers[i % makers.length](rand, size));
  }
  return docs;
}

/** A document's text content as a plain-text transcript: every string value, one per line. */
function transcript(doc) {
  const lines = [];
  const visit = (value, key) => {
    if (typeof value === 'string') lines.push(`${key}: ${value}`);
    else if (Array.isArray(value)) value.forEach((v) => visit(v, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  visit(JSON.parse(doc), 'root');
  return lines.join('\n');
}

/** MB/s of `fn` over `docs`: median over trials of whole passes. */
function throughput(fn, docs) {
  const bytes = docs.reduce((sum, d) => sum + Buffer.byteLength(d, 'utf8'), 0);
  let sink = 0;
  const pass = () => {
    for (let i = 0; i < docs.length; i++) sink += fn(docs[i]).length;
  };
  // Warm up (JIT, regex compilation) and size the trial.
  let passes = 1;
  for (;;) {
    const t = process.hrtime.bigint();
    for (let p = 0; p < passes; p++) pass();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (ms >= TRIAL_MS / 3) {
      passes = Math.max(1, Math.round((passes * TRIAL_MS) / ms));
      break;
    }
    passes *= 2;
  }
  const rates = [];
  for (let t = 0; t < TRIALS; t++) {
    const start = process.hrtime.bigint();
    for (let p = 0; p < passes; p++) pass();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push((bytes * passes) / seconds / 1e6);
  }
  if (sink === 0) throw new Error('redaction produced nothing');
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

function measureRedaction() {
  const { createRedactor } = require(MODULE);
  const redactor = createRedactor();
  const docs = documents();
  // Both paths must agree before their speed means anything.
  for (const doc of docs) {
    if (JSON.stringify(JSON.parse(redactor.redactJsonText(doc))) !== JSON.stringify(redactor.redactValue(JSON.parse(doc)))) {
      throw new Error('redactJsonText disagrees with redactValue');
    }
  }
  return {
    mbPerSecJson: throughput((d) => redactor.redactJsonText(d, 'gen_ai.input.messages'), docs),
    mbPerSecText: throughput((t) => redactor.redactString(t, 'text'), docs.map(transcript)),
  };
}

module.exports = { measureRedaction, documents, transcript };

if (require.main === module) {
  const docs = documents();
  const kb = docs.reduce((sum, d) => sum + Buffer.byteLength(d, 'utf8'), 0) / 1024;
  const { mbPerSecJson, mbPerSecText } = measureRedaction();
  const ok = mbPerSecJson >= TARGET_MB_PER_SEC && mbPerSecText >= TARGET_MB_PER_SEC;
  console.log(
    `redaction: redactJsonText ${mbPerSecJson.toFixed(1)} MB/s, redactString ${mbPerSecText.toFixed(1)} MB/s ` +
      `(${docs.length} chat documents, ${kb.toFixed(0)} KiB; target >= ${TARGET_MB_PER_SEC} MB/s: ${ok ? 'met' : 'MISSED'})`,
  );
}

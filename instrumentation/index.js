'use strict';
// `node --require ./instrumentation app.js` (or `--require otel-genai-braintrust/instrumentation`):
// starts tracing before the app loads. The code is built from instrumentation/preload.ts; this file
// only guarantees that a missing or broken build costs one line on stderr, never the app.
try {
  require('../dist/instrumentation/preload.js').preloadMain();
} catch (err) {
  const reason = String((err && err.message) || err).split('\n')[0];
  process.stderr.write(`[otel-genai-braintrust] not started: ${reason}; the app runs untraced (run \`npm run build\`?)\n`);
}

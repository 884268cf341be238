// `node --import otel-genai-braintrust/instrumentation app.mjs`: the same preload as index.js.
// It is CommonJS on purpose: required before the app's ESM graph loads, it patches node:http/https
// before their ESM facades exist.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./index.js');

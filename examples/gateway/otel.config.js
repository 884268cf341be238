'use strict';
/**
 * The gateway's otel-genai-braintrust configuration (the demo passes it as OTEL_GENAI_CONFIG).
 * The built-in route table knows api.openai.com and the other providers' hosts; a provider reached
 * another way (here the demo's local upstream, mounted under /upstream/openai/) needs a route saying
 * which provider it is. Everything else keeps its default (otel.config.ts).
 */
module.exports = {
  routes: [{ host: '127.0.0.1', pathPrefix: '/upstream/openai/', provider: 'openai' }],
};

'use strict';
/** Baseline preload for the benchmark (`--require`): NodeSDK + instrumentation-http + -undici, no GenAI layer (see baseline-sdk.js). */
require('./baseline-sdk').startBaseline();

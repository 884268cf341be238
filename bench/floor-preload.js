'use strict';
/**
 * Floor preload for the gateway benchmark: the baseline (bench/baseline-sdk.js: NodeSDK +
 * instrumentation-http + instrumentation-undici) plus only the work that ANY implementation of the
 * gateway issue must do per request, with no capture at all: parse the request body, parse the
 * response (the JSON body, or every SSE event of the stream), render the input and output messages
 * as `gen_ai.*` JSON, and set the GenAI attributes on the served request's span and on its upstream
 * call's span (the second reuses the first's work, as our twin sharing does).
 *
 * The bytes are the ones the bench sends and the synthetic upstream answers (picked by the `x-bench`
 * header), so nothing is read off the wire: what this costs over the baseline is a lower bound for
 * any layer that captures, parses and annotates these calls on this machine.
 */
const { startBaseline } = require('./baseline-sdk');
const payloads = require('./payloads');

const REQUEST_BODY = { json: Buffer.from(payloads.chatRequest({ stream: false })), stream: Buffer.from(payloads.chatRequest({ stream: true })) };
const RESPONSE_BODY = Buffer.from(payloads.chatResponse());
const streams = new Map(); // content chunk count → the SSE bytes, as one buffer per event

/** The attributes of one call, by trace id: the upstream call's span takes the served request's. */
const attributesByTrace = new Map();

function callAttributes(mode) {
  const request = JSON.parse((mode === 'json' ? REQUEST_BODY.json : REQUEST_BODY.stream).toString());
  const attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': request.model,
    'gen_ai.request.temperature': request.temperature,
    'gen_ai.request.top_p': request.top_p,
    'gen_ai.request.max_tokens': request.max_tokens,
    'user.id': request.user,
  };
  const system = request.messages.filter((m) => m.role === 'system').map((m) => ({ type: 'text', content: m.content }));
  const input = request.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, parts: [{ type: 'text', content: m.content }] }));
  attributes['gen_ai.system_instructions'] = JSON.stringify(system);
  attributes['gen_ai.input.messages'] = JSON.stringify(input);

  let id, model, content, finish, usage;
  if (mode === 'json') {
    const response = JSON.parse(RESPONSE_BODY.toString());
    ({ id, model, usage } = response);
    content = response.choices[0].message.content;
    finish = response.choices[0].finish_reason;
  } else {
    const n = Number(mode.slice('stream='.length).split(',')[0]);
    if (!streams.has(n)) streams.set(n, payloads.chatStreamChunks(n));
    content = '';
    for (const chunk of streams.get(n)) {
      for (const event of chunk.toString().split('\n\n')) {
        if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
        const data = JSON.parse(event.slice(6));
        id = data.id;
        model = data.model;
        if (data.usage) usage = data.usage;
        const choice = data.choices[0];
        if (choice?.delta?.content) content += choice.delta.content;
        if (choice?.finish_reason) finish = choice.finish_reason;
      }
    }
  }
  attributes['gen_ai.response.id'] = id;
  attributes['gen_ai.response.model'] = model;
  attributes['gen_ai.response.finish_reasons'] = [finish];
  attributes['gen_ai.usage.input_tokens'] = usage.prompt_tokens;
  attributes['gen_ai.usage.output_tokens'] = usage.completion_tokens;
  attributes['gen_ai.output.messages'] = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content }], finish_reason: finish }]);
  return attributes;
}

startBaseline({
  http: {
    requestHook(span, request) {
      const mode = request.headers?.['x-bench'];
      if (typeof mode !== 'string' || request.method !== 'POST') return;
      const attributes = callAttributes(mode);
      span.setAttributes(attributes);
      const traceId = span.spanContext().traceId;
      attributesByTrace.set(traceId, attributes);
      request.once('close', () => attributesByTrace.delete(traceId));
    },
  },
  undici: {
    requestHook(span) {
      const attributes = attributesByTrace.get(span.spanContext().traceId);
      if (attributes) span.setAttributes(attributes);
    },
  },
});

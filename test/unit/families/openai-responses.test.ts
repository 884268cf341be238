import * as zlib from 'node:zlib';
import { openaiResponses as family } from '../../../src/families/openai-responses';
import type { ParseContext, StreamEvent } from '../../../src/families/family';
import type { LlmResponse, MessagePart } from '../../../src/llm-call';
import { SseDecoder } from '../../../src/wire/sse';
import { contentType, decodedResponseBytes, loadFixtures, requestJson, wireResponseBytes, type Fixture } from '../../helpers/fixtures';

const ctx: ParseContext = { captureContent: true, maxContentChars: 1_000_000 };
const noContent: ParseContext = { captureContent: false, maxContentChars: 1_000_000 };

const fixtures = loadFixtures('openai').filter((f) => new URL(f.request.url).pathname.endsWith('/responses'));
const jsonFixtures = fixtures.filter((f) => contentType(f) !== 'text/event-stream');
const sseFixtures = fixtures.filter((f) => contentType(f) === 'text/event-stream');

/** Lenient decompression: some recordings lost the gzip trailer or were cut mid-body. */
function responseText(f: Fixture): string {
  try {
    return decodedResponseBytes(f).toString('utf8');
  } catch {
    return zlib.gunzipSync(wireResponseBytes(f), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
  }
}

function responseJson(f: Fixture): any | undefined {
  try {
    return JSON.parse(responseText(f));
  } catch {
    return undefined;
  }
}

function runStream(bytes: Buffer, c: ParseContext, chunkSize = 53): LlmResponse {
  const reducer = family.createStreamReducer(c);
  const decoder = new SseDecoder((e) => {
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch {
      data = e.data;
    }
    const event: StreamEvent = { data };
    if (e.event) event.event = e.event;
    reducer.push(event);
  });
  for (let i = 0; i < bytes.length; i += chunkSize) decoder.push(bytes.subarray(i, i + chunkSize));
  decoder.end();
  return reducer.finish();
}

function sseEvents(text: string): any[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d));
}

function feed(...data: unknown[]): LlmResponse {
  const reducer = family.createStreamReducer(ctx);
  for (const d of data) reducer.push({ data: d });
  return reducer.finish();
}

const CLIENT_CALLS = ['function_call', 'custom_tool_call', 'computer_call', 'local_shell_call', 'mcp_approval_request'];

/** What the test expects each output item to become, read straight from the fixture item. */
function expectedParts(item: any): MessagePart[] {
  switch (item.type) {
    case 'message':
      return item.content.map((c: any) => (c.type === 'refusal' ? { type: 'refusal', content: c.refusal } : { type: 'text', content: c.text }));
    case 'function_call':
      return [{ type: 'tool_call', id: item.call_id, name: item.name, arguments: JSON.parse(item.arguments) }];
    case 'custom_tool_call':
      return [{ type: 'tool_call', id: item.call_id, name: item.name, arguments: item.input }];
    case 'reasoning':
      return item.summary.map((s: any) => ({ type: 'reasoning', content: s.text }));
    default:
      return [expect.objectContaining({ type: 'tool_call', id: item.call_id ?? item.id, name: item.type })];
  }
}

describe('openai.responses fixtures: requests', () => {
  test.each(fixtures.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const req = requestJson(f);
    const parsed = family.parseRequest(req, ctx);
    expect(parsed.operation).toBe('chat');
    expect(parsed.model).toBe(req.model);
    expect(parsed.stream).toBe(req.stream);
    expect(parsed.maxTokens).toBe(req.max_output_tokens);
    expect(parsed.temperature).toBe(req.temperature);
    expect(parsed.topP).toBe(req.top_p);
    const format = req.text?.format?.type;
    expect(parsed.outputType).toBe(format === undefined ? undefined : format === 'text' ? 'text' : 'json');
    expect(parsed.toolDefinitions).toEqual(req.tools);
    expect(parsed.systemInstructions).toEqual(typeof req.instructions === 'string' ? [{ type: 'text', content: req.instructions }] : undefined);

    const messages = parsed.inputMessages!;
    const allParts = (role: string) => messages.filter((m) => m.role === role).flatMap((m) => m.parts);
    if (typeof req.input === 'string') {
      expect(messages).toEqual([{ role: 'user', parts: [{ type: 'text', content: req.input }] }]);
    } else {
      for (const item of req.input) {
        if (item.role) {
          const texts = typeof item.content === 'string' ? [item.content] : item.content.filter((c: any) => c.type === 'input_text').map((c: any) => c.text);
          for (const t of texts) expect(allParts(item.role)).toContainEqual({ type: 'text', content: t });
          for (const img of typeof item.content === 'string' ? [] : item.content.filter((c: any) => c.type === 'input_image')) {
            expect(allParts(item.role)).toContainEqual({ type: 'uri', modality: 'image', uri: img.image_url });
          }
        } else if (item.type === 'function_call') {
          expect(allParts('assistant')).toContainEqual({ type: 'tool_call', id: item.call_id, name: item.name, arguments: JSON.parse(item.arguments) });
        } else if (item.type === 'function_call_output') {
          expect(allParts('tool')).toContainEqual({ type: 'tool_call_response', id: item.call_id, response: item.output });
        } else if (item.type === 'mcp_approval_response') {
          expect(allParts('tool')).toContainEqual(expect.objectContaining({ type: 'tool_call_response', id: item.approval_request_id }));
        } else {
          expect(allParts('assistant')).toContainEqual(expect.objectContaining({ type: 'tool_call', name: item.type, id: item.id }));
        }
      }
    }

    const bare = family.parseRequest(req, noContent);
    expect(bare.inputMessages).toBeUndefined();
    expect(bare.systemInstructions).toBeUndefined();
    expect(bare.toolDefinitions).toBeUndefined();
    expect(bare.model).toBe(req.model);
  });
});

describe('openai.responses fixtures: JSON responses', () => {
  test.each(jsonFixtures.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const body = responseJson(f);
    if (body === undefined) {
      // Recorded body cut short: nothing to parse (the runtime would not call the parser).
      expect(() => JSON.parse(responseText(f))).toThrow();
      return;
    }
    const parsed = family.parseResponse(body, ctx);
    expect(parsed.id).toBe(body.id);
    expect(parsed.model).toBe(body.model);
    expect(parsed.usage?.inputTokens).toBe(body.usage.input_tokens);
    expect(parsed.usage?.outputTokens).toBe(body.usage.output_tokens);
    expect(parsed.usage?.cacheReadInputTokens).toBe(body.usage.input_tokens_details?.cached_tokens);
    expect(parsed.usage?.reasoningOutputTokens).toBe(body.usage.output_tokens_details?.reasoning_tokens);
    expect(parsed.finishReasons).toEqual([body.status === 'incomplete' ? body.incomplete_details.reason : body.status]);
    expect(parsed.outputMessages).toHaveLength(1);
    const out = parsed.outputMessages![0]!;
    expect(out.role).toBe('assistant');
    expect(out.parts).toEqual(body.output.flatMap(expectedParts));
    const hasClientCall = body.output.some((i: any) => CLIENT_CALLS.includes(i.type));
    expect(out.finish_reason).toBe(hasClientCall ? 'tool_call' : 'stop');
    for (const item of body.output) {
      // Hosted-tool results never reach the parts.
      if (typeof item.result === 'string' && item.result.length > 3) expect(JSON.stringify(out)).not.toContain(item.result);
      for (const r of item.results ?? []) expect(JSON.stringify(out)).not.toContain(r.text);
    }

    const bare = family.parseResponse(body, noContent);
    expect(bare.outputMessages).toBeUndefined();
    expect(bare.usage).toEqual(parsed.usage);
    expect(bare.finishReasons).toEqual(parsed.finishReasons);
  });
});

describe('openai.responses fixtures: streams', () => {
  test.each(sseFixtures.map((f) => [f.id, f] as const))('%s', (_id, f) => {
    const bytes = decodedResponseBytes(f);
    const text = bytes.toString('utf8');
    const events = sseEvents(text);
    const created = events.find((e) => e.type === 'response.created').response;
    const final = events.find((e) => e.type === 'response.completed').response;
    const deltaText = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    const finalText = final.output.filter((i: any) => i.type === 'message').flatMap((i: any) => i.content).map((c: any) => c.text).join('');
    expect(deltaText).toBe(finalText); // the recording is self-consistent

    const parsed = runStream(bytes, ctx);
    expect(parsed.id).toBe(final.id);
    expect(parsed.model).toBe(final.model);
    expect(parsed.usage?.inputTokens).toBe(final.usage.input_tokens);
    expect(parsed.usage?.outputTokens).toBe(final.usage.output_tokens);
    expect(parsed.usage?.cacheReadInputTokens).toBe(final.usage.input_tokens_details?.cached_tokens);
    expect(parsed.finishReasons).toEqual(final.status ? [final.status] : undefined);
    expect(parsed.outputMessages).toHaveLength(1);
    expect(parsed.outputMessages![0]!.parts).toEqual([{ type: 'text', content: finalText }]);
    expect(parsed.contentTruncated).toBeUndefined();

    const bare = runStream(bytes, noContent);
    expect(bare.outputMessages).toBeUndefined();
    expect(bare.usage).toEqual(parsed.usage);

    // Cut before the terminal event: fall back to the deltas.
    const cutAt = text.lastIndexOf('\n', text.indexOf('"type":"response.completed"'));
    const cut = runStream(Buffer.from(text.slice(0, cutAt), 'utf8'), ctx);
    expect(cut.id).toBe(created.id);
    expect(cut.model).toBe(created.model);
    expect(cut.usage).toBeUndefined();
    expect(cut.finishReasons).toBeUndefined();
    expect(cut.outputMessages![0]!.parts).toEqual([{ type: 'text', content: deltaText }]);
    expect(cut.outputMessages![0]!.finish_reason).toBe('unknown');

    // A small budget truncates the final text and says so.
    const small = runStream(bytes, { captureContent: true, maxContentChars: Math.floor(finalText.length / 2) });
    expect(small.contentTruncated).toBe(true);
    expect(small.outputMessages![0]!.parts).toEqual([{ type: 'text', content: finalText.slice(0, Math.floor(finalText.length / 2)) }]);
  });
});

describe('openai.responses: documented request shapes', () => {
  test('conversation, safety_identifier, json_schema format, instructions, previous_response_id', () => {
    const r = family.parseRequest(
      {
        model: 'gpt-5',
        conversation: 'conv_689667905b048191b4740501625afd940c7533ace33a2dab',
        previous_response_id: 'resp_123',
        safety_identifier: 'user_hash',
        instructions: 'Talk like a pirate.',
        text: { format: { type: 'json_schema', name: 'x', schema: {} } },
        max_output_tokens: 1024,
        input: 'Are semicolons optional in JavaScript?',
      },
      ctx,
    );
    expect(r.conversationId).toBe('conv_689667905b048191b4740501625afd940c7533ace33a2dab');
    expect(r.userId).toBe('user_hash');
    expect(r.outputType).toBe('json');
    expect(r.maxTokens).toBe(1024);
    expect(r.systemInstructions).toEqual([{ type: 'text', content: 'Talk like a pirate.' }]);
    expect(family.parseRequest({ conversation: { id: 'conv_abc' } }, ctx).conversationId).toBe('conv_abc');
    // previous_response_id changes every turn: it does not name a conversation.
    expect(family.parseRequest({ previous_response_id: 'resp_1' }, ctx).conversationId).toBeUndefined();
    expect(family.parseRequest({ text: { format: { type: 'json_object' } } }, ctx).outputType).toBe('json');
  });

  test('input items: files, data-URL images, reasoning echo, custom tool output, screenshot output, item_reference', () => {
    const screenshot = 'data:image/png;base64,' + 'A'.repeat(5000);
    const r = family.parseRequest(
      {
        model: 'gpt-5',
        input: [
          { role: 'developer', content: 'Only answer in French.' },
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_text', text: 'Summarise' },
              { type: 'input_file', file_id: 'file-6F2ksmvXxt4VdoqmHRw6kL' },
              { type: 'input_file', filename: 'draconomicon.pdf', file_data: 'data:application/pdf;base64,JVBERi0x' },
              { type: 'input_file', file_url: 'https://www.berkshirehathaway.com/letters/2024ltr.pdf' },
              { type: 'input_image', image_url: 'data:image/jpeg;base64,/9j/4AAQ' },
              { type: 'input_image', file_id: 'file-img' },
            ],
          },
          { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Plan: read it.' }], encrypted_content: 'gAAAAsecret' },
          { type: 'custom_tool_call', call_id: 'call_c', name: 'code_exec', input: 'print(1)' },
          { type: 'custom_tool_call_output', call_id: 'call_c', output: '1' },
          { type: 'computer_call', call_id: 'call_cu', action: { type: 'screenshot' } },
          { type: 'computer_call_output', call_id: 'call_cu', output: { type: 'computer_screenshot', image_url: screenshot, file_id: 'file-shot' } },
          { type: 'item_reference', id: 'msg_old' },
        ],
      },
      ctx,
    );
    const m = r.inputMessages!;
    expect(m[0]).toEqual({ role: 'developer', parts: [{ type: 'text', content: 'Only answer in French.' }] });
    expect(m[1]!.parts).toEqual([
      { type: 'text', content: 'Summarise' },
      { type: 'file', modality: 'document', file_id: 'file-6F2ksmvXxt4VdoqmHRw6kL' },
      { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBERi0x' },
      { type: 'uri', modality: 'document', uri: 'https://www.berkshirehathaway.com/letters/2024ltr.pdf' },
      { type: 'blob', modality: 'image', mime_type: 'image/jpeg', content: '/9j/4AAQ' },
      { type: 'file', modality: 'image', file_id: 'file-img' },
    ]);
    expect(m[2]).toEqual({
      role: 'assistant',
      parts: [
        { type: 'reasoning', content: 'Plan: read it.' },
        { type: 'tool_call', id: 'call_c', name: 'code_exec', arguments: 'print(1)' },
      ],
    });
    expect(m[3]).toEqual({ role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_c', response: '1' }] });
    expect(m[4]).toEqual({ role: 'assistant', parts: [{ type: 'tool_call', id: 'call_cu', name: 'computer_call', arguments: { action: { type: 'screenshot' } } }] });
    expect(m[5]).toEqual({ role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_cu', response: { type: 'computer_screenshot', file_id: 'file-shot' } }] });
    expect(m[6]).toEqual({ role: 'user', parts: [{ type: 'item_reference', id: 'msg_old' }] });
    const json = JSON.stringify(r);
    expect(json).not.toContain('gAAAAsecret');
    expect(json).not.toContain('AAAAAAAAAA');
  });

  test('function_call_output given as content parts', () => {
    const r = family.parseRequest({ input: [{ type: 'function_call_output', call_id: 'c', output: [{ type: 'input_text', text: 'sunny' }] }] }, ctx);
    expect(r.inputMessages).toEqual([{ role: 'tool', parts: [{ type: 'tool_call_response', id: 'c', response: 'sunny' }] }]);
  });
});

describe('openai.responses: documented response shapes', () => {
  test('reasoning model: summary, message, reasoning and cached tokens', () => {
    const r = family.parseResponse(
      {
        id: 'resp_r',
        object: 'response',
        status: 'completed',
        model: 'o4-mini-2025-04-16',
        output: [
          { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: '**Answering**' }, { type: 'summary_text', text: 'Then more.' }], encrypted_content: 'gAAAAhidden' },
          { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Done.', annotations: [] }] },
        ],
        usage: { input_tokens: 75, input_tokens_details: { cached_tokens: 64 }, output_tokens: 1186, output_tokens_details: { reasoning_tokens: 1024 }, total_tokens: 1261 },
      },
      ctx,
    );
    expect(r.usage).toEqual({ inputTokens: 75, outputTokens: 1186, cacheReadInputTokens: 64, reasoningOutputTokens: 1024 });
    expect(r.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: '**Answering**' },
          { type: 'reasoning', content: 'Then more.' },
          { type: 'text', content: 'Done.' },
        ],
        finish_reason: 'stop',
      },
    ]);
    expect(JSON.stringify(r)).not.toContain('gAAAAhidden');
  });

  test.each([
    ['max_output_tokens', 'length'],
    ['content_filter', 'content_filter'],
  ])('incomplete (%s) → %s', (reason, mapped) => {
    const r = family.parseResponse({ id: 'r', status: 'incomplete', incomplete_details: { reason }, output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Partial' }] }] }, ctx);
    expect(r.finishReasons).toEqual([reason]);
    expect(r.outputMessages![0]!.finish_reason).toBe(mapped);
  });

  test('failed response carries its error; refusal content', () => {
    const r = family.parseResponse(
      { id: 'r', status: 'failed', error: { code: 'server_error', message: 'The model failed' }, output: [{ type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot help.' }] }] },
      ctx,
    );
    expect(r.error).toEqual({ type: 'server_error', message: 'The model failed' });
    expect(r.finishReasons).toEqual(['failed']);
    expect(r.outputMessages![0]).toEqual({ role: 'assistant', parts: [{ type: 'refusal', content: 'I cannot help.' }], finish_reason: 'error' });
  });

  test('hosted tools: small fields only, never base64 results', () => {
    const b64 = 'iVBORw0KGgo' + 'B'.repeat(10_000);
    const r = family.parseResponse(
      {
        status: 'completed',
        output: [
          { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'positive news', sources: [{ type: 'url', url: 'https://x' }] } },
          { type: 'image_generation_call', id: 'ig_1', status: 'completed', revised_prompt: 'A cat', result: b64 },
          { type: 'code_interpreter_call', id: 'ci_1', status: 'completed', code: 'print(2)', container_id: 'cntr_1', outputs: [{ type: 'logs', logs: 'huge logs' }] },
          { type: 'mcp_call', id: 'mcp_1', name: 'roll', server_label: 'dmcp', arguments: '{"expr":"2d4"}', output: '5', error: null },
          { type: 'mcp_list_tools', id: 'mcpl_1', server_label: 'dmcp', tools: [{ name: 'roll', input_schema: { big: true } }, { name: 'stats' }] },
          { type: 'brand_new_item', id: 'x_1', flag: true, payload: { deep: 1 } },
        ],
      },
      ctx,
    );
    const parts = r.outputMessages![0]!.parts;
    expect(parts).toEqual([
      { type: 'tool_call', id: 'ws_1', name: 'web_search_call', arguments: { action: { type: 'search', query: 'positive news' } } },
      { type: 'tool_call', id: 'ig_1', name: 'image_generation_call', arguments: { revised_prompt: 'A cat' } },
      { type: 'tool_call', id: 'ci_1', name: 'code_interpreter_call', arguments: { code: 'print(2)', container_id: 'cntr_1' } },
      { type: 'tool_call', id: 'mcp_1', name: 'mcp_call', arguments: { name: 'roll', server_label: 'dmcp', output: '5', arguments: { expr: '2d4' } } },
      { type: 'tool_call', id: 'mcpl_1', name: 'mcp_list_tools', arguments: { server_label: 'dmcp', tools: ['roll', 'stats'] } },
      { type: 'brand_new_item', id: 'x_1', flag: true },
    ]);
    expect(JSON.stringify(r)).not.toContain('BBBBBBBBBB');
    expect(r.outputMessages![0]!.finish_reason).toBe('stop');
  });
});

describe('openai.responses: documented stream events', () => {
  const created = { type: 'response.created', sequence_number: 0, response: { id: 'resp_s', object: 'response', status: 'in_progress', model: 'gpt-5-2025-08-07', output: [] } };

  test('function call streamed as argument deltas, cut before completion', () => {
    const r = feed(
      created,
      { type: 'response.output_item.added', output_index: 0, item: { type: 'reasoning', id: 'rs_1', summary: [] } },
      { type: 'response.reasoning_summary_text.delta', item_id: 'rs_1', output_index: 0, summary_index: 0, delta: 'Need ' },
      { type: 'response.reasoning_summary_text.delta', item_id: 'rs_1', output_index: 0, summary_index: 0, delta: 'weather.' },
      { type: 'response.output_item.added', output_index: 1, item: { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '' } },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 1, delta: '{"location":' },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 1, delta: '"Paris"}' },
      { type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 1, arguments: '{"location":"Paris"}' },
    );
    expect(r.id).toBe('resp_s');
    expect(r.model).toBe('gpt-5-2025-08-07');
    expect(r.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'Need weather.' },
          { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { location: 'Paris' } },
        ],
        finish_reason: 'unknown',
      },
    ]);
  });

  test('refusal deltas, hosted tool from output_item.done, then response.incomplete wins', () => {
    const partial = feed(
      created,
      { type: 'response.output_item.added', output_index: 0, item: { type: 'web_search_call', id: 'ws_1', status: 'in_progress' } },
      { type: 'response.web_search_call.searching', output_index: 0, item_id: 'ws_1' },
      { type: 'response.output_item.done', output_index: 0, item: { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'q' } } },
      { type: 'response.output_item.added', output_index: 1, item: { type: 'message', id: 'msg_1', role: 'assistant', content: [] } },
      { type: 'response.refusal.delta', item_id: 'msg_1', output_index: 1, content_index: 0, delta: "I can't" },
      { type: 'response.refusal.delta', item_id: 'msg_1', output_index: 1, content_index: 0, delta: ' do that.' },
    );
    expect(partial.outputMessages![0]!.parts).toEqual([
      { type: 'tool_call', id: 'ws_1', name: 'web_search_call', arguments: { action: { type: 'search', query: 'q' } } },
      { type: 'refusal', content: "I can't do that." },
    ]);

    const done = feed(
      created,
      { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'Once upon' },
      {
        type: 'response.incomplete',
        response: {
          id: 'resp_s',
          model: 'gpt-5-2025-08-07',
          status: 'incomplete',
          incomplete_details: { reason: 'max_output_tokens' },
          output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Once upon a' }] }],
          usage: { input_tokens: 5, output_tokens: 16, output_tokens_details: { reasoning_tokens: 0 } },
        },
      },
    );
    expect(done.finishReasons).toEqual(['max_output_tokens']);
    expect(done.usage).toEqual({ inputTokens: 5, outputTokens: 16, reasoningOutputTokens: 0 });
    expect(done.outputMessages).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: 'Once upon a' }], finish_reason: 'length' }]);
  });

  test('error event and response.failed', () => {
    const a = feed(created, { type: 'error', code: 'ERR_SOMETHING', message: 'Something went wrong', param: null, sequence_number: 1 });
    expect(a.error).toEqual({ type: 'ERR_SOMETHING', message: 'Something went wrong' });
    expect(a.id).toBe('resp_s');

    const b = feed(created, { type: 'response.failed', response: { id: 'resp_s', status: 'failed', error: { code: 'server_error', message: 'Model crashed' }, output: [] } });
    expect(b.error).toEqual({ type: 'server_error', message: 'Model crashed' });
    expect(b.finishReasons).toEqual(['failed']);
    expect(b.outputMessages).toEqual([{ role: 'assistant', parts: [], finish_reason: 'error' }]);
  });

  test('events named only by the SSE event field, and text only in output_text.done', () => {
    const reducer = family.createStreamReducer(ctx);
    reducer.push({ event: 'response.created', data: { response: { id: 'resp_e', model: 'm' } } });
    reducer.push({ event: 'response.output_text.done', data: { output_index: 0, content_index: 0, text: 'Whole text' } });
    const r = reducer.finish();
    expect(r.id).toBe('resp_e');
    expect(r.outputMessages![0]!.parts).toEqual([{ type: 'text', content: 'Whole text' }]);
  });

  test('budget applies to deltas of a cut stream', () => {
    const reducer = family.createStreamReducer({ captureContent: true, maxContentChars: 5 });
    reducer.push({ data: { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'abc' } });
    reducer.push({ data: { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'defgh' } });
    const r = reducer.finish();
    expect(r.contentTruncated).toBe(true);
    expect(r.outputMessages![0]!.parts).toEqual([{ type: 'text', content: 'abcde' }]);
  });

  test('captureContent=false: no messages, still id, usage and finish reason', () => {
    const reducer = family.createStreamReducer(noContent);
    reducer.push({ data: created });
    reducer.push({ data: { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'secret' } });
    reducer.push({ data: { type: 'response.completed', response: { id: 'resp_s', model: 'gpt-5', status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text: 'secret' }] }], usage: { input_tokens: 1, output_tokens: 2 } } } });
    expect(reducer.finish()).toEqual({ id: 'resp_s', model: 'gpt-5', finishReasons: ['completed'], usage: { inputTokens: 1, outputTokens: 2 } });
  });
});

describe('openai.responses: errors and robustness', () => {
  test('error bodies', () => {
    expect(family.parseError({ error: { message: 'Invalid type for input', type: 'invalid_request_error', param: 'input', code: 'invalid_type' } })).toEqual({
      type: 'invalid_type',
      message: 'Invalid type for input',
    });
    expect(family.parseError({ error: { message: 'No such conversation', type: 'invalid_request_error', param: null, code: null } })).toEqual({
      type: 'invalid_request_error',
      message: 'No such conversation',
    });
    expect(family.parseError('x')).toBeUndefined();
  });

  const garbage: unknown[] = [null, undefined, 42, 'x', [], {}, { output: 'no' }, { output: [null, 1, { type: 5 }, { type: 'message', content: 'str' }] }, { input: [null, 3, { type: 'function_call' }] }, { instructions: [1] }];
  test.each(garbage.map((g) => [JSON.stringify(g) ?? 'undefined', g] as const))('no throw on %s', (_n, g) => {
    expect(() => family.parseRequest(g, ctx)).not.toThrow();
    expect(() => family.parseResponse(g, ctx)).not.toThrow();
    expect(() => family.parseError(g)).not.toThrow();
    const reducer = family.createStreamReducer(ctx);
    expect(() => {
      reducer.push({ data: g });
      reducer.push({ data: { type: 'response.output_text.delta', output_index: g, delta: g } });
      reducer.push({ data: { type: 'response.completed', response: g } });
      reducer.push({ event: 'unknown.event', data: g });
    }).not.toThrow();
    expect(() => reducer.finish()).not.toThrow();
  });

  test('garbage yields nothing invented', () => {
    expect(family.parseRequest(42, ctx)).toEqual({ operation: 'chat' });
    expect(family.parseResponse([], ctx)).toEqual({});
    expect(feed('[DONE]', { type: 'response.whatever' }, 7)).toEqual({});
  });
});

/**
 * Telemetry code runs inside the app's calls (span processors inside startSpan()/end(), channel
 * subscribers inside undici): whatever goes wrong in it must not reach the app.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { Context, Span } from '@opentelemetry/api';
import { CallTracker } from '../../instrumentation/call-tracker';
import { GenAiSpanProcessor } from '../../instrumentation/span-processor';
import { resolveConfig } from '../../src/config';

test('GenAiSpanProcessor never throws into startSpan()/end(), whatever the tracker does', () => {
  const boom = () => {
    throw new Error('tracker bug');
  };
  const tracker = Object.assign(new CallTracker(resolveConfig({}, {}).config), { onSpanStart: boom, onSpanEnding: boom, onSpanEnd: boom });
  const processor = new GenAiSpanProcessor(tracker);
  const span = {} as Span;
  expect(() => processor.onStart(span, {} as Context)).not.toThrow();
  expect(() => processor.onEnding(span)).not.toThrow();
  expect(() => processor.onEnd(span)).not.toThrow();
});

test('a malformed undici channel message never surfaces as an uncaught exception', () => {
  // In a plain Node process (jest reroutes process events): Node re-throws a channel subscriber's
  // exception on the next tick, as an uncaught exception that would crash the app.
  const script = `
    const dc = require('node:diagnostics_channel');
    const { FetchCapture } = require('./dist/instrumentation/fetch-capture.js');
    const { CallTracker } = require('./dist/instrumentation/call-tracker.js');
    const { resolveConfig } = require('./dist/src/config.js');
    process.on('uncaughtException', (err) => { console.log('uncaught: ' + err.message); });
    new FetchCapture(new CallTracker(resolveConfig({}, {}).config)).enable();
    dc.channel('undici:request:headers').publish({ get request() { throw new Error('hostile message'); } });
    setImmediate(() => console.log('done'));
  `;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8' });
  expect(out.trim().split('\n')).toEqual(['done']);
});

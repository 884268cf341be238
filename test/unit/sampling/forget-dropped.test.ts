import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { context, trace } from '@opentelemetry/api';
import { BraintrustSpanProcessor } from '../../../exporters/braintrust-processor';
import { defaultConfig } from '../../../otel.config';
import { OutcomeSamplingSpanProcessor } from '../../../src/sampling/outcome-sampling-processor';

test('a trace sampling drops is forgotten by the Braintrust processor too (no span-start state left behind)', async () => {
  const recordsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'forget-')), 'records.jsonl');
  const braintrust = new BraintrustSpanProcessor({ apiKey: '', recordsFile, log: () => {} });
  const sampler = new OutcomeSamplingSpanProcessor([braintrust as never], { ...defaultConfig.sampling, ratio: 0 } as never);
  const provider = new BasicTracerProvider({ spanProcessors: [sampler as never] });
  const tracer = provider.getTracer('t');
  const treeSize = () => (braintrust.exporter as unknown as { tree: { size: number } }).tree.size;
  for (let i = 0; i < 20; i++) {
    const root = tracer.startSpan('POST /v1/chat/completions', { kind: 1 });
    const child = tracer.startSpan('chat gpt-4o', { kind: 2, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' } }, trace.setSpan(context.active(), root));
    child.end();
    root.end();
  }
  expect(sampler.stats.dropped).toBe(20);
  expect(treeSize()).toBe(0);
  await provider.shutdown();
  expect(fs.existsSync(recordsFile) ? fs.readFileSync(recordsFile, 'utf8') : '').toBe('');
});

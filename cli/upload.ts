/**
 * `upload FILE`: sends a local records file to Braintrust. Idempotent: record ids are OTel span ids,
 * and the insert API replaces a row with the same id, so uploading twice creates no duplicates.
 * Streams the file with backpressure: memory stays at about two batches whatever the file size.
 */
import { Delivery, type LogFn } from '../exporters/delivery/delivery';
import { HttpTransport } from '../exporters/delivery/http-transport';
import { resolveExporterOptions } from '../exporters/options';
import { readRecords, type OnBadLine } from './records-file';

export interface UploadResult {
  sent: number;
  dropped: number;
  destination: string;
}

type Env = Record<string, string | undefined>;

export async function uploadFile(file: string, options: { project?: string; onBadLine: OnBadLine; log: LogFn; env?: Env }): Promise<UploadResult> {
  const resolved = resolveExporterOptions(options.project ? { project: options.project } : {}, options.env ?? process.env);
  const { destination, settings } = resolved;
  if (destination.kind !== 'braintrust') throw new Error('BRAINTRUST_API_KEY is not set: there is nowhere to upload to');
  const transport = new HttpTransport({ apiKey: destination.apiKey, apiUrl: destination.apiUrl, project: destination.project, requestTimeoutMs: settings.requestTimeoutMs });
  // Never give up on a queue-full drop here: the file is read only as fast as batches go out.
  const delivery = new Delivery(transport, { ...settings, maxQueueBytes: Number.MAX_SAFE_INTEGER }, options.log);
  for await (const record of readRecords(file, options.onBadLine)) {
    delivery.enqueue(JSON.stringify(record));
    if (delivery.queuedBytes >= settings.maxBatchBytes || delivery.queuedRecords >= settings.maxBatchRecords) await delivery.flush(Number.MAX_SAFE_INTEGER);
  }
  await delivery.shutdown(settings.retryDeadlineMs + settings.requestTimeoutMs);
  const dropped = Object.values(delivery.stats.dropped).reduce((a, b) => a + b, 0);
  return { sent: delivery.stats.sent, dropped, destination: transport.description };
}

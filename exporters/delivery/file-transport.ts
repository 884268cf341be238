/**
 * The local default without a Braintrust key: the same records, one JSON object per line, appended
 * to a file (`./llm-records.jsonl`), which `otel-genai-braintrust summary` reads and `upload` sends
 * to Braintrust later (idempotently: record ids are span ids).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SendResult, Transport } from './transport';

export class FileTransport implements Transport {
  readonly description: string;
  private readonly file: string;
  private dirReady: Promise<unknown> | undefined;

  constructor(file: string) {
    this.file = path.resolve(file);
    this.description = `local file ${this.file}`;
  }

  async send(records: readonly string[]): Promise<SendResult> {
    try {
      await (this.dirReady ??= fs.mkdir(path.dirname(this.file), { recursive: true }));
      await fs.appendFile(this.file, `${records.join('\n')}\n`, 'utf8');
      return { ok: true };
    } catch (err) {
      this.dirReady = undefined;
      // Disk full or a read-only directory will not fix itself within a retry deadline.
      return { ok: false, retryable: false, message: `cannot write ${this.file}: ${(err as Error).message}` };
    }
  }
}

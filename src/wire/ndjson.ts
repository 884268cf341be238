import { StringDecoder } from 'node:string_decoder';

/**
 * Incremental newline-delimited JSON decoder (`application/x-ndjson`, `application/stream+json`,
 * e.g. Cohere v1 chat streams): feed bytes in any chunking, receive one value per line.
 * UTF-8 sequences split across chunks are reassembled, `\r\n` line ends are accepted, blank lines are
 * skipped, and a line that is not JSON is passed on as its raw string. Memory is the current
 * unterminated line only.
 */
export class NdjsonDecoder {
  private readonly text = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onLine: (value: unknown) => void) {}

  push(chunk: Uint8Array | string): void {
    const input = typeof chunk === 'string' ? chunk : this.text.write(chunk as Buffer);
    if (input.length === 0) return;
    const buffer = this.pending + input;
    let start = 0;
    for (let lf = buffer.indexOf('\n'); lf !== -1; lf = buffer.indexOf('\n', start)) {
      this.line(buffer.slice(start, lf));
      start = lf + 1;
    }
    this.pending = start === 0 ? buffer : buffer.slice(start);
  }

  /** End of input: a last line without its newline is still delivered (truncated streams). */
  end(): void {
    const rest = this.pending + this.text.end();
    this.pending = '';
    if (rest.length > 0) this.line(rest);
  }

  private line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = line;
    }
    this.onLine(value);
  }
}

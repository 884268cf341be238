import { StringDecoder } from 'node:string_decoder';

/** One dispatched server-sent event: its `event:` name (if any) and its joined `data:` lines. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Incremental `text/event-stream` decoder (WHATWG HTML § 9.2.6): feed bytes in any chunking,
 * receive events as they complete. Handles `\n`, `\r\n` and `\r` line ends, multi-line `data:`,
 * comments, and UTF-8 sequences split across chunks. Memory is the current unterminated line only.
 */
export class SseDecoder {
  private readonly text = new StringDecoder('utf8');
  private pending = '';
  private eventName: string | undefined;
  private data: string[] = [];
  /** A `\r` ended the previous chunk: a `\n` starting the next one belongs to it. */
  private skipLeadingLf = false;

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  push(chunk: Uint8Array | string): void {
    let input = typeof chunk === 'string' ? chunk : this.text.write(chunk as Buffer);
    // No text yet (empty chunk, or only part of a UTF-8 sequence): keep a pending CR's LF-skip for the next chunk.
    if (input.length === 0) return;
    if (this.skipLeadingLf && input.startsWith('\n')) input = input.slice(1);
    this.skipLeadingLf = false;
    const buffer = this.pending + input;
    let start = 0;
    // Next CR and LF at or after `start`, searched again only once passed: re-searching for a CR
    // that is not there (the usual LF-only stream) would rescan the rest of the batch on every line.
    let cr = -2;
    let lf = -2;
    for (;;) {
      if (lf !== -1 && lf < start) lf = buffer.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 === buffer.length) {
          this.skipLeadingLf = true;
          next = cr + 1;
        } else {
          next = buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
        }
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else {
        break;
      }
      this.line(buffer.slice(start, end));
      start = next;
    }
    this.pending = start === 0 ? buffer : buffer.slice(start);
  }

  /** End of input: a final event without its blank line is still dispatched (truncated streams). */
  end(): void {
    const rest = this.pending + this.text.end();
    this.pending = '';
    if (rest.length > 0) this.line(rest);
    this.dispatch();
  }

  private line(line: string): void {
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return; // comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* ' ' */) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventName = value;
    // `id` and `retry` carry nothing we report.
  }

  private dispatch(): void {
    if (this.data.length > 0) {
      const event: SseEvent = { data: this.data.length === 1 ? this.data[0]! : this.data.join('\n') };
      if (this.eventName) event.event = this.eventName;
      this.onEvent(event);
    }
    this.data = [];
    this.eventName = undefined;
  }
}

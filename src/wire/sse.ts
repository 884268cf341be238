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
  /** The event's `data:` lines: most events have one, kept as a string; more go into a list. */
  private data: string | undefined;
  private moreData: string[] | undefined;
  /** A `\r` ended the previous chunk: a `\n` starting the next one belongs to it. */
  private skipLeadingLf = false;

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  push(chunk: Uint8Array | string): void {
    let input = typeof chunk === 'string' ? chunk : this.text.write(chunk as Buffer);
    // No text yet (empty chunk, or only part of a UTF-8 sequence): keep a pending CR's LF-skip for the next chunk.
    if (input.length === 0) return;
    if (this.skipLeadingLf && input.startsWith('\n')) input = input.slice(1);
    this.skipLeadingLf = false;
    const buffer = this.pending.length === 0 ? input : this.pending + input;
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
      this.line(buffer, start, end);
      start = next;
    }
    this.pending = start === 0 ? buffer : buffer.slice(start);
  }

  /** End of input: a final event without its blank line is still dispatched (truncated streams). */
  end(): void {
    const rest = this.pending + this.text.end();
    this.pending = '';
    if (rest.length > 0) this.line(rest, 0, rest.length);
    this.dispatch();
  }

  /**
   * The line `text[start, end)`, read in place: only a field's value becomes a string of its own, and
   * nothing is searched past the line's end (a body of colon-less lines stays linear).
   */
  private line(text: string, start: number, end: number): void {
    if (start === end) {
      this.dispatch();
      return;
    }
    let at: number;
    let isData: boolean;
    if (text.startsWith('data', start)) {
      isData = true;
      at = start + 4;
    } else if (text.startsWith('event', start)) {
      isData = false;
      at = start + 5;
    } else {
      return; // comments (`:`), `id`, `retry`, other fields: nothing we report
    }
    if (at < end) {
      if (text.charCodeAt(at) !== 58 /* ':' */) return; // a longer field name (`dataX`)
      at++;
      if (at < end && text.charCodeAt(at) === 32 /* ' ' */) at++;
    }
    const value = at >= end ? '' : text.slice(at, end);
    if (!isData) this.eventName = value;
    else if (this.data === undefined) this.data = value;
    else (this.moreData ??= []).push(value);
  }

  private dispatch(): void {
    if (this.data !== undefined) {
      const event: SseEvent = { data: this.moreData ? [this.data, ...this.moreData].join('\n') : this.data };
      if (this.eventName) event.event = this.eventName;
      this.onEvent(event);
    }
    this.data = undefined;
    this.moreData = undefined;
    this.eventName = undefined;
  }
}

/** Where batches of serialised records go: Braintrust's REST API, or a local JSONL file. */

export type SendResult =
  | { ok: true }
  | {
      ok: false;
      /** A network error, 408, 429 or 5xx: the same batch may succeed later. */
      retryable: boolean;
      status?: number;
      /** The server's `Retry-After` header, as sent. */
      retryAfter?: string;
      /** For logs: the status and the server's message. Never contains the API key. */
      message: string;
    };

export interface Transport {
  /**
   * Sends one batch of record JSON texts. Never throws: failures are results. Each text is one record,
   * or, for a transport that `acceptsJoinedRecords`, possibly several joined by commas.
   */
  send(records: readonly string[]): Promise<SendResult>;
  /**
   * Texts of several records joined by commas are welcome (the REST body is one JSON array of them), so
   * records may be serialised in groups. Transports that need each record alone (a line of a file, an
   * SDK span) leave this unset.
   */
  readonly acceptsJoinedRecords?: boolean;
  /** For the start-up line, e.g. `Braintrust project "gateway" at https://api.braintrust.dev`. */
  readonly description: string;
  close?(): Promise<void>;
}

#!/usr/bin/env node
/**
 * `npx otel-genai-braintrust <command>`: what to do with a local records file (the preload's output
 * without a Braintrust key).
 *
 *   summary [FILE] [--by-user]     calls, errors, tokens, cost, latency and TTFT by model/provider (and user)
 *   upload [FILE] [--project NAME]  send the records to Braintrust (BRAINTRUST_API_KEY); idempotent
 *
 * FILE defaults to OTEL_GENAI_RECORDS_FILE, else the default in otel.config.ts.
 */
import { defaultConfig } from '../otel.config';
import type { BadLine } from './records-file';
import { readRecords } from './records-file';
import { renderSummary, SummaryBuilder } from './summary';
import { uploadFile } from './upload';

const USAGE = `usage: otel-genai-braintrust summary [FILE] [--by-user]
       otel-genai-braintrust upload [FILE] [--project NAME]
FILE defaults to $OTEL_GENAI_RECORDS_FILE or ${defaultConfig.braintrust.recordsFile}.`;

/** Bad lines are listed up to this many; the rest are counted. */
const MAX_LISTED_BAD_LINES = 20;

export async function main(argv: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const projectAt = rest.indexOf('--project');
  const project = projectAt >= 0 ? rest[projectAt + 1] : undefined;
  const positional = rest.filter((a, i) => !a.startsWith('--') && !(projectAt >= 0 && i === projectAt + 1));
  const file = positional[0] ?? process.env.OTEL_GENAI_RECORDS_FILE ?? defaultConfig.braintrust.recordsFile;

  let badLines = 0;
  const onBadLine = (bad: BadLine) => {
    badLines++;
    if (badLines <= MAX_LISTED_BAD_LINES) err(`${file}:${bad.line}: skipped: ${bad.reason}`);
  };
  const reportBadLines = () => {
    if (badLines > MAX_LISTED_BAD_LINES) err(`… ${badLines - MAX_LISTED_BAD_LINES} more bad lines skipped`);
  };

  try {
    switch (command) {
      case 'summary': {
        const builder = new SummaryBuilder({ byUser: flags.has('--by-user') });
        for await (const record of readRecords(file, onBadLine)) builder.add(record);
        reportBadLines();
        out(renderSummary(builder.result()));
        out(`\nrecords: ${file}${badLines > 0 ? ` (${badLines} bad line${badLines === 1 ? '' : 's'} skipped)` : ''}`);
        return 0;
      }
      case 'upload': {
        if (projectAt >= 0 && !project) throw new Error('--project needs a name');
        const result = await uploadFile(file, { ...(project ? { project } : {}), onBadLine, log: (level, message) => err(`${level}: ${message}`) });
        reportBadLines();
        out(`uploaded ${result.sent} record${result.sent === 1 ? '' : 's'} to ${result.destination}` + (result.dropped > 0 ? `; ${result.dropped} could not be delivered` : '') + (badLines > 0 ? `; ${badLines} bad line${badLines === 1 ? '' : 's'} skipped` : ''));
        return result.dropped > 0 ? 1 : 0;
      }
      default:
        err(USAGE);
        return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
    }
  } catch (e) {
    err(`otel-genai-braintrust ${command}: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), (t) => process.stdout.write(`${t}\n`), (t) => process.stderr.write(`${t}\n`)).then((code) => {
    process.exitCode = code;
  });
}

/** Reads the recorded provider exchanges in `test/fixtures/llm-exchanges` (see its README). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export const FIXTURE_DIR = path.join(__dirname, '..', 'fixtures', 'llm-exchanges');

export interface Fixture {
  /** `<family>/<name>` */
  id: string;
  family: string;
  source: string;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  response: { status: number; headers: Record<string, string>; body?: string; body_base64?: string };
}

export function loadFixtures(family?: string): Fixture[] {
  const families = family ? [family] : fs.readdirSync(FIXTURE_DIR).sort();
  const out: Fixture[] = [];
  for (const fam of families) {
    for (const file of fs.readdirSync(path.join(FIXTURE_DIR, fam)).sort()) {
      if (!file.endsWith('.json')) continue;
      const raw = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, fam, file), 'utf8'));
      out.push({ id: `${fam}/${file.replace(/\.json$/, '')}`, family: fam, ...raw });
    }
  }
  return out;
}

/** The response exactly as it crossed the wire (possibly compressed or binary). */
export function wireResponseBytes(f: Fixture): Buffer {
  if (f.response.body_base64 !== undefined) return Buffer.from(f.response.body_base64, 'base64');
  return Buffer.from(f.response.body ?? '', 'utf8');
}

/** The response body after undoing Content-Encoding. */
export function decodedResponseBytes(f: Fixture): Buffer {
  const bytes = wireResponseBytes(f);
  const encoding = (f.response.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'gzip') return zlib.gunzipSync(bytes);
  if (encoding === 'deflate') return zlib.inflateSync(bytes);
  if (encoding === 'br') return zlib.brotliDecompressSync(bytes);
  return bytes;
}

export function contentType(f: Fixture): string {
  return (f.response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export function requestJson(f: Fixture): any {
  return JSON.parse(f.request.body);
}

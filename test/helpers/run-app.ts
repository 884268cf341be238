/** Runs a test app in a child process under the real preload, exporting spans to an OTLP receiver. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.join(__dirname, '..', '..');

/** Routes that make the replay server's mount points look like the providers they replay. */
export const REPLAY_ROUTES = [
  { host: '127.0.0.1', pathPrefix: '/openai/', provider: 'openai' },
  { host: '127.0.0.1', pathPrefix: '/anthropic/', provider: 'anthropic' },
  { host: '127.0.0.1', pathPrefix: '/aws-bedrock/', provider: 'aws.bedrock' },
  { host: '127.0.0.1', pathPrefix: '/together/', provider: 'together' },
];

export interface AppRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  script: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Node flags, default `--require <repo>/instrumentation`. */
  nodeArgs?: string[];
  /** Node binary; default `TEST_NODE` (CI runs the suite's apps on Node 22 too), else the one running the tests. */
  node?: string;
  cwd?: string;
  otlpUrl?: string;
  config?: object;
  timeoutMs?: number;
  /** Called once the child is running (e.g. to signal it). */
  onSpawn?: (pid: number) => void;
}

export function tempFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otel-genai-test-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export function runApp(options: RunOptions): Promise<AppRun> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OTEL_SERVICE_NAME: 'test-app',
    OTEL_BSP_SCHEDULE_DELAY: '20',
    OTEL_LOG_LEVEL: 'info',
    // Without a Braintrust key the preload writes records locally: keep them out of the repo.
    OTEL_GENAI_RECORDS_FILE: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'otel-genai-records-')), 'llm-records.jsonl'),
  };
  if (options.otlpUrl) {
    env.OTEL_TRACES_EXPORTER = 'otlp';
    env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
    env.OTEL_EXPORTER_OTLP_ENDPOINT = options.otlpUrl;
  } else {
    env.OTEL_TRACES_EXPORTER = 'none';
  }
  if (options.config) env.OTEL_GENAI_CONFIG = tempFile('otel.config.json', JSON.stringify(options.config));
  Object.assign(env, options.env);
  const nodeArgs = options.nodeArgs ?? ['--require', path.join(REPO_ROOT, 'instrumentation')];
  return new Promise((resolve, reject) => {
    const child = spawn(options.node ?? process.env.TEST_NODE ?? process.execPath, [...nodeArgs, options.script, ...(options.args ?? [])], { env: env as NodeJS.ProcessEnv, cwd: options.cwd ?? REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`app ${options.script} timed out; stderr:\n${stderr}`));
    }, options.timeoutMs ?? 60000);
    child.on('spawn', () => options.onSpawn?.(child.pid!));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the streams drain.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

/** Polls until `predicate` holds or the deadline passes (spans arrive asynchronously). */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

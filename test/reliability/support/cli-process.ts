import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The repository root: the CLI runs from there. */
export const ROOT = resolve(import.meta.dirname, '../../..');

/** `node --import tsx pipelines/cli/main.ts`: the CLI as the scheduler runs it, in its own process. */
export const CLI = ['--import', 'tsx', 'pipelines/cli/main.ts'];

/** One pino log line of the CLI (JSON on stderr), as parsed; `null` for a line that is not JSON. */
export type LogLine = Record<string, unknown> & { msg?: string; step?: string; level?: number };

export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
  pid: number;
}

export interface CliProcess {
  child: ChildProcess;
  /** Milliseconds since the process was spawned. */
  elapsed(): number;
  done: Promise<CliOutcome>;
}

/**
 * Starts `node --import tsx pipelines/cli/main.ts <args>` with exactly `env`, collecting stdout and
 * stderr; `onLog` sees each stderr line as it arrives (parsed when it is JSON), so a caller can act at a
 * precise point of the run (e.g. kill it).
 */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  onLog?: (line: LogLine | null, raw: string) => void,
): CliProcess {
  const started = performance.now();
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const stderr: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const lines = createInterface({ input: child.stderr! });
  lines.on('line', (raw) => {
    stderr.push(raw);
    if (!onLog) return;
    let parsed: LogLine | null = null;
    if (raw.startsWith('{')) {
      try {
        parsed = JSON.parse(raw) as LogLine;
      } catch {
        parsed = null;
      }
    }
    onLog(parsed, raw);
  });
  const closed = new Promise<void>((resolveClosed) => lines.once('close', resolveClosed));
  const done = new Promise<CliOutcome>((resolveDone, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const ms = performance.now() - started;
      // stderr may still hold buffered lines when the process exits: wait for the end of the stream.
      void closed.then(() => resolveDone({ code, signal, stdout, stderr: stderr.join('\n'), ms, pid: child.pid ?? -1 }));
    });
  });
  return { child, elapsed: () => performance.now() - started, done };
}

/** Runs the CLI to its end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliOutcome> {
  return startCli(args, env).done;
}

/** The JSON lines of a CLI's stderr. */
export function logLines(stderr: string): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of stderr.split('\n')) {
    if (!raw.startsWith('{')) continue;
    try {
      out.push(JSON.parse(raw) as LogLine);
    } catch {
      // A line cut by a kill is not a log line.
    }
  }
  return out;
}

/** The environment of a CLI run: this process's, minus anything that would point the pipeline elsewhere. */
export function cliEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(ELT_|MARKETING_API_|BIGQUERY_|LOOKUP_)/.test(key)) continue;
    base[key] = value;
  }
  // JSON logs, not pretty ones: the tests read them.
  return { ...base, CI: 'true', ...overrides };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The emulator version the install script builds. */
export const EMULATOR_VERSION = 'v0.8.1';

/**
 * Where `bash .ci/install-bigquery-emulator.sh` puts the emulator (`BIGQUERY_EMULATOR_BIN` overrides,
 * `BIGQUERY_EMULATOR_DIR` moves the folder, as in the script).
 */
export function emulatorBinary(): string {
  if (process.env.BIGQUERY_EMULATOR_BIN) return process.env.BIGQUERY_EMULATOR_BIN;
  const dir = process.env.BIGQUERY_EMULATOR_DIR ?? join(homedir(), '.cache', 'mortgage-elt', 'bin');
  return join(dir, `bigquery-emulator-${EMULATOR_VERSION}`);
}

export interface BigQueryEmulator {
  /** Base URL for `BIGQUERY_API_ENDPOINT` / `apiEndpoint`, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  projectId: string;
  /** Stops the emulator; its in-memory data is gone. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/**
 * Starts goccy/bigquery-emulator on 127.0.0.1 with free ports (it prints the ports it got) and an
 * in-memory store, and resolves once it answers the REST API.
 */
export async function startBigQueryEmulator(options: { projectId?: string; binary?: string } = {}): Promise<BigQueryEmulator> {
  const projectId = options.projectId ?? 'elt-test';
  const binary = options.binary ?? emulatorBinary();
  const child = spawn(binary, [`--project=${projectId}`, '--host=127.0.0.1', '--port=0', '--grpc-port=0', '--log-level=error'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  let output = '';
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no listening address after ${START_TIMEOUT_MS / 1000} s`)),
        START_TIMEOUT_MS,
      );
      const read = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
        const match = /REST server listening at ([\d.]+):(\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(`http://${match[1]}:${match[2]}`);
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`exited (${signal ?? code})`));
      });
    });
    await waitUntilAnswering(`${endpoint}/bigquery/v2/projects/${projectId}/datasets`);
    return { endpoint, projectId, stop: () => stopChild(child, onExit) };
  } catch (error) {
    await stopChild(child, onExit);
    throw new Error(`BigQuery emulator (${binary}) did not start: ${(error as Error).message}\n${output}`, { cause: error });
  }
}

/**
 * For a mocha `before` hook: starts the emulator, or skips the suite with instructions when the binary
 * is not installed. Under CI (`CI=true`) a missing binary fails instead: CI installs it.
 */
export async function emulatorOrSkip(context: Mocha.Context, options: { projectId?: string } = {}): Promise<BigQueryEmulator> {
  const binary = emulatorBinary();
  if (!existsSync(binary)) {
    const message = `BigQuery emulator not found at ${binary}; run \`bash .ci/install-bigquery-emulator.sh\` to enable the BigQuery tests`;
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`      (skipped) ${message}`);
    context.skip();
  }
  // The first start of a 250 MB binary can take a few seconds on a cold disk.
  context.timeout(Math.max(context.timeout(), START_TIMEOUT_MS + 10_000));
  return startBigQueryEmulator({ ...options, binary });
}

async function waitUntilAnswering(url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // Not accepting connections yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} does not answer`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopChild(child: ChildProcess, onExit: () => void): Promise<void> {
  process.removeListener('exit', onExit);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

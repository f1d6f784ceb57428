import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Command } from 'commander';
import { registerDocs } from '../../../../pipelines/cli/commands/docs.js';
import { createCliContext } from '../../../../pipelines/cli/context.js';
import { ensureOpsTables } from '../../../../pipelines/state/ops-tables.js';
import { DuckDbWarehouse } from '../../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { writeFixtureMarts } from '../../docs/support/docs-fixture.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs `docs` as the CLI would; resolves with what it printed and its exit code. */
async function docs(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
  const context = createCliContext({ LOG_LEVEL: 'silent', ...env });
  let exitCode: number | undefined;
  let stdout = '';
  let stderr = '';
  const program = new Command()
    .exitOverride()
    .configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
  registerDocs(program, { ...context, setExitCode: (code) => (exitCode = code) });
  const [out, err] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    await program.parseAsync(['docs', ...args], { from: 'user' });
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return { stdout, stderr, exitCode };
}

/** Another process holding the DuckDB file open for writing, as a run does. */
async function holdForWriting(path: string): Promise<ChildProcess> {
  const script = `import { DuckDBInstance } from '@duckdb/node-api';
const instance = await DuckDBInstance.create(${JSON.stringify(path)});
await instance.connect();
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return child;
}

describe('cli docs', function () {
  this.timeout(60_000);
  let dir: string;
  let path: string;
  let out: string;
  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'docs-cli-'));
    path = join(dir, 'warehouse.duckdb');
    const warehouse = await DuckDbWarehouse.open({ path });
    try {
      await ensureOpsTables(warehouse);
      await writeFixtureMarts(warehouse);
    } finally {
      await warehouse.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => (out = mkdtempSync(join(dir, 'site-'))));

  it('writes the site with charts from the warehouse, opened read-only, and prints the path of index.html', async function () {
    const { stdout, stderr, exitCode } = await docs(['--out', out], {
      ELT_DUCKDB_PATH: path,
      BIGQUERY_PROJECT: 'acme-data',
      BIGQUERY_DATASET_PREFIX: 'dev_',
    });
    expect(stderr).to.equal('');
    expect(exitCode).to.equal(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).to.match(/^docs: \d+ files written, charts drawn: borrowerProfile, funnel, traffic$/);
    expect(lines.at(-1)).to.equal(join(out, 'index.html'));
    expect(readFileSync(join(out, 'marts.best_proposition.html'), 'utf8')).to.contain('`acme-data.dev_marts.best_proposition`');
  });

  it('exits 75 and writes the site without charts when a run holds the warehouse', async function () {
    const holder = await holdForWriting(path);
    try {
      const { stdout, stderr, exitCode } = await docs(['--out', out], { ELT_DUCKDB_PATH: path });
      expect(exitCode).to.equal(75);
      expect(stderr).to.match(
        /^docs: the warehouse is busy \(a run is probably in progress\), so the pages have no charts: run docs again when it ends/,
      );
      expect(stdout).to.contain('charts drawn: none');
      expect(readFileSync(join(out, 'borrower-profile.html'), 'utf8')).to.contain('the warehouse is busy');
    } finally {
      holder.kill();
    }
  });

  it('writes the site and says to run the pipeline when there is no warehouse yet', async function () {
    const missing = join(dir, 'none', 'warehouse.duckdb');
    const { stdout, stderr, exitCode } = await docs(['--out', out], { ELT_DUCKDB_PATH: missing });
    expect(exitCode).to.equal(0);
    expect(stderr).to.equal(`docs: no warehouse yet at ${missing}: run the pipeline first\n`);
    expect(stdout).to.contain('charts drawn: none');
    expect(existsSync(missing)).to.equal(false);
    expect(readFileSync(join(out, 'traffic.html'), 'utf8')).to.contain('run the pipeline first');
  });

  it('opens no warehouse with --no-data', async function () {
    const { stdout, stderr, exitCode } = await docs(['--out', out, '--no-data'], { ELT_DUCKDB_PATH: join(dir, 'absent.duckdb') });
    expect([exitCode, stderr]).to.deep.equal([0, '']);
    expect(stdout).to.contain('charts drawn: none');
    expect(existsSync(join(dir, 'absent.duckdb'))).to.equal(false);
  });

  it('explains itself in --help', async function () {
    let help = '';
    const program = new Command().exitOverride().configureOutput({ writeOut: (text) => (help += text) });
    registerDocs(program, createCliContext({}));
    await program.parseAsync(['docs', '--help'], { from: 'user' }).catch((error: { code?: string }) => {
      if (error.code !== 'commander.helpDisplayed') throw error;
    });
    expect(help).to.contain('--out <dir>');
    expect(help).to.contain('--no-data');
    expect(help).to.contain('75 the warehouse is busy');
  });
});

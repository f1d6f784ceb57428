import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'pipelines/cli/main.ts', ...args], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('cli backfill', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'backfill-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('--dry-run prints the plan and changes nothing (not even a warehouse file)', async function () {
    const path = join(dir, 'w.duckdb');
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const today = new Date().toISOString().slice(0, 10);
    const result = await cli(['backfill', '--from', yesterday, '--to', today, '--dry-run'], {
      ELT_DUCKDB_PATH: path,
      ELT_WORK_DIR: join(dir, 'work'),
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/dry run: nothing is changed/);
    expect(result.stdout).to.match(/events: 24 partitions/);
    expect(result.stdout).to.match(/models rebuilt:/);
    expect(existsSync(path)).to.equal(false);
    expect(existsSync(join(dir, 'work'))).to.equal(false);
  });

  it('refuses a window in the future with a non-zero exit and the reason', async function () {
    const result = await cli(['backfill', '--from', '2026-01-01', '--to', '2099-01-01'], {
      ELT_DUCKDB_PATH: join(dir, 'w.duckdb'),
    });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/ends in the future/);
  });
});

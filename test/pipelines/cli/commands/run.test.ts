import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { startSimulator } from '../../../../pipelines/simulator/server.js';
import { fingerprint } from '../../../support/fingerprint.js';

const execFileAsync = promisify(execFile);
const CLI = ['--import', 'tsx', 'pipelines/cli/main.ts'];

describe('cli run', function () {
  this.timeout(180_000);
  let dir: string;
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  // A frozen simulator clock: both runs must see exactly the same events.
  const now = new Date(Date.now() - 3_600_000);
  before(async () => (simulator = await startSimulator({ seed: 3, token: 'tok', now, days: 3, eventsPerDay: 1500 })));
  after(async () => simulator.close());
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'run-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const env = (name: string) => ({
    ...process.env,
    ELT_DUCKDB_PATH: join(dir, `${name}.duckdb`),
    ELT_WORK_DIR: join(dir, 'work'),
    LOG_LEVEL: 'info',
    MARKETING_API_URL: simulator.url,
    MARKETING_API_TOKEN: 'tok',
    MARKETING_API_START: new Date(now.getTime() - 2 * 86_400_000).toISOString(),
  });

  it('SIGTERM during a run leaves the warehouse consistent, and the next run completes as if nothing happened', async function () {
    // A reference run that was never interrupted.
    await execFileAsync(process.execPath, [...CLI, 'run'], { env: env('reference') });
    const reference = await fingerprint(join(dir, 'reference.duckdb'));

    const child = spawn(process.execPath, [...CLI, 'run'], { env: env('interrupted'), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      // Stop it once it is loading: after the first committed unit.
      if (/step finished/.test(stderr) && !child.killed) child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, 'an interrupted run does not exit 0').to.not.equal(0);
    expect(stderr).to.match(/shutdown requested/);

    const next = await execFileAsync(process.execPath, [...CLI, 'run'], { env: env('interrupted') });
    expect(next.stdout).to.match(/SUCCESS/);
    const after = await fingerprint(join(dir, 'interrupted.duckdb'));
    expect(after).to.deep.equal(reference);
  });
});

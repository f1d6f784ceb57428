import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { createLookupWarehouse, removeTempFolders, sampleMartRow, SAMPLE_ID } from '../../lookup/lookup-fixture.js';

const CLI = ['--import', 'tsx', 'pipelines/cli/main.ts'];

function cli(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: process.cwd(),
    env: { ...process.env, CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe('cli serve-lookup', function () {
  this.timeout(60_000);
  after(function () {
    removeTempFolders();
  });

  it('serves the mart of the configured warehouse on the given port and exits 0 on SIGTERM', async function () {
    const path = await createLookupWarehouse([sampleMartRow()], { withRun: true });
    const run = cli(['serve-lookup', '--port', '0', '--host', '127.0.0.1'], { ELT_DUCKDB_PATH: path, LOG_LEVEL: 'info' });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        run.child.stdout!.on('data', () => {
          const match = /listening on (http:\/\/\S+)/.exec(run.stdout());
          if (match) resolve(match[1]!);
        });
        void run.exit.then((code) => reject(new Error(`exited ${code}: ${run.stderr()}`)));
      });
      let health = 0;
      for (let i = 0; i < 100 && health !== 200; i++) {
        health = (await fetch(`${url}/healthz`)).status;
        if (health !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(health).to.equal(200);
      const response = await fetch(`${url}/opportunities/${SAMPLE_ID}`);
      expect(response.status).to.equal(200);
      expect(((await response.json()) as { id: string }).id).to.equal(SAMPLE_ID);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).to.equal(0);
    const access = run
      .stderr()
      .split('\n')
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(access.map((l) => [l.method, l.path, l.status])).to.deep.include(['GET', `/opportunities/${SAMPLE_ID}`, 200]);
  });

  it('rejects a port that is not a number with exit code 2', async function () {
    const run = cli(['serve-lookup', '--port', 'http'], {});
    expect(await run.exit).to.equal(2);
    expect(run.stderr()).to.match(/--port.*expected a port number/);
  });
});

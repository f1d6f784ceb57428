import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Command } from 'commander';
import { registerGenerate } from '../../../pipelines/cli/commands/generate.js';
import { createCliContext } from '../../../pipelines/cli/context.js';
import { tempDir } from './csv-files.js';

/** The `generate` CLI command (pipelines/cli/commands/generate.ts), run in process. */
describe('elt generate', function () {
  let workDir: string;
  before(function () {
    workDir = tempDir('generate-cli-');
  });
  after(function () {
    rmSync(workDir, { recursive: true, force: true });
  });

  async function run(args: string[]): Promise<{ output: string; exitCode: number | undefined; error?: { code?: string } }> {
    const program = new Command().name('elt').exitOverride();
    let exitCode: number | undefined;
    const context = { ...createCliContext({ ELT_WORK_DIR: workDir }), setExitCode: (code: number) => (exitCode = code) };
    program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerGenerate(program, context);
    let output = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      output += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      await program.parseAsync(['node', 'elt', ...args]);
      return { output, exitCode };
    } catch (error) {
      return { output, exitCode, error: error as { code?: string } };
    } finally {
      process.stdout.write = write;
    }
  }

  it('writes the exports into <workDir>/landing by default and prints a summary', async function () {
    const result = await run(['generate', '--scale', '300', '--seed', '5']);
    expect(result.error).to.equal(undefined);
    expect(result.exitCode).to.equal(0);
    expect(readdirSync(join(workDir, 'landing')).sort()).to.deep.equal([
      'banques_2026-11-29.csv',
      'opportunity_2026-11-29.csv',
      'propositions_2026-11-29.csv',
    ]);
    expect(result.output)
      .to.match(/opportunities\s+300 rows/)
      .and.match(/seed 5/)
      .and.match(/took \d+\.\d\d s/);
  });

  it('honours --out, --date and --dirt, and prints the manifest with --json', async function () {
    const out = join(workDir, 'custom');
    const result = await run(['generate', '--out', out, '--scale', '200', '--date', '2027-01-31', '--dirt', 'all', '--json']);
    expect(result.exitCode).to.equal(0);
    const manifest = JSON.parse(result.output) as { dirt: string; files: Array<{ path: string; badRows: unknown[] }> };
    expect(manifest.dirt).to.equal('all');
    for (const file of manifest.files) {
      expect(existsSync(file.path)).to.equal(true);
      expect(file.path).to.match(/_2027-01-31\.csv$/);
      expect(file.badRows.length).to.be.greaterThan(0);
    }
  });

  it('rejects invalid flag values as commander argument errors', async function () {
    for (const args of [
      ['--scale', 'huge'],
      ['--seed', 'x'],
      ['--date', '2026-02-30'],
      ['--dirt', 'some'],
    ]) {
      const result = await run(['generate', '--out', join(workDir, 'never'), ...args]);
      expect(result.error?.code, args.join(' ')).to.equal('commander.invalidArgument');
    }
    expect(existsSync(join(workDir, 'never'))).to.equal(false);
  });
});

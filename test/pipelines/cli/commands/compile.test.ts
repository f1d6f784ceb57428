import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Command } from 'commander';
import { registerCompile } from '../../../../pipelines/cli/commands/compile.js';
import { createCliContext } from '../../../../pipelines/cli/context.js';

/** Runs `compile` as the CLI would, with the given environment; resolves with stdout and the exit code. */
async function compile(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; exitCode: number | undefined }> {
  const context = createCliContext({ ELT_DUCKDB_PATH: ':memory:', ...env });
  let exitCode: number | undefined;
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
  registerCompile(program, { ...context, setExitCode: (code) => (exitCode = code) });
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  try {
    await program.parseAsync(['compile', ...args], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return { stdout, exitCode };
}

describe('cli compile', function () {
  let out: string;
  beforeEach(() => (out = mkdtempSync(join(tmpdir(), 'compile-out-'))));
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it('writes one BigQuery file per model, qualified with the project and the dataset prefix', async function () {
    const { stdout, exitCode } = await compile(['--target', 'bigquery', '--out', out], {
      BIGQUERY_PROJECT: 'acme-data',
      BIGQUERY_DATASET_PREFIX: 'dev_',
    });
    expect(exitCode).to.equal(0);
    expect(stdout).to.match(/^compiled 17 models for bigquery into /);
    expect(readdirSync(out).sort()).to.deep.equal([
      'marts.best_proposition.sql',
      'marts.borrower_profile.sql',
      'marts.borrower_profile_distribution.sql',
      'marts.campaign_performance.sql',
      'marts.dim_users.sql',
      'marts.fct_events.sql',
      'marts.fct_sessions.sql',
      'marts.funnel_daily.sql',
      'marts.opportunity_lookup.sql',
      'marts.traffic_daily.sql',
      'staging.stg_crm_banks.sql',
      'staging.stg_crm_opportunities.sql',
      'staging.stg_crm_propositions.sql',
      'staging.stg_mkt_affected_dates.sql',
      'staging.stg_mkt_events.sql',
      'staging.stg_mkt_identities.sql',
      'staging.stg_mkt_users.sql',
    ]);
    const sql = readFileSync(join(out, 'marts.borrower_profile.sql'), 'utf8');
    expect(sql).to.match(
      /^-- marts\.borrower_profile \(table\), compiled for bigquery from models\/marts\/borrower_profile\.sql/,
    );
    expect(sql).to.contain('FROM `acme-data.dev_staging.stg_crm_opportunities`');
    expect(sql).to.contain('PERCENTILE_CONT(age, 0.5) OVER ()');
  });

  it('uses the placeholder project when BIGQUERY_PROJECT is unset, and DuckDB names for duckdb', async function () {
    await compile(['--target', 'bigquery', '--out', out, '--models', 'best_proposition']);
    expect(readdirSync(out)).to.deep.equal(['marts.best_proposition.sql']);
    expect(readFileSync(join(out, 'marts.best_proposition.sql'), 'utf8')).to.contain(
      'FROM `your-project.staging.stg_crm_propositions`',
    );
    await compile(['--target', 'duckdb', '--out', out, '--models', 'best_proposition']);
    expect(readFileSync(join(out, 'marts.best_proposition.sql'), 'utf8')).to.contain('FROM "staging"."stg_crm_propositions"');
  });

  it('refuses an unknown target and an unknown model', async function () {
    let error: unknown;
    try {
      await compile(['--target', 'postgres', '--out', out]);
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).to.equal('commander.invalidArgument');
    try {
      await compile(['--target', 'duckdb', '--out', out, '--models', 'nope']);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/--models: unknown model 'nope'/);
  });
});

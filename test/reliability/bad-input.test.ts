import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { RunResult } from '../../pipelines/core/result.js';
import { exportFileName, generateCrmExports } from '../../pipelines/generate/index.js';
import { DuckDbWarehouse } from '../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { brokenCorpus, readTemplate, writeCase, type BrokenCase } from './support/broken-csv.js';
import { cliEnv, runCli, type CliOutcome } from './support/cli-process.js';

/**
 * A corpus of broken CRM exports (truncated, binary garbage, wrong delimiter, header only, empty,
 * duplicated ids, a 10 MB field, invalid UTF-8), each loaded by `run --no-marketing --no-transform`:
 * no crash, the file's ledger row reconciles (rows read = loaded + quarantined), the raw table holds
 * the rows loaded, and every quarantine row names the file and the line.
 *
 *   npx mocha --timeout 1800000 test/reliability/bad-input.test.ts
 */
interface Ledger {
  status: string;
  rows_read: number;
  rows_loaded: number;
  rows_quarantined: number;
  message: string | null;
}

interface Quarantined {
  file_name: string | null;
  line: number | null;
  field: string | null;
  reason: string;
}

interface Outcome {
  name: string;
  what: string;
  run: CliOutcome;
  result: RunResult;
  ledger: Ledger | undefined;
  quarantine: Quarantined[];
  rawRows: number;
  /** Values of the expectation's `kept` column for its id, when it has one. */
  kept?: string[];
}

const DATE = '2026-11-29';

describe('reliability: a corpus of broken CSV exports', function () {
  let dir: string;
  let corpus: BrokenCase[];
  const outcomes: Outcome[] = [];

  before(async function () {
    console.log('      command: npx mocha --timeout 1800000 test/reliability/bad-input.test.ts');
    dir = mkdtempSync(join(tmpdir(), 'reliability-bad-input-'));
    await generateCrmExports({ dir: join(dir, 'template'), scale: 'small', seed: 42, date: DATE });
    corpus = brokenCorpus(readTemplate(join(dir, 'template', exportFileName('opportunities', DATE))));
  });

  after(function () {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (outcomes.length === 0) return;
    console.log(
      '\n      case                 exit  file status  read  loaded  quarantined  first quarantine row (file:line: reason)',
    );
    for (const o of outcomes) {
      const q = o.quarantine[0];
      const sample = q
        ? `${q.file_name}:${q.line}: ${q.reason.replace(/\s+/g, ' ').slice(0, 110)}`
        : (o.ledger?.message?.slice(0, 110) ?? '');
      console.log(
        `      ${o.name.padEnd(20)} ${String(o.run.code).padStart(4)}  ${(o.ledger?.status ?? 'none').padEnd(11)} ${String(o.ledger?.rows_read).padStart(5)} ` +
          `${String(o.ledger?.rows_loaded).padStart(7)} ${String(o.ledger?.rows_quarantined).padStart(12)}  ${sample}`,
      );
    }
  });

  // Titles are fixed here; the corpus itself is built in `before`.
  const names = [
    'truncated-mid-row',
    'truncated-mid-quote',
    'binary-garbage',
    'wrong-delimiter',
    'header-only',
    'empty-file',
    'duplicate-ids',
    '10mb-field',
    'invalid-utf8',
    'valid-control',
  ];
  for (const name of names) {
    it(`${name}: no crash, the ledger reconciles, quarantine rows name file and line`, async function () {
      const brokenCase = corpus.find((c) => c.name === name)!;
      const file = exportFileName('opportunities', DATE);
      const caseDir = join(dir, name);
      mkdirSync(join(caseDir, 'landing'), { recursive: true });
      await writeCase(join(caseDir, 'landing'), file, brokenCase);
      const run = await runCli(['run', '--no-marketing', '--no-transform', '--json'], env(caseDir));
      const outcome = await collect(caseDir, brokenCase, file, run);
      outcomes.push(outcome);
      const { ledger, quarantine, result } = outcome;
      const expected = brokenCase.expect;

      // No crash: the run ended on its own, with a result, and the step did not fail.
      expect(run.signal, 'killed by a signal').to.equal(null);
      expect(run.stderr, 'no uncaught exception').to.not.match(/Uncaught|\n\s+at .+:\d+:\d+\)?\n/);
      const step = result.steps.find((s) => s.name === 'extract-load:crm_opportunities');
      expect(step?.status, `step: ${step?.error?.message ?? ''}`).to.equal('success');
      expect(run.code, 'exit code').to.equal(0);

      // The ledger row reconciles, and says what the contract says.
      expect(ledger, 'ledger row of the file').to.not.equal(undefined);
      expect(ledger!.rows_read, 'rows read = loaded + quarantined').to.equal(ledger!.rows_loaded + ledger!.rows_quarantined);
      expect(ledger!.status, `status (${ledger!.message ?? ''})`).to.equal(expected.status);
      if (expected.read !== null) expect(ledger!.rows_read, 'rows read').to.equal(expected.read);
      expect(ledger!.rows_loaded, 'rows loaded').to.equal(expected.loaded);
      if (expected.quarantined !== null) expect(ledger!.rows_quarantined, 'rows quarantined').to.equal(expected.quarantined);
      if (expected.message) expect(ledger!.message ?? '', 'ledger message').to.match(expected.message);
      expect(outcome.rawRows, 'rows in raw.crm_opportunities').to.equal(ledger!.rows_loaded);

      // Every quarantine row names the file and a line; records are itemized when they can be.
      for (const q of quarantine) {
        expect(q.file_name, 'quarantine file_name').to.equal(file);
        expect(q.line, `quarantine line (${q.reason})`).to.be.a('number').and.at.least(1);
        if (expected.reason) expect(q.reason).to.match(expected.reason);
      }
      if (expected.lines) expect(quarantine.map((q) => q.line)).to.deep.equal(expected.lines);
      if (ledger!.rows_quarantined > 0) expect(quarantine.length, 'quarantine rows').to.be.at.least(1);
      if (expected.kept) {
        const kept = outcome.kept;
        expect(kept, `raw row of ${expected.kept.id}`).to.deep.equal([expected.kept.value]);
      }
      if (expected.status === 'rejected') {
        expect(step?.message ?? '', 'the step message names the rejected file').to.include(`${file} rejected`);
      }
    });
  }

  it('all the broken files in one landing folder: each is recorded and reconciled, none stops the others', async function () {
    const caseDir = join(dir, 'together');
    mkdirSync(join(caseDir, 'landing'), { recursive: true });
    const files = new Map<string, BrokenCase>();
    corpus.forEach((brokenCase, i) =>
      files.set(exportFileName('opportunities', `2026-11-${String(10 + i).padStart(2, '0')}`), brokenCase),
    );
    for (const [file, brokenCase] of files) await writeCase(join(caseDir, 'landing'), file, brokenCase);
    const run = await runCli(['run', '--no-marketing', '--no-transform', '--json'], env(caseDir));
    expect(run.code, `exit code:\n${run.stderr.slice(-2000)}`).to.equal(0);
    const warehouse = await DuckDbWarehouse.open({ path: join(caseDir, 'warehouse.duckdb'), readOnly: true });
    try {
      const ledger = await warehouse.query<Ledger & { file_name: string }>(
        'SELECT file_name, status, rows_read, rows_loaded, rows_quarantined, message FROM ops.file_ledger ORDER BY file_name',
      );
      expect(ledger.map((l) => l.file_name)).to.deep.equal([...files.keys()].sort());
      for (const l of ledger) {
        expect(l.rows_read, `${l.file_name}: read = loaded + quarantined`).to.equal(l.rows_loaded + l.rows_quarantined);
        expect(l.status, l.file_name).to.equal(files.get(l.file_name)!.expect.status);
      }
    } finally {
      await warehouse.close();
    }
  });
});

function env(caseDir: string): NodeJS.ProcessEnv {
  return cliEnv({
    ELT_DUCKDB_PATH: join(caseDir, 'warehouse.duckdb'),
    ELT_WORK_DIR: join(caseDir, 'work'),
    ELT_CSV_DIR: join(caseDir, 'landing'),
    LOG_LEVEL: 'info',
  });
}

async function collect(caseDir: string, brokenCase: BrokenCase, file: string, run: CliOutcome): Promise<Outcome> {
  let result: RunResult;
  try {
    result = JSON.parse(run.stdout) as RunResult;
  } catch {
    throw new Error(
      `${brokenCase.name}: the run printed no result (exit ${run.code}):\n${run.stdout}\n${run.stderr.slice(-3000)}`,
    );
  }
  const warehouse = await DuckDbWarehouse.open({ path: join(caseDir, 'warehouse.duckdb'), readOnly: true });
  try {
    const [ledger] = await warehouse.query<Ledger>(
      'SELECT status, rows_read, rows_loaded, rows_quarantined, message FROM ops.file_ledger WHERE file_name = @file',
      { file },
    );
    const quarantine = await warehouse.query<Quarantined>(
      `SELECT file_name, line, field, reason FROM ops.quarantine WHERE table_name = 'raw.crm_opportunities' ORDER BY line`,
    );
    const [raw] = await warehouse.query<{ n: number }>('SELECT count(*) AS n FROM raw.crm_opportunities');
    const want = brokenCase.expect.kept;
    const kept = want
      ? (
          await warehouse.query<{ v: string }>(`SELECT "${want.column}" AS v FROM raw.crm_opportunities WHERE "Id" = @id`, {
            id: want.id,
          })
        ).map((r) => r.v)
      : undefined;
    return {
      name: brokenCase.name,
      what: brokenCase.what,
      run,
      result,
      ledger: ledger
        ? {
            ...ledger,
            rows_read: Number(ledger.rows_read),
            rows_loaded: Number(ledger.rows_loaded),
            rows_quarantined: Number(ledger.rows_quarantined),
          }
        : undefined,
      quarantine: quarantine.map((q) => ({ ...q, line: q.line === null ? null : Number(q.line) })),
      rawRows: Number(raw?.n ?? 0),
      kept,
    };
  } finally {
    await warehouse.close();
  }
}

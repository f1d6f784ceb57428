import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { generateDocsSite } from '../../../pipelines/docs/generate-site.js';
import { ensureOpsTables } from '../../../pipelines/state/ops-tables.js';
import { BigQueryWarehouse } from '../../../pipelines/warehouse/bigquery/bigquery-warehouse.js';
import { type BigQueryEmulator, emulatorOrSkip } from '../../support/bigquery-emulator.js';
import { tempDuckDb } from '../../support/temp-warehouse.js';
import { fixtureModels, fixtureSources, writeFixtureMarts } from './support/docs-fixture.js';

// The docs read the marts with their own SQL (column discovery, sums per day and group, top pages):
// on BigQuery it must run and give the pages DuckDB gives.
describe('docs site generation on BigQuery (emulator)', function () {
  this.timeout(180_000);
  let emulator: BigQueryEmulator | undefined;
  let warehouse: BigQueryWarehouse;
  let out: string;

  before(async function () {
    emulator = await emulatorOrSkip(this);
    warehouse = await BigQueryWarehouse.open({
      projectId: emulator.projectId,
      location: 'EU',
      datasetPrefix: 'docs_',
      apiEndpoint: emulator.endpoint,
      labels: {},
    });
    await ensureOpsTables(warehouse);
    await writeFixtureMarts(warehouse);
    out = mkdtempSync(join(tmpdir(), 'docs-bq-'));
  });

  after(async function () {
    await warehouse?.close();
    await emulator?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('draws every chart page, with the numbers DuckDB gives, and the freshness of each mart', async function () {
    const now = new Date('2024-03-15T09:05:00Z');
    const options = { models: fixtureModels(), sources: fixtureSources(), now, project: 'acme-data' };
    const result = await generateDocsSite({ ...options, warehouse, outDir: join(out, 'bigquery') });
    expect(result.problems).to.deep.equal([]);
    expect(result.charts).to.deep.equal({ borrowerProfile: true, funnel: true, traffic: true });

    const duck = await tempDuckDb('docs-bq-duck-');
    try {
      await writeFixtureMarts(duck.warehouse);
      await generateDocsSite({ ...options, warehouse: duck.warehouse, outDir: join(out, 'duckdb') });
    } finally {
      await duck.dispose();
    }
    for (const file of ['borrower-profile.html', 'marketing-funnel.html', 'traffic.html', 'marts.funnel_daily.html']) {
      const [bigquery, duckdb] = ['bigquery', 'duckdb'].map((engine) => readFileSync(join(out, engine, file), 'utf8'));
      expect(bigquery, file).to.equal(duckdb);
    }
  });
});

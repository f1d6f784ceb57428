import { expect } from 'chai';
import { MKT_EVENTS, MKT_USERS } from '../../../pipelines/extract/api/marketing-tables.js';
import { bigQueryQualify, compileProject, DEFAULT_MODELS_DIR } from '../../../pipelines/transform/index.js';
import type { Params, TableRef, TableSpec } from '../../../pipelines/warehouse/types.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { ZetaSql, type EvaluationTable } from '../../support/zetasql/zetasql.js';
import { rawSpec } from '../support/crm-raw.js';
import { buildMarketing, MARKETING, problems, SALT } from './support/marketing-raw.js';
import { seedScenario } from './support/seed.js';

const PROJECT = 'p';
const name = (ref: TableRef) => `${PROJECT}.${ref.layer}.${ref.name}`;

/** Rows in an order independent of the engine: by their JSON, keys sorted. */
function sorted(rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const text = (row: Record<string, unknown>) =>
    JSON.stringify(
      Object.keys(row)
        .sort()
        .map((k) => [k, row[k]]),
    );
  return [...rows].sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}

// Each marketing model compiled for BigQuery and run by ZetaSQL's reference engine (BigQuery's
// semantics) over the scenario's raw rows gives, row for row, what the DuckDB build gives: the one
// SQL source means the same on both engines (hashes, JSON, regular expressions, windows, NULLs).
describe('marketing models give the same rows on BigQuery semantics (ZetaSQL) as on DuckDB', function () {
  this.timeout(120_000);
  let warehouse: DuckDbWarehouse;
  let zetasql: ZetaSql;
  const tables = new Map<string, EvaluationTable>();
  const plan = compileProject(DEFAULT_MODELS_DIR, 'bigquery', bigQueryQualify(PROJECT), {
    models: MARKETING,
    pseudonymSalt: SALT,
  });

  before(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await seedScenario(warehouse);
    expect(problems(await buildMarketing(warehouse))).to.deep.equal([]);
    zetasql = await ZetaSql.start();
    const raw: TableSpec[] = [MKT_EVENTS, MKT_USERS, rawSpec('opportunities'), rawSpec('propositions'), rawSpec('banks')];
    for (const spec of raw) {
      const rows = await warehouse.query<Record<string, unknown>>(`SELECT * FROM ${warehouse.qualify(spec.ref)}`);
      tables.set(name(spec.ref), { name: name(spec.ref), columns: spec.columns, rows });
    }
  });
  after(async () => {
    await zetasql?.stop();
    await warehouse?.close();
  });

  it('evaluates the plan models in order, each equal to its DuckDB build', async function () {
    expect(plan.models.map((m) => m.name)).to.include.members([
      'fct_events',
      'fct_sessions',
      'dim_users',
      'campaign_performance',
    ]);
    for (const model of plan.models) {
      const inputs = [...model.dependsOn.map((d) => plan.all.find((m) => m.name === d)!.ref), ...model.sources].map((ref) =>
        tables.get(name(ref))!,
      );
      const params: Params = model.sql.includes('@pseudonym_salt') ? { pseudonym_salt: SALT } : {};
      const rows = await zetasql.evaluate(model.sql, inputs, { params });
      const duck = await warehouse.query<Record<string, unknown>>(`SELECT * FROM ${warehouse.qualify(model.ref)}`);
      expect(sorted(rows), model.name).to.deep.equal(sorted(duck));
      expect(rows.length, model.name).to.be.greaterThan(0);
      tables.set(name(model.ref), { name: name(model.ref), columns: model.spec.columns, rows });
    }
  });

  it('evaluates the incremental form of each incremental mart to the rows of the dates asked', async function () {
    const dates = ['2026-03-11', '2026-03-12'];
    for (const model of plan.models.filter((m) => m.incremental && m.ref.layer === 'marts')) {
      const inputs = [...model.dependsOn.map((d) => plan.all.find((m) => m.name === d)!.ref), ...model.sources].map((ref) =>
        tables.get(name(ref))!,
      );
      const params = {
        partitions: dates,
        ...(model.incremental!.sql.includes('@pseudonym_salt') ? { pseudonym_salt: SALT } : {}),
      };
      const rows = await zetasql.evaluate(model.incremental!.sql, inputs, { params, types: { partitions: 'ARRAY<DATE>' } });
      const column = model.incremental!.partitionBy;
      const duck = await warehouse.query<Record<string, unknown>>(
        `SELECT * FROM ${warehouse.qualify(model.ref)} WHERE CAST("${column}" AS VARCHAR) IN ('2026-03-11', '2026-03-12')`,
      );
      expect(duck.length, model.name).to.be.greaterThan(0);
      expect(sorted(rows), model.name).to.deep.equal(sorted(duck));
    }
  });
});

import { expect } from 'chai';
import { ConfigError } from '../../../pipelines/core/errors.js';
import { silentLogger } from '../../../pipelines/core/logger.js';
import type { StepResult } from '../../../pipelines/core/result.js';
import { compileProject } from '../../../pipelines/transform/compile-project.js';
import { runPlan } from '../../../pipelines/transform/run-plan.js';
import type { CompileOptions } from '../../../pipelines/transform/types.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { modelYaml, sourcesYaml, tempProject } from './support/temp-project.js';

/**
 * raw.items -> stg_items (view) -> item_totals (table, tested) -> item_report; and an unrelated
 * other_model. Files can be replaced per test.
 */
const files = (overrides: Record<string, string> = {}): Record<string, string> => ({
  'staging/__sources.yml': sourcesYaml('items'),
  'staging/stg_items.sql':
    "SELECT id AS item_id, CAST(price AS {{ type('FLOAT64') }}) AS price FROM {{ source('raw', 'items') }}",
  'staging/stg_items.yml': modelYaml('stg_items', ['item_id', 'price:FLOAT64'], { materialized: 'view' }),
  'marts/item_totals.sql': "SELECT COUNT(*) AS items, SUM(price) AS total FROM {{ ref('stg_items') }}",
  'marts/item_totals.yml': modelYaml('item_totals', ['items:INT64', 'total:FLOAT64'], {
    tests: "    data_tests:\n      - expression_is_true: { expression: 'total < 100' }\n",
  }),
  'marts/item_report.sql': "SELECT items, total FROM {{ ref('item_totals') }}",
  'marts/item_report.yml': modelYaml('item_report', ['items:INT64', 'total:FLOAT64']),
  'marts/other_model.sql': "SELECT CAST(1 AS {{ type('INT64') }}) AS one",
  'marts/other_model.yml': modelYaml('other_model', ['one:INT64']),
  ...overrides,
});

describe('runPlan', function () {
  let warehouse: DuckDbWarehouse;
  const cleanups: Array<() => void> = [];

  beforeEach(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await warehouse.init();
    await warehouse.execute(`CREATE TABLE raw.items AS SELECT * FROM (VALUES ('i1', 10), ('i2', 20)) AS t(id, price)`);
  });
  afterEach(async function () {
    await warehouse.close();
    cleanups.splice(0).forEach((c) => c());
  });

  async function run(
    project: Record<string, string>,
    options: CompileOptions = {},
    extra: { completed?: Set<string>; signal?: AbortSignal } = {},
  ): Promise<Record<string, StepResult>> {
    const { modelsDir, remove } = tempProject(project);
    cleanups.push(remove);
    const plan = compileProject(modelsDir, 'duckdb', (ref) => warehouse.qualify(ref), options);
    const steps = await runPlan(plan, { warehouse, runId: 'run-1', logger: silentLogger(), ...extra });
    return Object.fromEntries(steps.map((s) => [s.name, s]));
  }

  it('builds views and tables atomically and reports each step', async function () {
    const steps = await run(files());
    expect(Object.keys(steps)).to.deep.equal([
      'model:marts.other_model',
      'model:staging.stg_items',
      'model:marts.item_totals',
      'test:expression_is_true_item_totals_total_100',
      'model:marts.item_report',
    ]);
    expect(Object.values(steps).every((s) => s.status === 'success')).to.equal(true);
    expect(steps['model:marts.item_totals']!.rows).to.equal(1);
    expect(steps['model:staging.stg_items']!.rows).to.equal(undefined);
    const kinds = await warehouse.query<{ table_name: string; table_type: string }>(
      `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema IN ('staging', 'marts') ORDER BY table_name`,
    );
    expect(kinds).to.deep.include({ table_name: 'stg_items', table_type: 'VIEW' });
    expect(kinds).to.deep.include({ table_name: 'item_report', table_type: 'BASE TABLE' });
    expect(await warehouse.query('SELECT * FROM marts.item_report')).to.deep.equal([{ items: 2, total: 30 }]);
  });

  it('skips everything downstream of a failed model, with the reason, and builds the rest', async function () {
    const steps = await run(
      files({ 'marts/item_totals.sql': "SELECT COUNT(*) AS items, SUM(nope) AS total FROM {{ ref('stg_items') }}" }),
    );
    expect(steps['model:marts.item_totals']!.status).to.equal('error');
    expect(steps['model:marts.item_totals']!.error!.message).to.match(/nope/);
    expect(steps['test:expression_is_true_item_totals_total_100']).to.include({ status: 'skipped' });
    expect(steps['test:expression_is_true_item_totals_total_100']!.message).to.match(/model marts\.item_totals was not built/);
    expect(steps['model:marts.item_report']).to.include({
      status: 'skipped',
      message: 'upstream model marts.item_totals failed',
    });
    expect(steps['model:marts.other_model']!.status).to.equal('success');
    expect(steps['model:staging.stg_items']!.status).to.equal('success');
  });

  it('skips downstream models when an error-level test fails, not when a warn-level one does', async function () {
    await warehouse.execute(`INSERT INTO raw.items VALUES ('i3', 500)`);
    const failing = await run(files());
    expect(failing['test:expression_is_true_item_totals_total_100']).to.include({ status: 'error', failures: 1 });
    expect(failing['test:expression_is_true_item_totals_total_100']!.error!.message).to.equal(
      'test expression_is_true_item_totals_total_100 on model marts.item_totals failed (total < 100 holds on every row): 1 failing row; sample: [{"items":3,"total":530}]',
    );
    expect(failing['model:marts.item_report']).to.include({
      status: 'skipped',
      message: 'upstream test expression_is_true_item_totals_total_100 failed',
    });

    const warnYaml = modelYaml('item_totals', ['items:INT64', 'total:FLOAT64'], {
      tests: "    data_tests:\n      - expression_is_true: { expression: 'total < 100', config: { severity: warn } }\n",
    });
    const warned = await run(files({ 'marts/item_totals.yml': warnYaml }));
    expect(warned['test:expression_is_true_item_totals_total_100']).to.include({
      status: 'success',
      severity: 'warn',
      failures: 1,
    });
    expect(warned['model:marts.item_report']!.status).to.equal('success');
  });

  it('resumes: completed models are not rebuilt, their tests and the rest run', async function () {
    await run(files());
    await warehouse.execute(`INSERT INTO raw.items VALUES ('i3', 5)`);
    // A marker row shows whether item_totals is rebuilt (it would be replaced).
    await warehouse.execute(`INSERT INTO marts.item_totals VALUES (0, 0)`);
    const steps = await run(files(), {}, { completed: new Set(['model:marts.other_model', 'item_totals']) });
    expect(steps['model:marts.other_model']).to.include({
      status: 'skipped',
      message: 'already built by an earlier attempt of this run',
    });
    expect(steps['model:marts.item_totals']!.status).to.equal('skipped');
    expect(steps['test:expression_is_true_item_totals_total_100']!.status).to.equal('success');
    expect(steps['model:staging.stg_items']!.status).to.equal('success');
    expect(steps['model:marts.item_report']!.status).to.equal('success');
    expect(await warehouse.query('SELECT * FROM marts.item_report ORDER BY items')).to.deep.equal([
      { items: 0, total: 0 },
      { items: 2, total: 30 },
    ]);
    const again = await run(files(), {}, { completed: new Set(['test:expression_is_true_item_totals_total_100']) });
    expect(again['test:expression_is_true_item_totals_total_100']!.status).to.equal('skipped');
    expect(again['model:marts.item_totals']!.status).to.equal('success');
  });

  it('fails a model whose built columns differ from its YAML, naming the file and the columns', async function () {
    const missing = await run(files({ 'marts/other_model.yml': modelYaml('other_model', ['one:INT64', 'three:STRING']) }));
    expect(missing['model:marts.other_model']!.status).to.equal('error');
    expect(missing['model:marts.other_model']!.error!.message).to.match(/three/);
    // The failed build left nothing behind: a model's build is atomic.
    expect(await warehouse.describe({ layer: 'marts', name: 'other_model' })).to.equal(null);

    const steps = await run(
      files({
        'marts/other_model.sql': 'SELECT 1 AS one, 2 AS two',
        'marts/other_model.yml': modelYaml('other_model', ['one:INT64']),
      }),
    );
    expect(steps['model:marts.other_model']!.status).to.equal('error');
    // INTEGER is DuckDB's 32-bit literal type; BigQuery would say INT64: the model must cast it.
    expect(steps['model:marts.other_model']!.error!.message).to.equal(
      'model marts.other_model does not match models/marts/other_model.yml: built but not declared: two; one is INTEGER, declared INT64 [model=other_model]',
    );
  });

  it('passes run-time parameters to the models that read them, and names a missing one', async function () {
    const project = files({ 'marts/other_model.sql': 'SELECT CAST(@factor AS {{ type("INT64") }}) * 2 AS one' });
    const built = await run(project, { params: { factor: 21 } });
    expect(built['model:marts.other_model']!.status).to.equal('success');
    expect(await warehouse.query('SELECT one FROM marts.other_model')).to.deep.equal([{ one: 42 }]);
    const missing = await run(project);
    expect(missing['model:marts.other_model']!.error!.message).to.match(
      /reads the parameter @factor, which the run does not provide/,
    );
  });

  it('skips what is left once the run is aborted', async function () {
    const controller = new AbortController();
    controller.abort();
    const steps = await run(files(), {}, { signal: controller.signal });
    expect(Object.values(steps).every((s) => s.status === 'skipped' && s.message === 'shutdown requested')).to.equal(true);
  });

  it('refuses a plan compiled for another engine', async function () {
    const { modelsDir, remove } = tempProject(files());
    cleanups.push(remove);
    const plan = compileProject(modelsDir, 'bigquery', () => '`p.raw.x`');
    let error: unknown;
    try {
      await runPlan(plan, { warehouse, runId: 'r', logger: silentLogger() });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.match(/compiled for bigquery but the warehouse is duckdb/);
  });
});

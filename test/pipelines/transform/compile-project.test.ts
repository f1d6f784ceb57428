import { expect } from 'chai';
import { ConfigError, TerminalError } from '../../../pipelines/core/errors.js';
import {
  compileProject,
  DEFAULT_MODELS_DIR,
  listCompiledModels,
  listSources,
} from '../../../pipelines/transform/compile-project.js';
import { bigQueryQualify, duckDbQualify } from '../../../pipelines/transform/qualify.js';
import { modelYaml, sourcesYaml, tempProject } from './support/temp-project.js';

const projects: Array<{ remove(): void }> = [];
function project(files: Record<string, string>): string {
  const p = tempProject(files);
  projects.push(p);
  return p.modelsDir;
}

function compileError(files: Record<string, string>): Error {
  try {
    compileProject(project(files), 'duckdb', duckDbQualify);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the project not to compile');
}

/** A small valid project: two staging views over raw tables, a mart reading both. */
const base = {
  'staging/__sources.yml': sourcesYaml('orders', 'customers'),
  'staging/stg_orders.sql': "SELECT id AS order_id, customer_id FROM {{ source('raw', 'orders') }}",
  'staging/stg_orders.yml': modelYaml('stg_orders', ['order_id', 'customer_id'], {
    materialized: 'view',
  }).replace(
    '      - name: customer_id\n        data_type: STRING\n        description: The customer_id.',
    '      - name: customer_id\n        data_type: STRING\n        description: The customer_id.\n        data_tests:\n          - relationships: { to: "ref(\'stg_customers\')", field: customer_id }',
  ),
  'staging/stg_customers.sql': "SELECT id AS customer_id FROM {{ source('raw', 'customers') }}",
  'staging/stg_customers.yml': modelYaml('stg_customers', ['customer_id'], { materialized: 'view' }),
  'marts/customer_orders.sql':
    "SELECT c.customer_id, COUNT(o.order_id) AS orders\nFROM {{ ref('stg_customers') }} AS c\nLEFT JOIN {{ ref('stg_orders') }} AS o ON o.customer_id = c.customer_id\nGROUP BY c.customer_id",
  'marts/customer_orders.yml': modelYaml('customer_orders', ['customer_id', 'orders:INT64'], {
    tests: '    data_tests:\n      - reconcile_count:\n          expected: "SELECT COUNT(*) FROM {{ ref(\'stg_customers\') }}"\n',
  }),
};

describe('compileProject', function () {
  after(() => projects.forEach((p) => p.remove()));

  it('orders models by their refs and places each test after every model it reads', function () {
    const plan = compileProject(project(base), 'duckdb', duckDbQualify);
    expect(plan.models.map((m) => m.name)).to.deep.equal(['stg_customers', 'stg_orders', 'customer_orders']);
    const steps = plan.steps.map((s) => (s.kind === 'model' ? `model:${s.model.name}` : `test:${s.test.name}`));
    expect(steps).to.deep.equal([
      'model:stg_customers',
      'model:stg_orders',
      'test:relationships_stg_orders_customer_id__stg_customers_customer_id',
      'model:customer_orders',
      'test:reconcile_count_customer_orders',
    ]);
    const mart = plan.models[2]!;
    expect(mart.dependsOn).to.deep.equal(['stg_customers', 'stg_orders']);
    expect(mart.ref).to.deep.equal({ layer: 'marts', name: 'customer_orders' });
    expect(mart.sql).to.contain('FROM "staging"."stg_customers" AS c');
    expect(mart.path).to.equal('models/marts/customer_orders.sql');
    expect(plan.models[1]!.sources).to.deep.equal([{ layer: 'raw', name: 'orders' }]);
  });

  it('places a test reading a later model after that model', function () {
    const files = {
      ...base,
      // stg_orders now reads nothing from stg_customers, and a_first sorts first but tests against stg_orders.
      'marts/a_first.sql': "SELECT customer_id FROM {{ ref('stg_customers') }}",
      'marts/a_first.yml': modelYaml('a_first', ['customer_id']).replace(
        'description: The customer_id.',
        'description: The customer_id.\n        data_tests:\n          - relationships: { to: "ref(\'customer_orders\')", field: customer_id }',
      ),
    };
    const steps = compileProject(project(files), 'duckdb', duckDbQualify).steps.map((s) =>
      s.kind === 'model' ? s.model.name : s.test.name,
    );
    const test = steps.indexOf('relationships_a_first_customer_id__customer_orders_customer_id');
    expect(steps.indexOf('a_first')).to.be.lessThan(steps.indexOf('customer_orders'));
    expect(test).to.be.greaterThan(steps.indexOf('customer_orders'));
  });

  it('compiles the same model for each engine with its names and macros', function () {
    const files = {
      ...base,
      'marts/customer_orders.sql':
        "SELECT customer_id, {{ median('orders') }} AS median_orders, {{ safe_divide('orders', '2') }} AS half FROM {{ ref('stg_orders') }}",
      'marts/customer_orders.yml': modelYaml('customer_orders', ['customer_id', 'median_orders:FLOAT64', 'half:FLOAT64']),
    };
    const dir = project(files);
    const duck = compileProject(dir, 'duckdb', duckDbQualify).models.find((m) => m.name === 'customer_orders')!;
    const bq = compileProject(dir, 'bigquery', bigQueryQualify('proj', 'dev_')).models.find((m) => m.name === 'customer_orders')!;
    expect(duck.sql).to.equal(
      'SELECT customer_id, quantile_cont(orders, 0.5) OVER () AS median_orders, (CAST(orders AS DOUBLE) / NULLIF(2, 0)) AS half FROM "staging"."stg_orders"',
    );
    expect(bq.sql).to.equal(
      'SELECT customer_id, PERCENTILE_CONT(orders, 0.5) OVER () AS median_orders, SAFE_DIVIDE(orders, 2) AS half FROM `proj.dev_staging.stg_orders`',
    );
  });

  it('selects models with + and keeps only their tests', function () {
    const plan = compileProject(project(base), 'duckdb', duckDbQualify, { models: 'stg_orders+' });
    expect(plan.models.map((m) => m.name)).to.deep.equal(['stg_orders', 'customer_orders']);
    expect(plan.all).to.have.length(3);
    // customer_orders' reconcile test reads stg_customers, upstream of it: kept.
    expect(plan.steps.filter((s) => s.kind === 'test').map((s) => s.kind === 'test' && s.test.name)).to.deep.equal([
      'reconcile_count_customer_orders',
    ]);
    expect(compileProject(project(base), 'duckdb', duckDbQualify, { select: ['+customer_orders'] }).models).to.have.length(3);
    // stg_orders' relationship test reads stg_customers, neither selected nor upstream of stg_orders: left out.
    const alone = compileProject(project(base), 'duckdb', duckDbQualify, { models: 'stg_orders' });
    expect(alone.steps.map((s) => s.kind)).to.deep.equal(['model']);
  });

  it('names the file and line of a ref to a model that does not exist', function () {
    const error = compileError({
      ...base,
      'marts/customer_orders.sql': "SELECT 1 AS customer_id,\n  2 AS orders\nFROM {{ ref('stg_nope') }}",
    });
    expect(error).to.be.instanceOf(TerminalError);
    expect(error.message).to.match(/^models\/marts\/customer_orders\.sql:3: ref\('stg_nope'\): no model named 'stg_nope'/);
  });

  it('rejects a source no sources: block declares, naming the model file', function () {
    const error = compileError({
      ...base,
      'staging/stg_orders.sql': "SELECT id AS order_id, 'x' AS customer_id FROM {{ source('raw', 'order') }}",
    });
    expect(error.message).to.match(/^models\/staging\/stg_orders\.sql:1: source\('raw', 'order'\) is not declared/);
  });

  it('rejects a model with no YAML, and a YAML model with no SQL', function () {
    expect(compileError({ ...base, 'marts/orphan.sql': 'SELECT 1 AS x' }).message).to.match(
      /^models\/marts\/orphan\.sql: no YAML declares model 'orphan' \(add models\/marts\/orphan\.yml/,
    );
    expect(compileError({ ...base, 'marts/ghost.yml': modelYaml('ghost', ['x']) }).message).to.match(
      /^models\/marts\/ghost\.yml: models\[0\]: no SQL file for model 'ghost'/,
    );
  });

  it('reports invalid YAML with the file and the path of the fault', function () {
    const badType = modelYaml('customer_orders', ['customer_id', 'orders:NUMBER']);
    expect(compileError({ ...base, 'marts/customer_orders.yml': badType }).message).to.match(
      /^models\/marts\/customer_orders\.yml: models\[0\]\.columns\[1\]\.data_type: Invalid option/,
    );
    const unknownKey = modelYaml('customer_orders', ['customer_id', 'orders:INT64']).replace('config:', 'confg:');
    expect(compileError({ ...base, 'marts/customer_orders.yml': unknownKey }).message).to.match(/customer_orders\.yml: .*confg/);
    const badTest = modelYaml('customer_orders', ['customer_id', 'orders:INT64'], { tests: '    data_tests: [unique]\n' });
    expect(compileError({ ...base, 'marts/customer_orders.yml': badTest }).message).to.match(
      /models\[0\]\.data_tests\[0\]: 'unique' is not a model test/,
    );
    const noPartition = modelYaml('customer_orders', ['customer_id', 'orders:INT64'], { materialized: 'incremental' });
    expect(compileError({ ...base, 'marts/customer_orders.yml': noPartition }).message).to.match(
      /models\[0\]\.config: an incremental model needs partition_by/,
    );
    expect(compileError({ ...base, 'marts/customer_orders.yml': 'models: [\n' }).message).to.match(
      /^models\/marts\/customer_orders\.yml: not valid YAML/,
    );
  });

  it('names the cycle and its files', function () {
    const error = compileError({
      ...base,
      'staging/stg_customers.sql': "SELECT customer_id FROM {{ ref('customer_orders') }}",
    });
    expect(error.message).to.match(/cycle in model dependencies: customer_orders -> stg_customers -> customer_orders/);
    expect(error.message).to.contain('models/marts/customer_orders.sql').and.contain('models/staging/stg_customers.sql');
  });

  it('rejects a model selecting from itself, duplicate test names and parameters in views', function () {
    expect(compileError({ ...base, 'marts/customer_orders.sql': "SELECT * FROM {{ ref('customer_orders') }}" }).message).to.match(
      /cannot select from itself/,
    );
    const twice = modelYaml('customer_orders', ['customer_id', 'orders:INT64']).replace(
      'description: The customer_id.',
      'description: The customer_id.\n        data_tests: [unique, unique]',
    );
    expect(compileError({ ...base, 'marts/customer_orders.yml': twice }).message).to.match(
      /test name 'unique_customer_orders_customer_id' is used twice/,
    );
    expect(
      compileError({
        ...base,
        'staging/stg_customers.sql': "SELECT id AS customer_id FROM {{ source('raw', 'customers') }} WHERE id <> @secret",
      }).message,
    ).to.match(/stg_customers\.sql: a view cannot read query parameters \(@secret\)/);
  });

  it('validates run options: partitions are dates and exclude a full refresh', function () {
    const dir = project(base);
    expect(() => compileProject(dir, 'duckdb', duckDbQualify, { partitions: ['2026-13-45'] })).to.throw(
      ConfigError,
      /not a date/,
    );
    expect(() => compileProject(dir, 'duckdb', duckDbQualify, { partitions: ['2026-01-01'], fullRefresh: true })).to.throw(
      ConfigError,
      /exclude each other/,
    );
    const plan = compileProject(dir, 'duckdb', duckDbQualify, {
      partitions: ['2026-01-02', '2026-01-01', '2026-01-02'],
      pseudonymSalt: 's',
    });
    expect(plan.partitions).to.deep.equal(['2026-01-01', '2026-01-02']);
    expect(plan.params).to.deep.equal({ pseudonym_salt: 's' });
  });

  it('requires an incremental model to filter on its partitions', function () {
    const yaml = modelYaml('customer_orders', ['customer_id', 'day:DATE'], {
      materialized: 'incremental',
      extra:
        "      partition_by: day\n      incremental:\n        source: source('raw', 'orders')\n        loaded_at: _loaded_at\n        partition_expr: CAST(created_at AS DATE)\n",
    });
    const error = compileError({
      ...base,
      'marts/customer_orders.yml': yaml,
      'marts/customer_orders.sql': "SELECT customer_id, CAST(created_at AS DATE) AS day FROM {{ source('raw', 'orders') }}",
    });
    expect(error.message).to.match(
      /customer_orders\.sql: incremental model 'customer_orders' never calls incremental_filter\(\)/,
    );
  });
});

describe('the project models', function () {
  const interfaces: Record<string, string[]> = {
    borrower_profile_distribution: ['dimension', 'value', 'borrowers', 'share'],
    best_proposition: ['opportunity_id', 'proposition_id', 'interest_rate', 'duration_months', 'bank_id', 'bank_name'],
    opportunity_lookup: [
      'id',
      'age_emprunteur',
      'banque_principale',
      'deja_souscrit_credit_immo',
      'categorie_professionnelle',
      'contrat_travail',
      'revenu_total',
      'montant_pret_principal',
      'stage_name',
      'created_at',
      'best_proposition_id',
      'best_interest_rate',
      'best_duration_months',
      'best_bank_name',
    ],
  };

  for (const target of ['duckdb', 'bigquery'] as const) {
    it(`compile for ${target}, each documented with its columns and tests`, function () {
      const qualify = target === 'duckdb' ? duckDbQualify : bigQueryQualify();
      const models = listCompiledModels(DEFAULT_MODELS_DIR, target, qualify);
      expect(models.map((m) => `${m.ref.layer}.${m.name}`)).to.include.members([
        'staging.stg_crm_opportunities',
        'staging.stg_crm_propositions',
        'staging.stg_crm_banks',
        'marts.borrower_profile_distribution',
        'marts.borrower_profile',
        'marts.best_proposition',
        'marts.opportunity_lookup',
      ]);
      for (const model of models) {
        expect(model.description, model.name).to.have.length.greaterThan(20);
        expect(model.yamlPath, model.name).to.equal(model.path.replace(/\.sql$/, '.yml'));
        expect(
          model.columns.every((c) => c.description.length > 0),
          model.name,
        ).to.equal(true);
        expect(model.tests.length, model.name).to.be.greaterThan(0);
        expect(model.sql).not.to.match(/\{\{|\}\}/);
      }
      for (const [name, columns] of Object.entries(interfaces)) {
        expect(
          models.find((m) => m.name === name)!.columns.map((c) => c.name),
          name,
        ).to.deep.equal(columns);
      }
    });
  }

  it('declare the raw CRM sources they read', function () {
    expect(listSources().map((s) => `${s.ref.layer}.${s.ref.name}`)).to.include.members([
      'raw.crm_opportunities',
      'raw.crm_propositions',
      'raw.crm_banks',
    ]);
  });
});

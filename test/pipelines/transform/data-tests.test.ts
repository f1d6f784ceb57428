import { expect } from 'chai';
import { silentLogger } from '../../../pipelines/core/logger.js';
import type { StepResult } from '../../../pipelines/core/result.js';
import { compileProject } from '../../../pipelines/transform/compile-project.js';
import { runPlan } from '../../../pipelines/transform/run-plan.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { sourcesYaml, tempProject } from './support/temp-project.js';

const PEOPLE_YAML = `models:
  - name: people
    description: People, to exercise every kind of data test.
    config: { materialized: table }
    columns:
      - name: id
        data_type: STRING
        description: Key.
        data_tests: [unique, not_null]
      - name: team
        data_type: STRING
        description: Team.
        data_tests:
          - accepted_values: { values: [a, b] }
          - relationships: { to: "source('raw', 'teams')", field: team }
      - name: age
        data_type: FLOAT64
        description: Age.
        data_tests:
          - accepted_range: { min_value: 18, max_value: 100 }
          - accepted_range:
              name: age_under_35_in_team_a
              max_value: 35
              inclusive: false
              config: { where: "team = 'a'", severity: warn }
      - name: active
        data_type: BOOL
        description: Active.
        data_tests:
          - accepted_values: { values: [true] }
      - name: joined
        data_type: DATE
        description: Joined.
        data_tests:
          - accepted_values: { values: ['2024-01-01'] }
    data_tests:
      - unique_combination: { columns: [team, active] }
      - expression_is_true: { expression: "age >= 18 OR team = 'b'" }
      - reconcile_count:
          expected: "SELECT COUNT(*) FROM {{ source('raw', 'people') }} WHERE id IS NOT NULL"
      - custom_sql:
          name: no_p3
          sql: "SELECT id, team FROM {{ this }} WHERE id = 'p3'"
          config: { severity: warn }
`;

describe('data tests', function () {
  let warehouse: DuckDbWarehouse;
  let steps: Map<string, StepResult>;
  let remove: () => void;

  before(async function () {
    const project = tempProject({
      'staging/__sources.yml': sourcesYaml('people', 'teams'),
      'marts/people.sql': "SELECT id, team, age, active, joined FROM {{ source('raw', 'people') }}",
      'marts/people.yml': PEOPLE_YAML,
    });
    remove = project.remove;
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await warehouse.init();
    await warehouse.execute(`CREATE TABLE raw.teams AS SELECT * FROM (VALUES ('a'), ('b')) AS t(team)`);
    await warehouse.execute(`CREATE TABLE raw.people AS SELECT id, team, CAST(age AS DOUBLE) AS age, active, CAST(joined AS DATE) AS joined
      FROM (VALUES ('p1', 'a', 30, true, '2024-01-01'), ('p1', 'b', 40, true, '2024-01-01'), ('p3', 'c', 150, false, '2024-01-02'),
                   (NULL, 'a', 10, true, '2024-01-01'), ('p5', NULL, NULL, NULL, NULL)) AS t(id, team, age, active, joined)`);
    const plan = compileProject(project.modelsDir, 'duckdb', (ref) => warehouse.qualify(ref));
    const results = await runPlan(plan, { warehouse, runId: 'run-1', logger: silentLogger() });
    steps = new Map(results.map((s) => [s.name, s]));
  });
  after(async () => {
    await warehouse?.close();
    remove?.();
  });

  const expectations: Array<[string, number, Array<Record<string, unknown>>]> = [
    ['unique_people_id', 1, [{ value: 'p1', occurrences: 2 }]],
    ['not_null_people_id', 1, [{ id: null }]],
    ['accepted_values_people_team', 1, [{ value: 'c', occurrences: 1 }]],
    ['relationships_people_team__teams_team', 1, [{ value: 'c', occurrences: 1 }]],
    [
      'accepted_range_people_age',
      2,
      [
        { id: 'p3', age: 150 },
        { id: null, age: 10 },
      ],
    ],
    ['accepted_values_people_active', 1, [{ value: false, occurrences: 1 }]],
    ['accepted_values_people_joined', 1, [{ value: '2024-01-02', occurrences: 1 }]],
    ['unique_combination_people_team_active', 1, [{ team: 'a', active: true, occurrences: 2 }]],
    // NULL is not true: the row with no age and no team fails too.
    [
      'expression_is_true_people_age_18_or_team_b',
      2,
      [
        { id: null, team: 'a', age: 10 },
        { id: 'p5', team: null, age: null },
      ],
    ],
    ['reconcile_count_people', 1, [{ actual: 5, expected: 4 }]],
  ];

  for (const [name, failures, sample] of expectations) {
    it(`${name} fails with its model, its name and a sample of the failing rows`, function () {
      expect(steps.has(`test:${name}`), name).to.equal(true);
      const step = steps.get(`test:${name}`)!;
      expect(step.status).to.equal('error');
      expect(step.severity).to.equal('error');
      expect(step.failures).to.equal(failures);
      expect(step.sample).to.have.deep.members(sample);
      expect(step.error!.message).to.match(
        new RegExp(`^test ${name} on model marts\\.people failed \\(.+\\): ${failures} failing rows?; sample: \\[`),
      );
      expect(step.error!.message.endsWith(`sample: ${JSON.stringify(step.sample)}`)).to.equal(true);
    });
  }

  it('reports a warn-level failure as a success with a message, and applies config.where', function () {
    const step = steps.get('test:no_p3')!;
    expect(step.status).to.equal('success');
    expect(step.severity).to.equal('warn');
    expect(step.failures).to.equal(1);
    expect(step.message).to.match(/^warning: test no_p3 on model marts\.people failed .*sample: \[\{"id":"p3","team":"c"\}\]/);
    // Only team a rows are tested (ages 30 and 10); team b's 40 and team c's 150 would fail.
    const where = steps.get('test:age_under_35_in_team_a')!;
    expect(where.status).to.equal('success');
    expect(where.failures).to.equal(0);
    expect(where.message).to.equal(undefined);
  });
});

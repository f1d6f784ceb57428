import { expect } from 'chai';
import { docsFromProject, docsSourcesFromTables } from '../../../pipelines/docs/from-project.js';
import { CRM_SOURCES } from '../../../pipelines/extract/csv/crm-sources.js';
import { DEFAULT_MODELS_DIR, listCompiledModels } from '../../../pipelines/transform/compile-project.js';
import { bigQueryQualify } from '../../../pipelines/transform/qualify.js';

describe('docs from the project', function () {
  let compiled: ReturnType<typeof listCompiledModels>;
  let models: ReturnType<typeof docsFromProject>['models'];
  let sources: ReturnType<typeof docsFromProject>['sources'];
  before(function () {
    compiled = listCompiledModels(DEFAULT_MODELS_DIR, 'bigquery', bigQueryQualify('acme-data', 'dev_'));
    ({ models, sources } = docsFromProject({ project: 'acme-data', bigqueryDatasetPrefix: 'dev_' }));
  });

  it('lists every model with its layer, columns, and each test on its column or on the table', function () {
    expect(models.map((m) => `${m.layer}.${m.name}`)).to.deep.equal(compiled.map((m) => `${m.ref.layer}.${m.name}`));
    for (const [i, model] of models.entries()) {
      const source = compiled[i]!;
      expect(model.materialization).to.equal(source.materialized);
      expect(model.columns.map((c) => [c.name, c.type])).to.deep.equal(source.columns.map((c) => [c.name, c.type]));
      const columnTests = model.columns.flatMap((c) => c.tests.map((t) => t.name));
      expect([...columnTests, ...model.tests.map((t) => t.name)].sort()).to.deep.equal(source.tests.map((t) => t.name).sort());
      expect(model.tests.every((t) => source.tests.find((s) => s.name === t.name)!.column === undefined)).to.equal(true);
      expect(model.sql).to.equal(source.sql);
    }
  });

  it('names every dependency with its layer: raw sources, staging models, marts', function () {
    for (const model of models) {
      const source = compiled.find((m) => m.name === model.name)!;
      expect(model.dependsOn).to.have.length(source.dependsOn.length + source.sources.length);
      for (const dependency of model.dependsOn) expect(dependency).to.match(/^(raw|staging|marts)\.[a-z_]+$/);
    }
    const profile = models.find((m) => m.name === 'borrower_profile')!;
    expect(profile.dependsOn).to.include('marts.borrower_profile_distribution');
    expect(models.find((m) => m.name === 'stg_crm_opportunities')!.dependsOn).to.deep.equal(['raw.crm_opportunities']);
    expect(profile.sql).to.contain('`acme-data.dev_staging.stg_crm_opportunities`');
  });

  it('gives a source without declared columns the columns its loader writes', function () {
    const opportunities = sources.find((s) => s.name === 'crm_opportunities')!;
    const names = opportunities.columns.map((c) => c.name);
    expect(names.slice(0, CRM_SOURCES.opportunities.columns.length)).to.deep.equal(
      CRM_SOURCES.opportunities.columns.map((c) => c.name),
    );
    expect(names.slice(-5)).to.deep.equal(['_load_id', '_file', '_line', '_exported_at', '_loaded_at']);
    const declared = docsSourcesFromTables([
      {
        ref: { layer: 'raw', name: 'crm_banks' },
        description: 'd',
        yamlPath: 'x.yml',
        columns: [{ name: 'Id', description: 'id' }],
      },
    ]);
    expect(declared[0]!.columns).to.deep.equal([{ name: 'Id', description: 'id' }]);
  });
});

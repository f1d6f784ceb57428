import { CRM_SOURCES, KIND_TYPES } from '../extract/csv/crm-sources.js';
import { MKT_EVENTS, MKT_USERS } from '../extract/api/marketing-tables.js';
import { DEFAULT_MODELS_DIR, listCompiledModels, listSources } from '../transform/compile-project.js';
import { bigQueryQualify, PLACEHOLDER_PROJECT } from '../transform/qualify.js';
import type { CompiledModel, CompiledTest, SourceTable } from '../transform/types.js';
import type { DocsModel, DocsSource, DocsTest } from './types.js';

/** The CRM load lineage columns every raw CRM table carries besides the export's own. */
const CRM_LOAD_COLUMNS = [
  { name: '_load_id', type: 'STRING', description: 'Load that wrote the row (see ops.pipeline_steps)' },
  { name: '_file', type: 'STRING', description: 'Export file the row came from' },
  { name: '_line', type: 'INT64', description: 'Line of the row in that file' },
  { name: '_exported_at', type: 'TIMESTAMP', description: 'When the CRM exported the file' },
  { name: '_loaded_at', type: 'TIMESTAMP', description: 'When the row was committed' },
];

/**
 * The project's models and sources as the docs show them: every model compiled for BigQuery (the SQL
 * on each page is what runs there) with relation names in `project`/`prefix`. Throws the compiler's
 * error, naming the file, when the project is invalid.
 */
export function docsFromProject(options: { modelsDir?: string; project?: string; bigqueryDatasetPrefix?: string } = {}): {
  models: DocsModel[];
  sources: DocsSource[];
} {
  const modelsDir = options.modelsDir ?? DEFAULT_MODELS_DIR;
  const qualify = bigQueryQualify(options.project || PLACEHOLDER_PROJECT, options.bigqueryDatasetPrefix ?? '');
  return {
    models: docsModelsFromCompiled(listCompiledModels(modelsDir, 'bigquery', qualify)),
    sources: docsSourcesFromTables(listSources(modelsDir)),
  };
}

/** Adapts compiled models to the docs' input. */
export function docsModelsFromCompiled(models: CompiledModel[]): DocsModel[] {
  return models.map((model) => ({
    name: model.name,
    layer: model.ref.layer === 'staging' ? 'staging' : 'marts',
    description: model.description,
    materialization: model.materialized,
    columns: model.columns.map((c) => ({
      name: c.name,
      type: c.type,
      description: c.description,
      tests: model.tests.filter((t) => t.column === c.name).map(docsTest),
    })),
    tests: model.tests.filter((t) => t.column === undefined).map(docsTest),
    dependsOn: [
      ...model.sources.map((s) => `${s.layer}.${s.name}`),
      ...model.dependsOn.map((name) => `${models.find((m) => m.name === name)?.ref.layer ?? 'staging'}.${name}`),
    ],
    ...(model.spec.partitionBy ? { partitionBy: model.spec.partitionBy.column } : {}),
    path: model.path,
    sql: model.sql,
  }));
}

function docsTest(test: CompiledTest): DocsTest {
  return { name: test.name, kind: test.kind, description: test.description, severity: test.severity };
}

/**
 * Adapts declared sources; a source whose YAML lists no columns gets the columns its loader writes
 * (CRM export columns and load lineage; marketing API tables), so the sources page is complete.
 */
export function docsSourcesFromTables(sources: SourceTable[]): DocsSource[] {
  return sources
    .filter((s) => s.ref.layer === 'raw')
    .map((source) => ({
      name: source.ref.name,
      description: source.description,
      columns: source.columns.length > 0 ? source.columns : loaderColumns(source.ref.name),
    }));
}

function loaderColumns(table: string): DocsSource['columns'] {
  const crm = Object.values(CRM_SOURCES).find((s) => s.rawTable === table);
  if (crm) {
    return [
      ...crm.columns.map((c) => ({ name: c.name, type: KIND_TYPES[c.kind], description: c.description })),
      ...CRM_LOAD_COLUMNS,
    ];
  }
  const marketing = [MKT_EVENTS, MKT_USERS].find((spec) => spec.ref.name === table);
  return marketing ? marketing.columns.map((c) => ({ name: c.name, type: c.type, description: c.description ?? '' })) : [];
}

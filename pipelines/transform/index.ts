/**
 * The transform step: SQL models under `models/` (dbt's layout), compiled for DuckDB or BigQuery into
 * a plan (`compileProject`, pure), executed by `runPlan`. `listCompiledModels` gives every model with
 * its columns, descriptions and tests, for the docs and the ZetaSQL checks.
 */
export { compileProject, DEFAULT_MODELS_DIR, listCompiledModels, listSources } from './compile-project.js';
export { runPlan, type RunPlanOptions } from './run-plan.js';
export { bigQueryQualify, duckDbQualify, PLACEHOLDER_PROJECT, qualifyFor } from './qualify.js';
export { dialectFor, type Dialect } from './dialect.js';
export type {
  CompileOptions,
  CompiledModel,
  CompiledTest,
  IncrementalConfig,
  Materialized,
  ModelColumn,
  PlanStep,
  Qualify,
  SourceTable,
  Target,
  TestKind,
  TransformPlan,
} from './types.js';

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, TerminalError } from '../core/errors.js';
import { paramNames } from '../warehouse/sql-params.js';
import type { Layer, TableRef } from '../warehouse/types.js';
import { compileTest, type TestSubject } from './data-tests.js';
import { ancestors, selectModels, topologicalOrder } from './dag.js';
import { dialectFor, MacroError, type Dialect } from './dialect.js';
import { fileError, parseModelYaml, type ModelDeclaration, type SourceDeclaration, type TestDeclaration } from './model-yaml.js';
import { qualifyFor } from './qualify.js';
import { renderSql, type RenderContext } from './render.js';
import type {
  CompileOptions,
  CompiledModel,
  CompiledTest,
  IncrementalConfig,
  PlanStep,
  Qualify,
  SourceTable,
  Target,
  TransformPlan,
} from './types.js';

/** The project's `models/` folder. */
export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

/** Top-level folders of `models/` and the warehouse layer their models are built in. */
const LAYER_FOLDERS: Record<string, Layer> = { staging: 'staging', marts: 'marts' };

interface Project {
  models: CompiledModel[];
  sources: SourceTable[];
}

/**
 * Every model of the project, compiled for `target` with relation names from `qualify` (default: the
 * pure qualify of the target, BigQuery's with the placeholder project), in dependency order, with its declared columns, descriptions and tests (each test compiled too). Pure: reads the
 * files, touches no warehouse. Throws a TerminalError naming the file for any fault of the project
 * (bad YAML, unknown ref or source, undeclared model, cycle...).
 */
export function listCompiledModels(
  modelsDir: string = DEFAULT_MODELS_DIR,
  target: Target = 'bigquery',
  qualify: Qualify = qualifyFor(target),
): CompiledModel[] {
  return loadProject(modelsDir, target, qualify).models;
}

/** The raw relations declared in `sources:` blocks, as the docs show them. */
export function listSources(modelsDir: string = DEFAULT_MODELS_DIR): SourceTable[] {
  return readDeclarations(modelsDir).sources.map(toSourceTable);
}

/**
 * Compiles the project and plans a run (as Dataform does): the selected models in dependency order,
 * each followed by its tests once every model they read is built. A test reading a model that is
 * neither selected nor upstream of the tested model is left out of a partial selection. Pure;
 * `runPlan` executes the plan.
 */
export function compileProject(modelsDir: string, target: Target, qualify: Qualify, options: CompileOptions = {}): TransformPlan {
  if (options.fullRefresh && options.partitions) {
    throw new ConfigError('--full-refresh and an explicit list of partitions exclude each other');
  }
  for (const partition of options.partitions ?? []) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(partition) || Number.isNaN(Date.parse(`${partition}T00:00:00Z`))) {
      throw new ConfigError(`partitions: '${partition}' is not a date (YYYY-MM-DD)`);
    }
  }
  const { models } = loadProject(modelsDir, target, qualify);
  const selected = selectModels(models, options.models ?? options.select);
  const chosen = models.filter((m) => selected.has(m.name));
  const steps: PlanStep[] = [];
  const built = new Set<string>();
  let pending: CompiledTest[] = [];
  for (const model of chosen) {
    steps.push({ kind: 'model', model });
    built.add(model.name);
    // As dbt's "buildable" test selection: a test runs when every model it reads is selected or
    // upstream of its own model (so it exists whenever the model can be built).
    const upstream = ancestors(models, model.name);
    pending.push(...model.tests.filter((t) => t.dependsOn.every((d) => selected.has(d) || upstream.has(d))));
    const ready = pending.filter((t) => t.dependsOn.every((d) => built.has(d) || !selected.has(d)));
    for (const test of ready) steps.push({ kind: 'test', test });
    pending = pending.filter((t) => !ready.includes(t));
  }
  return {
    target,
    modelsDir,
    all: models,
    models: chosen,
    steps,
    fullRefresh: options.fullRefresh ?? false,
    fullTests: options.fullTests ?? false,
    ...(options.partitions ? { partitions: [...new Set(options.partitions)].sort() } : {}),
    params: { ...options.params, ...(options.pseudonymSalt !== undefined ? { pseudonym_salt: options.pseudonymSalt } : {}) },
  };
}

interface SqlFile {
  name: string;
  layer: Layer;
  path: string;
  absolute: string;
}

interface Declarations {
  root: string;
  sqlFiles: SqlFile[];
  models: ModelDeclaration[];
  sources: SourceDeclaration[];
}

function readDeclarations(modelsDir: string): Declarations {
  if (!existsSync(modelsDir) || !statSync(modelsDir).isDirectory()) {
    throw new ConfigError(`models folder not found: ${modelsDir}`);
  }
  const root = dirname(modelsDir.replace(/[\\/]+$/, ''));
  const sqlFiles: SqlFile[] = [];
  const models: ModelDeclaration[] = [];
  const sources: SourceDeclaration[] = [];
  for (const absolute of walk(modelsDir)) {
    const path = relative(root, absolute).split(sep).join('/');
    if (absolute.endsWith('.sql')) {
      const folder = relative(modelsDir, absolute).split(sep)[0]!;
      const layer = LAYER_FOLDERS[folder];
      if (!layer || folder === basename(absolute)) {
        throw fileError(
          path,
          `a model lives under ${Object.keys(LAYER_FOLDERS)
            .map((f) => `models/${f}/`)
            .join(' or ')}`,
        );
      }
      const name = basename(absolute, '.sql');
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw fileError(path, `model name '${name}': letters, digits and underscores only`);
      const twin = sqlFiles.find((f) => f.name === name);
      if (twin) throw fileError(path, `model '${name}' is also defined by ${twin.path}; model names are unique`);
      sqlFiles.push({ name, layer, path, absolute });
    } else if (/\.ya?ml$/.test(absolute)) {
      const parsed = parseModelYaml(readFileSync(absolute, 'utf8'), path);
      models.push(...parsed.models);
      sources.push(...parsed.sources);
    }
  }
  return { root, sqlFiles, models, sources };
}

function loadProject(modelsDir: string, target: Target, qualify: Qualify): Project {
  const dialect = dialectFor(target);
  const { sqlFiles, models: declarations, sources } = readDeclarations(modelsDir);

  const declared = new Map<string, ModelDeclaration>();
  for (const declaration of declarations) {
    const twin = declared.get(declaration.name);
    if (twin) throw fileError(declaration.file, `model '${declaration.name}' is already declared in ${twin.file}`);
    if (!sqlFiles.some((f) => f.name === declaration.name)) {
      throw fileError(declaration.file, `${declaration.at}: no SQL file for model '${declaration.name}'`);
    }
    declared.set(declaration.name, declaration);
  }
  const sourceKeys = new Map<string, SourceDeclaration>();
  for (const source of sources) {
    const key = `${source.layer}.${source.name}`;
    const twin = sourceKeys.get(key);
    if (twin) throw fileError(source.file, `source ${key} is already declared in ${twin.file}`);
    sourceKeys.set(key, source);
  }
  const files = new Map(sqlFiles.map((f) => [f.name, f]));
  const refOf = (name: string): TableRef => ({ layer: files.get(name)!.layer, name });

  // `this` is the model's own relation, in its SQL (as dbt's `{{ this }}`) and in its tests.
  const context = (file: string, model: string, incremental: boolean, merge = false): RenderContext => ({
    file,
    dialect,
    incremental,
    merge,
    self: qualify(refOf(model)),
    ref: (name) => {
      const locate = new RegExp(`ref\\(\\s*['"]${escapeRegExp(name)}['"]`);
      if (!files.has(name)) throw new MacroError(`ref('${name}'): no model named '${name}'`, locate);
      if (name === model) throw new MacroError(`ref('${name}'): a model cannot select from itself (use {{ this }})`, locate);
      return qualify(refOf(name));
    },
    source: (layer, table) => {
      if (!sourceKeys.has(`${layer}.${table}`)) {
        throw new MacroError(
          `source('${layer}', '${table}') is not declared in any sources: block of models/`,
          new RegExp(`source\\(\\s*['"]${escapeRegExp(layer)}['"]\\s*,\\s*['"]${escapeRegExp(table)}['"]`),
        );
      }
      return qualify({ layer: layer as Layer, name: table });
    },
  });

  const compiled = new Map<string, CompiledModel>();
  for (const file of sqlFiles) {
    const declaration = declared.get(file.name);
    if (!declaration) {
      throw fileError(
        file.path,
        `no YAML declares model '${file.name}' (add ${file.path.replace(/\.sql$/, '.yml')} with its description and columns)`,
      );
    }
    const template = readFileSync(file.absolute, 'utf8');
    const full = renderSql(template, context(file.path, file.name, false));
    if (declaration.materialized === 'view' && paramNames(full.sql).length > 0) {
      throw fileError(
        file.path,
        `a view cannot read query parameters (@${paramNames(full.sql).join(', @')}): materialize it as a table`,
      );
    }
    const dependsOn = [...full.refs];
    let incremental: IncrementalConfig | undefined;
    if (declaration.incremental && declaration.partitionBy) {
      const variant = renderSql(template, context(file.path, file.name, true));
      if (!/@partitions\b/.test(variant.sql)) {
        throw fileError(
          file.path,
          `incremental model '${file.name}' never calls incremental_filter(): it would rebuild every partition from all rows`,
        );
      }
      const spec = declaration.incremental;
      const sourceText = spec.source.includes('{{') ? spec.source : `{{ ${spec.source} }}`;
      const at = `${declaration.file} (${declaration.at}.config.incremental)`;
      const source = renderSql(sourceText, context(at, file.name, false));
      const relation = source.refs.length + source.sources.length === 1 ? (source.refs[0] ?? source.sources[0]) : undefined;
      if (!relation) throw fileError(at, `source must name one relation: ref('model') or source('raw', 'table')`);
      const sourceModel = typeof relation === 'string' ? relation : undefined;
      if (sourceModel && !dependsOn.includes(sourceModel)) dependsOn.push(sourceModel);
      incremental = {
        partitionBy: declaration.partitionBy,
        source: sourceModel ? refOf(sourceModel) : (relation as TableRef),
        sourceModel,
        loadedAt: spec.loadedAt,
        partitionExpr: renderSql(spec.partitionExpr, context(`${at}.partition_expr`, file.name, false)).sql,
        sql: variant.sql,
        types: { partitions: dialect.partitionsType },
      };
      if (spec.uniqueKey) {
        const merge = renderSql(template, context(file.path, file.name, true, true));
        if (!/@since\b/.test(merge.sql)) {
          throw fileError(
            file.path,
            `incremental model '${file.name}' has a unique_key but never calls loaded_since(): it would replace every row of its partitions`,
          );
        }
        incremental.merge = {
          uniqueKey: spec.uniqueKey,
          sql: merge.sql,
          types: { partitions: dialect.partitionsType, since: 'INT64', until: 'INT64' },
        };
      }
    }
    const relation = qualify(refOf(file.name));
    const tests = compileTests(declaration, relation, dialect, context);
    compiled.set(file.name, {
      name: file.name,
      ref: refOf(file.name),
      path: file.path,
      yamlPath: declaration.file,
      description: declaration.description,
      materialized: declaration.materialized,
      columns: declaration.columns.map((c) => ({
        name: c.name,
        type: c.type,
        description: c.description,
        tests: tests.filter((t) => t.column === c.name).map((t) => t.name),
      })),
      tests,
      dependsOn,
      sources: full.sources,
      sql: full.sql,
      spec: {
        ref: refOf(file.name),
        description: declaration.description,
        columns: declaration.columns.map((c) => ({ name: c.name, type: c.type, description: c.description })),
        ...(declaration.partitionBy ? { partitionBy: { column: declaration.partitionBy } } : {}),
        ...(declaration.clusterBy ? { clusterBy: declaration.clusterBy } : {}),
      },
      ...(incremental ? { incremental } : {}),
    });
  }

  const testNames = new Map<string, string>();
  for (const model of compiled.values()) {
    for (const test of model.tests) {
      const twin = testNames.get(test.name);
      if (twin)
        throw fileError(model.yamlPath, `test name '${test.name}' is used twice (also on model ${twin}); give one a name:`);
      testNames.set(test.name, model.name);
    }
  }
  let order: string[];
  try {
    order = topologicalOrder([...compiled.values()]);
  } catch (error) {
    if (error instanceof TerminalError) {
      const cycle = error.message.replace(/^cycle in model dependencies: /, '').split(' -> ');
      const paths = [...new Set(cycle)].map((n) => compiled.get(n)?.path).filter(Boolean);
      throw new TerminalError(`${error.message} (files: ${paths.join(', ')})`);
    }
    throw error;
  }
  return { models: order.map((name) => compiled.get(name)!), sources: sources.map(toSourceTable) };
}

function compileTests(
  declaration: ModelDeclaration,
  relation: string,
  dialect: Dialect,
  context: (file: string, model: string, incremental: boolean) => RenderContext,
): CompiledTest[] {
  const renderAs = (incremental: boolean) => (template: string, at: string) =>
    renderSql(template, context(`${declaration.file} (${at})`, declaration.name, incremental));
  const columns = declaration.columns.map((c) => c.name);
  const subject = { model: declaration.name, relation, columns, file: declaration.file, dialect, render: renderAs(false) };
  const partitionBy = declaration.incremental ? declaration.partitionBy : undefined;
  const scope = partitionBy
    ? { render: renderAs(true), scope: dialect.inDatesParam(`t.${partitionBy}`, 'partitions') }
    : undefined;
  const compile = (test: TestDeclaration, on: TestSubject, index: number): CompiledTest => {
    const compiled = compileTest(test, on, index);
    if (!scope) return compiled;
    const scoped = compileTest(test, { ...on, ...scope }, index);
    if (!/@partitions\b/.test(scoped.sql)) return compiled;
    return { ...compiled, scoped: { sql: scoped.sql, types: { ...scoped.types, partitions: dialect.partitionsType } } };
  };
  const tests: CompiledTest[] = [];
  for (const column of declaration.columns) {
    for (const test of column.tests) {
      tests.push(compile(test, { ...subject, column: { name: column.name, type: column.type } }, tests.length));
    }
  }
  declaration.tests.forEach((test, index) => tests.push(compile(test, subject, index)));
  return tests;
}

function toSourceTable(source: SourceDeclaration): SourceTable {
  return {
    ref: { layer: source.layer, name: source.name },
    description: source.description,
    yamlPath: source.file,
    columns: source.columns,
  };
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

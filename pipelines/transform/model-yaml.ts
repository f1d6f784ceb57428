import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TerminalError } from '../core/errors.js';
import { LAYERS, type ColumnType, type Layer } from '../warehouse/types.js';
import type { Materialized, TestKind } from './types.js';

/**
 * The YAML documentation files next to the models, in dbt's shape:
 *
 * ```yaml
 * models:
 *   - name: best_proposition
 *     description: ...
 *     config: { materialized: table }         # view | table | incremental (+ partition_by, incremental, cluster_by)
 *     columns:
 *       - name: opportunity_id
 *         data_type: STRING
 *         description: ...
 *         data_tests: [unique, not_null]
 *     data_tests:
 *       - reconcile_count: { expected: "SELECT COUNT(*) FROM {{ ref('x') }}" }
 * sources:
 *   - name: raw                               # a layer
 *     tables: [{ name: crm_opportunities, description: ... }]
 * ```
 *
 * A test is a name (`unique`) or a one-key mapping `{ kind: { ...arguments, name?, config?: { severity, where } } }`.
 */
export interface TestDeclaration {
  kind: TestKind;
  /** Explicit test name, when given. */
  name?: string;
  severity: 'error' | 'warn';
  /** Only rows matching this predicate are tested. */
  where?: string;
  args: Record<string, unknown>;
  /** Where in the file, e.g. `models[0].columns[2].data_tests[1]`. */
  at: string;
}

export interface ColumnDeclaration {
  name: string;
  type: ColumnType;
  description: string;
  tests: TestDeclaration[];
}

export interface ModelDeclaration {
  name: string;
  description: string;
  materialized: Materialized;
  partitionBy?: string;
  clusterBy?: string[];
  incremental?: { source: string; loadedAt: string; partitionExpr: string; uniqueKey?: string };
  columns: ColumnDeclaration[];
  tests: TestDeclaration[];
  /** File that declares it, relative path. */
  file: string;
  at: string;
}

export interface SourceDeclaration {
  layer: Layer;
  name: string;
  description: string;
  columns: Array<{ name: string; description: string; type?: ColumnType }>;
  file: string;
}

const COLUMN_TYPES = ['STRING', 'INT64', 'FLOAT64', 'BOOL', 'TIMESTAMP', 'DATE', 'JSON'] as const;
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and underscores, not starting with a digit');
const columnType = z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(COLUMN_TYPES));
const text = z.string().trim().min(1, 'must not be empty');

const columnSchema = z.strictObject({
  name: identifier,
  data_type: columnType,
  description: text,
  data_tests: z.array(z.unknown()).default([]),
});

const modelSchema = z.strictObject({
  name: identifier,
  description: text,
  config: z.strictObject({
    materialized: z.enum(['view', 'table', 'incremental']),
    partition_by: identifier.optional(),
    cluster_by: z.array(identifier).min(1).max(4).optional(),
    incremental: z
      .strictObject({
        source: text,
        loaded_at: identifier,
        partition_expr: text,
        unique_key: identifier.optional(),
      })
      .optional(),
  }),
  columns: z.array(columnSchema).min(1, 'declare at least one column'),
  data_tests: z.array(z.unknown()).default([]),
});

const sourceSchema = z.strictObject({
  name: z.enum(LAYERS),
  description: z.string().optional(),
  tables: z
    .array(
      z.strictObject({
        name: identifier,
        description: text,
        columns: z
          .array(z.strictObject({ name: z.string().min(1), description: text, data_type: columnType.optional() }))
          .default([]),
      }),
    )
    .min(1),
});

const fileSchema = z.strictObject({
  version: z.literal(2).optional(),
  models: z.array(z.unknown()).default([]),
  sources: z.array(sourceSchema).default([]),
});

const testConfig = z.strictObject({ severity: z.enum(['error', 'warn']).optional(), where: text.optional() });
const common = { name: identifier.optional(), config: testConfig.optional() };
const scalar = z.union([z.string(), z.number(), z.boolean()]);

const TEST_ARGS: Record<TestKind, z.ZodType<Record<string, unknown>>> = {
  unique: z.strictObject({ ...common }),
  not_null: z.strictObject({ ...common }),
  accepted_values: z.strictObject({ ...common, values: z.array(scalar).min(1) }),
  relationships: z.strictObject({ ...common, to: text, field: identifier }),
  accepted_range: z
    .strictObject({
      ...common,
      min_value: z.number().optional(),
      max_value: z.number().optional(),
      inclusive: z.boolean().default(true),
    })
    .refine((a) => a.min_value !== undefined || a.max_value !== undefined, 'give min_value, max_value or both'),
  unique_combination: z.strictObject({ ...common, columns: z.array(identifier).min(2) }),
  expression_is_true: z.strictObject({ ...common, expression: text }),
  reconcile_count: z.strictObject({ ...common, expected: text }),
  custom_sql: z.strictObject({ ...common, sql: text }),
};

const COLUMN_TESTS: TestKind[] = ['unique', 'not_null', 'accepted_values', 'relationships', 'accepted_range'];
const MODEL_TESTS: TestKind[] = ['unique_combination', 'expression_is_true', 'reconcile_count', 'custom_sql'];

/** Reads one YAML file's models and sources. Throws a TerminalError naming the file and the faulty path. */
export function parseModelYaml(content: string, file: string): { models: ModelDeclaration[]; sources: SourceDeclaration[] } {
  let document: unknown;
  try {
    document = parseYaml(content);
  } catch (error) {
    throw fileError(file, `not valid YAML: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(document ?? {});
  if (!parsed.success) throw zodError(file, '', parsed.error);

  const models = parsed.data.models.map((raw, index) => parseModel(raw, file, `models[${index}]`));
  const sources = parsed.data.sources.flatMap((source) =>
    source.tables.map((table) => ({
      layer: source.name,
      name: table.name,
      description: table.description,
      columns: table.columns.map((c) => ({ name: c.name, description: c.description, type: c.data_type })),
      file,
    })),
  );
  return { models, sources };
}

function parseModel(raw: unknown, file: string, at: string): ModelDeclaration {
  const parsed = modelSchema.safeParse(raw);
  if (!parsed.success) throw zodError(file, at, parsed.error);
  const m = parsed.data;
  const columns = m.columns.map((c, i) => ({
    name: c.name,
    type: c.data_type,
    description: c.description,
    tests: c.data_tests.map((t, j) => parseTest(t, file, `${at}.columns[${i}].data_tests[${j}]`, COLUMN_TESTS)),
  }));
  const names = new Set<string>();
  for (const [i, c] of columns.entries()) {
    if (names.has(c.name.toLowerCase())) throw fileError(file, `${at}.columns[${i}]: column '${c.name}' is declared twice`);
    names.add(c.name.toLowerCase());
  }
  const config = m.config;
  const where = `${at}.config`;
  if (config.materialized === 'incremental') {
    if (!config.partition_by) throw fileError(file, `${where}: an incremental model needs partition_by (a DATE column)`);
    if (!config.incremental) {
      throw fileError(file, `${where}: an incremental model needs incremental: { source, loaded_at, partition_expr }`);
    }
  } else if (config.incremental) {
    throw fileError(file, `${where}.incremental: only for materialized: incremental`);
  }
  if (config.materialized === 'view' && (config.partition_by || config.cluster_by)) {
    throw fileError(file, `${where}: a view has no partition_by or cluster_by`);
  }
  if (config.partition_by) {
    const column = columns.find((c) => c.name === config.partition_by);
    if (!column || column.type !== 'DATE') {
      throw fileError(file, `${where}.partition_by: '${config.partition_by}' must be a declared column of type DATE`);
    }
  }
  const uniqueKey = config.incremental?.unique_key;
  if (uniqueKey && !names.has(uniqueKey.toLowerCase())) {
    throw fileError(file, `${where}.incremental.unique_key: '${uniqueKey}' is not a declared column`);
  }
  for (const name of config.cluster_by ?? []) {
    if (!names.has(name.toLowerCase())) throw fileError(file, `${where}.cluster_by: '${name}' is not a declared column`);
  }
  return {
    name: m.name,
    description: m.description,
    materialized: config.materialized,
    partitionBy: config.partition_by,
    clusterBy: config.cluster_by,
    incremental: config.incremental && {
      source: config.incremental.source,
      loadedAt: config.incremental.loaded_at,
      partitionExpr: config.incremental.partition_expr,
      ...(config.incremental.unique_key ? { uniqueKey: config.incremental.unique_key } : {}),
    },
    columns,
    tests: m.data_tests.map((t, j) => parseTest(t, file, `${at}.data_tests[${j}]`, MODEL_TESTS)),
    file,
    at,
  };
}

function parseTest(raw: unknown, file: string, at: string, allowed: TestKind[]): TestDeclaration {
  let kind: string;
  let args: unknown;
  if (typeof raw === 'string') {
    [kind, args] = [raw, {}];
  } else if (raw && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 1) {
    [kind, args] = Object.entries(raw)[0]!;
    args ??= {};
  } else {
    throw fileError(file, `${at}: a test is a name or a mapping with one key, the test's name`);
  }
  if (!allowed.includes(kind as TestKind)) {
    const level = allowed === COLUMN_TESTS ? 'column' : 'model';
    throw fileError(file, `${at}: '${kind}' is not a ${level} test (${level} tests: ${allowed.join(', ')})`);
  }
  const parsed = TEST_ARGS[kind as TestKind].safeParse(args);
  if (!parsed.success) throw zodError(file, `${at}.${kind}`, parsed.error);
  const { name, config, ...rest } = parsed.data as { name?: string; config?: { severity?: 'error' | 'warn'; where?: string } };
  return { kind: kind as TestKind, name, severity: config?.severity ?? 'error', where: config?.where, args: rest, at };
}

function zodError(file: string, at: string, error: z.ZodError): TerminalError {
  const problems = error.issues.map((issue) => {
    const path = [at, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/^\./, '');
    return `${path || '(top level)'}: ${issue.message}`;
  });
  return fileError(file, problems.join('; '));
}

/** An error in a project file, naming it first, as a compiler does. */
export function fileError(file: string, message: string): TerminalError {
  return new TerminalError(`${file}: ${message}`);
}

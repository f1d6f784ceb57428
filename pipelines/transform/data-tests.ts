import type { ColumnType, ParamTypes, Params, TableRef } from '../warehouse/types.js';
import type { Dialect } from './dialect.js';
import { fileError, type TestDeclaration } from './model-yaml.js';
import type { Rendered } from './render.js';
import type { CompiledTest } from './types.js';

/** What compiling a test needs to know about the model it is declared on. */
export interface TestSubject {
  model: string;
  /** Qualified name of the model. */
  relation: string;
  column?: { name: string; type: ColumnType };
  /** The model's declared columns, in order; the first is taken as its key in failing-row samples. */
  columns: string[];
  /** The YAML file, for errors. */
  file: string;
  dialect: Dialect;
  /** Renders a template string of the test (refs, sources, `this`, macros) for the target. */
  render(template: string, at: string): Rendered;
  /**
   * Restricts the model's rows tested to the partitions a run rebuilt (`t.<column> IN @partitions`):
   * the scoped variant of a test on an incremental model. Templates are then rendered as incremental
   * (`incremental_filter` a predicate on `@partitions`).
   */
  scope?: string;
}

/**
 * Compiles one declared test into a query returning the failing rows, in the target's dialect:
 *
 * - `unique`: values occurring more than once (NULLs ignored), with `occurrences`.
 * - `not_null`: rows where the column is NULL.
 * - `accepted_values { values }`: values outside the list (NULLs ignored), with `occurrences`.
 * - `relationships { to: ref('m') | source('raw','t'), field }`: values with no row in `to` whose
 *   `field` equals them (NULLs ignored), with `occurrences`.
 * - `accepted_range { min_value?, max_value?, inclusive = true }`: rows whose value is outside the range.
 * - `unique_combination { columns }`: combinations occurring more than once (NULL is a value).
 * - `expression_is_true { expression }`: rows for which the expression is false or NULL.
 * - `reconcile_count { expected }`: one row (`actual`, `expected`) when the model's row count differs
 *   from the single number the `expected` query returns.
 * - `custom_sql { sql }`: the query's rows; `{{ this }}` is the model.
 *
 * `config.where` restricts the model's rows tested (not for `custom_sql`). Values are parameters, never spliced.
 * With `subject.scope`, the rows tested are also restricted to the scope; `reconcile_count` only when
 * its `expected` query is itself restricted (it calls `incremental_filter`), `custom_sql` only through
 * its own `incremental_filter` calls.
 */
export function compileTest(declaration: TestDeclaration, subject: TestSubject, index: number): CompiledTest {
  const { model, relation, column, dialect } = subject;
  const args = declaration.args;
  const at = declaration.at;
  const refs: string[] = [model];
  const sources: TableRef[] = [];
  const render = (template: string, what: string) => {
    const rendered = subject.render(template, `${at}.${what}`);
    for (const r of rendered.refs) if (!refs.includes(r)) refs.push(r);
    for (const s of rendered.sources) if (!sources.some((x) => x.layer === s.layer && x.name === s.name)) sources.push(s);
    return rendered.sql;
  };
  const declaredWhere = declaration.where ? ` AND (${render(declaration.where, 'config.where')})` : '';
  let where = declaredWhere + (subject.scope ? ` AND ${subject.scope}` : '');
  const col = column?.name ?? '';
  // Row-level tests return the key (first declared column) and the columns they look at, not whole rows.
  const shown = (...names: string[]) => [...new Set([subject.columns[0] ?? names[0]!, ...names])].join(', ');
  const params: Params = {};
  const types: ParamTypes = {};
  let sql: string;
  let name: string;
  let description: string;

  switch (declaration.kind) {
    case 'unique':
      name = `unique_${model}_${col}`;
      description = `${col} is unique`;
      sql = `SELECT ${col} AS value, COUNT(*) AS occurrences\nFROM ${relation} AS t\nWHERE ${col} IS NOT NULL${where}\nGROUP BY ${col}\nHAVING COUNT(*) > 1`;
      break;
    case 'not_null':
      name = `not_null_${model}_${col}`;
      description = `${col} is never NULL`;
      sql = `SELECT ${shown(col)}\nFROM ${relation} AS t\nWHERE ${col} IS NULL${where}`;
      break;
    case 'accepted_values': {
      name = `accepted_values_${model}_${col}`;
      const values = args.values as Array<string | number | boolean>;
      description = `${col} is one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
      const { expr, type } = valuesParam(column!, values, subject.file, at);
      params.accepted_values = values as string[] | number[];
      types.accepted_values = `ARRAY<${type}>`;
      sql = `SELECT ${col} AS value, COUNT(*) AS occurrences\nFROM ${relation} AS t\nWHERE ${col} IS NOT NULL AND NOT ${dialect.inArrayParam(expr, 'accepted_values')}${where}\nGROUP BY ${col}`;
      break;
    }
    case 'relationships': {
      const to = String(args.to);
      const parent = render(to.includes('{{') ? to : `{{ ${to} }}`, 'to');
      const field = String(args.field);
      const target = /['"]([A-Za-z0-9_]+)['"]\s*\)\s*(\}\})?\s*$/.exec(to)?.[1] ?? 'parent';
      name = `relationships_${model}_${col}__${target}_${field}`;
      description = `every ${col} is a ${field} of ${target}`;
      sql = `SELECT t.${col} AS value, COUNT(*) AS occurrences\nFROM ${relation} AS t\nLEFT JOIN (SELECT DISTINCT ${field} AS parent_key FROM ${parent}) AS parent ON t.${col} = parent.parent_key\nWHERE t.${col} IS NOT NULL AND parent.parent_key IS NULL${where}\nGROUP BY t.${col}`;
      break;
    }
    case 'accepted_range': {
      name = `accepted_range_${model}_${col}`;
      const inclusive = args.inclusive !== false;
      const bounds: string[] = [];
      if (typeof args.min_value === 'number') {
        bounds.push(`${col} ${inclusive ? '>=' : '>'} @min_value`);
        params.min_value = args.min_value;
        types.min_value = 'FLOAT64';
      }
      if (typeof args.max_value === 'number') {
        bounds.push(`${col} ${inclusive ? '<=' : '<'} @max_value`);
        params.max_value = args.max_value;
        types.max_value = 'FLOAT64';
      }
      description = `${col} is ${inclusive ? 'within' : 'strictly within'} [${args.min_value ?? '-inf'}, ${args.max_value ?? '+inf'}]`;
      sql = `SELECT ${shown(col)}\nFROM ${relation} AS t\nWHERE ${col} IS NOT NULL AND NOT (${bounds.join(' AND ')})${where}`;
      break;
    }
    case 'unique_combination': {
      const columns = (args.columns as string[]).join(', ');
      name = `unique_combination_${model}_${(args.columns as string[]).join('_')}`;
      description = `(${columns}) is unique`;
      sql = `SELECT ${columns}, COUNT(*) AS occurrences\nFROM ${relation} AS t${where ? `\nWHERE TRUE${where}` : ''}\nGROUP BY ${columns}\nHAVING COUNT(*) > 1`;
      break;
    }
    case 'expression_is_true': {
      const expression = render(String(args.expression), 'expression');
      name = `expression_is_true_${model}_${slug(String(args.expression))}`;
      description = `${String(args.expression)} holds on every row`;
      const used = subject.columns.filter((c) => new RegExp(`\\b${c}\\b`, 'i').test(String(args.expression)));
      sql = `SELECT ${used.length > 0 ? shown(...used) : '*'}\nFROM ${relation} AS t\nWHERE NOT COALESCE((${expression}), FALSE)${where}`;
      break;
    }
    case 'reconcile_count': {
      const expected = render(String(args.expected), 'expected');
      // Counting the rebuilt partitions against an unrestricted reference would always fail.
      if (!/@partitions\b/.test(expected)) where = declaredWhere;
      name = `reconcile_count_${model}`;
      description = `row count equals: ${String(args.expected).replace(/\s+/g, ' ')}`;
      sql = `SELECT counted.actual, reference.expected\nFROM (SELECT COUNT(*) AS actual FROM ${relation} AS t${where ? ` WHERE TRUE${where}` : ''}) AS counted\nCROSS JOIN (SELECT (\n${expected}\n) AS expected) AS reference\nWHERE reference.expected IS NULL OR counted.actual <> reference.expected`;
      break;
    }
    case 'custom_sql': {
      if (declaration.where) throw fileError(subject.file, `${at}: custom_sql takes no config.where (write it in the query)`);
      sql = render(String(args.sql), 'sql');
      name = `custom_sql_${model}_${index + 1}`;
      description = `no row returned by: ${String(args.sql).replace(/\s+/g, ' ')}`;
      break;
    }
  }
  return {
    name: declaration.name ?? name,
    kind: declaration.kind,
    model,
    column: column?.name,
    severity: declaration.severity,
    description,
    args: { ...args, ...(declaration.where ? { where: declaration.where } : {}) },
    sql,
    params,
    types,
    dependsOn: refs,
    sources,
  };
}

function valuesParam(
  column: { name: string; type: ColumnType },
  values: Array<string | number | boolean>,
  file: string,
  at: string,
): { expr: string; type: ColumnType } {
  const expected: Record<ColumnType, 'string' | 'number' | 'boolean'> = {
    STRING: 'string',
    INT64: 'number',
    FLOAT64: 'number',
    BOOL: 'boolean',
    DATE: 'string',
    TIMESTAMP: 'string',
    JSON: 'string',
  };
  const kind = expected[column.type];
  const wrong = values.find((v) => typeof v !== kind);
  if (wrong !== undefined) {
    throw fileError(
      file,
      `${at}: accepted value ${JSON.stringify(wrong)} is not a ${kind}, as column ${column.name} (${column.type}) needs`,
    );
  }
  if (column.type === 'TIMESTAMP' || column.type === 'JSON') {
    // Their text forms differ between engines (`+00` suffix, spacing): use accepted_range or expression_is_true.
    throw fileError(file, `${at}: accepted_values does not apply to ${column.type} column ${column.name}`);
  }
  // A date compares as its text form, `YYYY-MM-DD` on both engines.
  if (column.type === 'DATE') return { expr: `CAST(${column.name} AS STRING)`, type: 'STRING' };
  return { expr: column.name, type: column.type };
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 48)
      .replace(/_+$/, '') || 'expression'
  );
}

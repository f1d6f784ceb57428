import nunjucks from 'nunjucks';
import type { TableRef } from '../warehouse/types.js';
import { MacroError, type Dialect } from './dialect.js';
import { fileError } from './model-yaml.js';

/** How names resolve while rendering one template. */
export interface RenderContext {
  /** File the template comes from, for error messages. */
  file: string;
  dialect: Dialect;
  /** Render the incremental variant (`incremental_filter` becomes a predicate on `@partitions`). */
  incremental: boolean;
  /** Render its row-level variant (`loaded_since` becomes a predicate on `@since` and `@until`). */
  merge?: boolean;
  /** Qualified name of a model; throws MacroError for an unknown one. */
  ref(name: string): string;
  /** Qualified name of a declared source; throws MacroError for an undeclared one. */
  source(layer: string, table: string): string;
  /** Qualified name bound to `{{ this }}` (the model a test is declared on). */
  self?: string;
}

export interface Rendered {
  sql: string;
  /** Models named through `ref()`, in order of first use. */
  refs: string[];
  /** Sources named through `source()`, in order of first use. */
  sources: TableRef[];
}

const environment = new nunjucks.Environment(null, {
  autoescape: false,
  throwOnUndefined: true,
  trimBlocks: true,
  lstripBlocks: true,
});

/**
 * Renders a nunjucks template of SQL: `ref('model')`, `source('raw', 'table')`, `this` and the dialect
 * macros resolve for the context's target, and every ref and source is recorded (the DAG's edges).
 * Any error becomes a TerminalError naming the file and, when nunjucks knows it, the line.
 */
export function renderSql(template: string, context: RenderContext): Rendered {
  const refs: string[] = [];
  const sources: TableRef[] = [];
  let failure: Error | undefined;
  const guard =
    <A extends unknown[]>(fn: (...args: A) => string | boolean) =>
    (...args: A) => {
      try {
        return fn(...args);
      } catch (error) {
        failure ??= error as Error;
        throw error;
      }
    };
  const globals: Record<string, unknown> = {
    ...Object.fromEntries(
      Object.entries(context.dialect.macros({ incremental: context.incremental, merge: context.merge === true })).map(
        ([k, f]) => [k, guard(f)],
      ),
    ),
    ref: guard((name: unknown) => {
      if (typeof name !== 'string' || name === '')
        throw new MacroError(`ref() takes a model name in quotes (got ${JSON.stringify(name)})`);
      const sql = context.ref(name);
      if (!refs.includes(name)) refs.push(name);
      return sql;
    }),
    source: guard((layer: unknown, table: unknown) => {
      if (typeof layer !== 'string' || typeof table !== 'string') {
        throw new MacroError(`source() takes a layer and a table name in quotes, e.g. source('raw', 'crm_banks')`);
      }
      const sql = context.source(layer, table);
      if (!sources.some((s) => s.layer === layer && s.name === table))
        sources.push({ layer: layer as TableRef['layer'], name: table });
      return sql;
    }),
  };
  if (context.self !== undefined) globals.this = context.self;
  try {
    const sql = new nunjucks.Template(template, environment, context.file, true).render(globals);
    return { sql: sql.trim(), refs, sources };
  } catch (error) {
    const text = (error as Error).message ?? String(error);
    const line = lineOf(template, failure, text);
    const message = failure?.message ?? text.replace(/^.*\n\s*/s, '').replace(/^Error: /, '');
    throw fileError(line ? `${context.file}:${line}` : context.file, message);
  }
}

function lineOf(template: string, failure: Error | undefined, text: string): number | undefined {
  const locate = failure instanceof MacroError ? failure.locate : undefined;
  const match = locate?.exec(template);
  if (match) return template.slice(0, match.index).split('\n').length;
  const reported = /\[Line (\d+), Column \d+\]/.exec(text)?.[1];
  if (!failure) return reported === undefined ? undefined : Number(reported);
  // For an error thrown by a called function, nunjucks counts lines from 0 and omits line 0.
  return reported === undefined ? 1 : Number(reported) + 1;
}

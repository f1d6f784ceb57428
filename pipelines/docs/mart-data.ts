import type { Warehouse } from '../warehouse/warehouse.js';
import type { TableInfo, TableRef } from '../warehouse/types.js';

/**
 * Reads what the docs draw from the warehouse: run history (when each model was last built), the
 * newest data of a table, and the rows of the marts the chart pages show. Only SELECTs and `describe`.
 * Column names are discovered with `describe`, so a mart whose columns differ degrades instead of failing.
 */

export type ColumnKind = 'number' | 'time' | 'text' | 'bool' | 'other';

/** The kind of a column from its type as either engine names it (BIGINT, INT64, DOUBLE, VARCHAR, DATE...). */
export function columnKind(type: string): ColumnKind {
  const t = type.toUpperCase();
  if (/^(DATE|TIMESTAMP|DATETIME)/.test(t)) return 'time';
  if (/INT|FLOAT|DOUBLE|DECIMAL|NUMERIC|REAL/.test(t)) return 'number';
  if (/CHAR|STRING|TEXT/.test(t)) return 'text';
  if (/BOOL/.test(t)) return 'bool';
  return 'other';
}

/** A column name quoted for the warehouse's SQL (names come from `describe`, never from users). */
export function quoteColumn(warehouse: Warehouse, name: string): string {
  return warehouse.engine === 'bigquery' ? `\`${name.replace(/[`\\]/g, '\\$&')}\`` : `"${name.replace(/"/g, '""')}"`;
}

/** End time of the newest successful build of each model (`staging.x`, `marts.y`), from `ops.pipeline_steps`. */
export async function lastBuilds(warehouse: Warehouse): Promise<Map<string, string>> {
  const ref: TableRef = { layer: 'ops', name: 'pipeline_steps' };
  if (!(await warehouse.describe(ref))) return new Map();
  const rows = await warehouse.query<{ step: string; built_at: unknown }>(
    `SELECT step, MAX(ended_at) AS built_at FROM ${warehouse.qualify(ref)}
     WHERE status = 'success' AND step LIKE 'model:%' AND ended_at IS NOT NULL
     GROUP BY step`,
  );
  return new Map(
    rows.flatMap((r) => {
      const at = isoTime(r.built_at);
      return at ? [[r.step.slice('model:'.length), at] as [string, string]] : [];
    }),
  );
}

const TIME_PREFERENCE = [/^(day|date)$/i, /_(day|date)$/i, /^(event|activity|session)_?(day|date)$/i, /updated_at$/i, /_at$/i];

/** The column telling how recent a table's data is: a DATE/TIMESTAMP column, by name preference; undefined when none. */
export function timeColumn(columns: TableInfo['columns']): string | undefined {
  const times = columns.filter((c) => columnKind(c.type) === 'time');
  for (const pattern of TIME_PREFERENCE) {
    const hit = times.find((c) => pattern.test(c.name));
    if (hit) return hit.name;
  }
  return times[0]?.name;
}

/** The greatest value of `column` in the table, as ISO text (a date or a time), or null when the table is empty. */
export async function newestValue(warehouse: Warehouse, ref: TableRef, column: string): Promise<string | null> {
  const [row] = await warehouse.query<{ newest: unknown }>(
    `SELECT MAX(${quoteColumn(warehouse, column)}) AS newest FROM ${warehouse.qualify(ref)}`,
  );
  return isoTime(row?.newest);
}

/** A time or date value from a query as ISO text; null when absent. */
export function isoTime(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && 'value' in value) return isoTime((value as { value: unknown }).value);
  const text = String(value);
  return text === '' ? null : text;
}

/** A DATE value (or the date of a TIMESTAMP) as `YYYY-MM-DD`; null when it is not a date. */
export function isoDate(value: unknown): string | null {
  const text = isoTime(value);
  const match = text?.match(/^(\d{4}-\d{2}-\d{2})/);
  return match ? match[1]! : null;
}

/** A numeric value from a query (numbers, big integers as strings, BigQuery numerics) as a number; null when absent. */
export function toNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(typeof value === 'bigint' ? value : String(value));
  return Number.isFinite(n) ? n : null;
}

/** Why a chart has no data, in words for the page; or the table's description when there is data. */
export type MartState = { kind: 'ok'; info: TableInfo } | { kind: 'missing' } | { kind: 'empty'; info: TableInfo };

export async function martState(warehouse: Warehouse, name: string): Promise<MartState> {
  const info = await warehouse.describe({ layer: 'marts', name });
  if (!info) return { kind: 'missing' };
  if (info.rows === 0) return { kind: 'empty', info };
  return { kind: 'ok', info };
}

/** One row of the borrower profile distribution. `share` is computed per dimension when the mart lacks it. */
export interface DistributionRow {
  dimension: string;
  value: string | null;
  borrowers: number | null;
  share: number;
}

/**
 * The rows of `marts.borrower_profile_distribution` (dimension, value, borrowers, share). Null when the
 * mart lacks what a chart needs (dimension, value, and borrowers or share).
 */
export async function readDistribution(warehouse: Warehouse, info: TableInfo): Promise<DistributionRow[] | null> {
  const names = new Set(info.columns.map((c) => c.name.toLowerCase()));
  const has = (name: string): boolean => names.has(name);
  if (!has('dimension') || !has('value') || (!has('borrowers') && !has('share'))) return null;
  const q = (name: string): string => quoteColumn(warehouse, info.columns.find((c) => c.name.toLowerCase() === name)!.name);
  const rows = await warehouse.query<Record<string, unknown>>(
    `SELECT ${q('dimension')} AS dimension, CAST(${q('value')} AS STRING) AS value,
       ${has('borrowers') ? q('borrowers') : 'NULL'} AS borrowers, ${has('share') ? q('share') : 'NULL'} AS share
     FROM ${warehouse.qualify(info.ref)}`,
  );
  const totals = new Map<string, number>();
  for (const row of rows) {
    const dimension = String(row.dimension);
    totals.set(dimension, (totals.get(dimension) ?? 0) + (toNumber(row.borrowers) ?? 0));
  }
  return rows.map((row) => {
    const dimension = String(row.dimension);
    const borrowers = toNumber(row.borrowers);
    const total = totals.get(dimension) ?? 0;
    const share = toNumber(row.share) ?? (borrowers !== null && total > 0 ? borrowers / total : 0);
    return { dimension, value: row.value === null || row.value === undefined ? null : String(row.value), borrowers, share };
  });
}

/** The single row of `marts.borrower_profile`, with its columns in table order. */
export async function readSingleRow(warehouse: Warehouse, info: TableInfo): Promise<Record<string, unknown> | null> {
  const [row] = await warehouse.query<Record<string, unknown>>(`SELECT * FROM ${warehouse.qualify(info.ref)} LIMIT 1`);
  return row ?? null;
}

const RATE_LIKE = /rate|share|ratio|pct|percent|conversion|avg|mean|median/i;
const CHANNEL_NAMES = [/^channel$/i, /channel/i, /^utm_source$/i, /^(source|medium)$/i, /source|medium|campaign/i];

/** The roles of a daily mart's columns: its date, a grouping column, and its additive counts in table order. */
export interface DailyShape {
  date: string;
  group?: string;
  counts: string[];
}

/** Finds the date column, the grouping column (by name preferences) and the count columns of a daily mart. */
export function dailyShape(info: TableInfo, groupNames: RegExp[]): DailyShape | null {
  const date = timeColumn(info.columns);
  if (!date) return null;
  const texts = info.columns.filter((c) => columnKind(c.type) === 'text').map((c) => c.name);
  let group: string | undefined;
  for (const pattern of groupNames) {
    group = texts.find((name) => pattern.test(name));
    if (group) break;
  }
  const counts = info.columns.filter((c) => columnKind(c.type) === 'number' && !RATE_LIKE.test(c.name)).map((c) => c.name);
  if (counts.length === 0) return null;
  return { date, group, counts };
}

export const FUNNEL_GROUPS = CHANNEL_NAMES;
export const TRAFFIC_GROUPS = [/^page_path$/i, /^(page|path|url)$/i, /page|path|url/i];

export interface DailyTotals {
  /** Dates in order, with the sum of each count column that day. */
  days: Array<{ date: string; values: number[] }>;
}

/** Sums each count column per day, in date order. */
export async function readDailyTotals(warehouse: Warehouse, info: TableInfo, shape: DailyShape): Promise<DailyTotals> {
  const day = quoteColumn(warehouse, shape.date);
  const sums = shape.counts.map((c, i) => `SUM(${quoteColumn(warehouse, c)}) AS m${i}`).join(', ');
  const rows = await warehouse.query<Record<string, unknown>>(
    `SELECT ${day} AS d, ${sums} FROM ${warehouse.qualify(info.ref)} WHERE ${day} IS NOT NULL GROUP BY ${day} ORDER BY ${day}`,
  );
  return {
    days: rows.flatMap((row) => {
      const date = isoDate(row.d);
      return date ? [{ date, values: shape.counts.map((_, i) => toNumber(row[`m${i}`]) ?? 0) }] : [];
    }),
  };
}

/** Sums each count column per value of the grouping column, largest first (by the first count), at most `limit`. */
export async function readGroupTotals(
  warehouse: Warehouse,
  info: TableInfo,
  shape: DailyShape,
  limit: number,
): Promise<Array<{ key: string | null; values: number[] }>> {
  if (!shape.group) return [];
  const group = quoteColumn(warehouse, shape.group);
  const sums = shape.counts.map((c, i) => `SUM(${quoteColumn(warehouse, c)}) AS m${i}`).join(', ');
  const rows = await warehouse.query<Record<string, unknown>>(
    `SELECT ${group} AS k, ${sums} FROM ${warehouse.qualify(info.ref)} GROUP BY ${group} ORDER BY m0 DESC, k LIMIT ${Math.trunc(limit)}`,
  );
  return rows.map((row) => ({
    key: row.k === null || row.k === undefined ? null : String(row.k),
    values: shape.counts.map((_, i) => toNumber(row[`m${i}`]) ?? 0),
  }));
}

/** Per day, the sum of one count column for each of the `top` groups with the largest total. */
export async function readTopGroupsDaily(
  warehouse: Warehouse,
  info: TableInfo,
  shape: DailyShape,
  count: string,
  top: number,
): Promise<Array<{ date: string; key: string; value: number }>> {
  if (!shape.group) return [];
  const table = warehouse.qualify(info.ref);
  const group = quoteColumn(warehouse, shape.group);
  const day = quoteColumn(warehouse, shape.date);
  const measure = quoteColumn(warehouse, count);
  const rows = await warehouse.query<Record<string, unknown>>(
    `SELECT t.${day} AS d, t.${group} AS k, SUM(t.${measure}) AS m
     FROM ${table} AS t
     JOIN (SELECT ${group} AS k FROM ${table} WHERE ${group} IS NOT NULL GROUP BY ${group} ORDER BY SUM(${measure}) DESC, ${group} LIMIT ${Math.trunc(top)}) AS top_groups
       ON t.${group} = top_groups.k
     WHERE t.${day} IS NOT NULL
     GROUP BY t.${day}, t.${group}
     ORDER BY d, k`,
  );
  return rows.flatMap((row) => {
    const date = isoDate(row.d);
    return date ? [{ date, key: String(row.k), value: toNumber(row.m) ?? 0 }] : [];
  });
}

import type { DocsColumn, DocsModel } from './types.js';

export interface ExampleQuery {
  title: string;
  sql: string;
}

/** The BigQuery name of a relation: `` `project.<prefix>layer.name` ``. */
export function bigQueryTable(project: string, prefix: string, layer: string, name: string): string {
  return `\`${project}.${prefix}${layer}.${name}\``;
}

const RATE_LIKE = /rate|share|ratio|pct|percent|conversion|avg|mean|median|age|months/i;
const MAX_LISTED_COLUMNS = 12;

/**
 * Ready-to-paste BigQuery queries for a mart, written from its declared columns: a preview (naming
 * columns, since BigQuery bills by the columns read), a daily series when it has a time column, a
 * breakdown by a category column, a lookup by its unique key, and a few written for known marts.
 */
export function exampleQueries(model: DocsModel, table: string): ExampleQuery[] {
  const columns = model.columns;
  const queries: ExampleQuery[] = [];
  const time =
    columns.find((c) => c.name === model.partitionBy) ??
    columns.find((c) => c.type === 'DATE') ??
    columns.find((c) => c.type === 'TIMESTAMP');
  const recent = time ? recentFilter(time, 7) : undefined;

  const listed = columns.length > MAX_LISTED_COLUMNS ? columns.slice(0, MAX_LISTED_COLUMNS) : columns;
  queries.push({
    title: `A first look at ${model.name}${recent ? ' (last 7 days)' : ''}`,
    sql: [
      `SELECT ${listed.map((c) => c.name).join(',\n       ') || '*'}`,
      `FROM ${table}`,
      ...(recent ? [`WHERE ${recent}`] : []),
      ...(time ? [`ORDER BY ${time.name} DESC`] : []),
      'LIMIT 20',
    ].join('\n'),
  });

  const additive = columns.filter((c) => (c.type === 'INT64' || c.type === 'FLOAT64') && !RATE_LIKE.test(c.name) && !isKey(c));
  if (time) {
    const day = time.type === 'DATE' ? time.name : `DATE(${time.name})`;
    queries.push({
      title: 'Per day, over the last 30 days',
      sql: [
        `SELECT ${day} AS day,`,
        `       COUNT(*) AS row_count${additive
          .slice(0, 4)
          .map((c) => `,\n       SUM(${c.name}) AS ${c.name}`)
          .join('')}`,
        `FROM ${table}`,
        `WHERE ${recentFilter(time, 30)}`,
        'GROUP BY day',
        'ORDER BY day',
      ].join('\n'),
    });
  }

  const curated = (CURATED[model.name] ?? []).filter((q) => q.needs.every((name) => columns.some((c) => c.name === name)));
  // A query written for the mart says more than the generic breakdown.
  const category = columns.find((c) => c.type === 'STRING' && !isKey(c) && c !== time);
  if (category && curated.length === 0) {
    const average = columns.find((c) => c.type === 'FLOAT64' && !isKey(c));
    queries.push({
      title: `How rows spread over ${category.name}`,
      sql: [
        `SELECT ${category.name},`,
        `       COUNT(*) AS row_count${average ? `,\n       ROUND(AVG(${average.name}), 3) AS avg_${average.name}` : ''}`,
        `FROM ${table}`,
        'GROUP BY 1',
        'ORDER BY row_count DESC',
        'LIMIT 20',
      ].join('\n'),
    });
  }

  const key = columns.find((c) => c.tests.some((t) => t.kind === 'unique'));
  if (key) {
    queries.push({
      title: `One row by its ${key.name}`,
      sql: [`SELECT *`, `FROM ${table}`, `WHERE ${key.name} = ${key.type === 'STRING' ? "'replace-with-a-value'" : '0'}`].join(
        '\n',
      ),
    });
  }

  for (const query of curated) queries.push({ title: query.title, sql: query.sql(table) });
  return queries;
}

function isKey(column: DocsColumn): boolean {
  return /(^|_)id$/i.test(column.name) || column.tests.some((t) => t.kind === 'unique');
}

function recentFilter(column: DocsColumn, days: number): string {
  return column.type === 'DATE'
    ? `${column.name} >= DATE_SUB(CURRENT_DATE(), INTERVAL ${days} DAY)`
    : `${column.name} >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${days} DAY)`;
}

interface Curated {
  title: string;
  /** Columns the query reads; it is shown only when the mart has them all. */
  needs: string[];
  sql: (table: string) => string;
}

// Questions people ask of the known marts, in the words of the business.
const CURATED: Record<string, Curated[]> = {
  borrower_profile_distribution: [
    {
      title: 'Employment contracts of borrowers, in percent',
      needs: ['dimension', 'value', 'borrowers', 'share'],
      sql: (t) =>
        [
          `SELECT IFNULL(value, '(unknown)') AS contrat_travail, borrowers, ROUND(100 * share, 1) AS percent`,
          `FROM ${t}`,
          `WHERE dimension = 'contrat_travail'`,
          'ORDER BY borrowers DESC',
        ].join('\n'),
    },
  ],
  best_proposition: [
    {
      title: 'Which banks make the best offers',
      needs: ['bank_name', 'interest_rate'],
      sql: (t) =>
        [
          `SELECT bank_name, COUNT(*) AS best_offers, ROUND(AVG(interest_rate), 3) AS avg_best_rate`,
          `FROM ${t}`,
          'GROUP BY bank_name',
          'ORDER BY best_offers DESC',
          'LIMIT 10',
        ].join('\n'),
    },
  ],
  funnel_daily: [
    {
      title: 'Conversion from session to lead by channel, last 30 days',
      needs: ['day', 'channel', 'sessions', 'leads'],
      sql: (t) =>
        [
          `SELECT channel, SUM(sessions) AS sessions, SUM(leads) AS leads,`,
          `       ROUND(100 * SAFE_DIVIDE(SUM(leads), SUM(sessions)), 2) AS lead_rate_percent`,
          `FROM ${t}`,
          `WHERE day >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY)`,
          'GROUP BY channel',
          'ORDER BY sessions DESC',
        ].join('\n'),
    },
  ],
  traffic_daily: [
    {
      title: 'Most viewed pages, last 7 days',
      needs: ['day', 'page_path', 'page_views'],
      sql: (t) =>
        [
          `SELECT page_path, SUM(page_views) AS page_views`,
          `FROM ${t}`,
          `WHERE day >= DATE_SUB(CURRENT_DATE(), INTERVAL 7 DAY)`,
          'GROUP BY page_path',
          'ORDER BY page_views DESC',
          'LIMIT 20',
        ].join('\n'),
    },
  ],
};

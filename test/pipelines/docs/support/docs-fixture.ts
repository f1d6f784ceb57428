import type { DocsModel, DocsSource } from '../../../../pipelines/docs/types.js';
import type { Warehouse } from '../../../../pipelines/warehouse/warehouse.js';
import type { ColumnSpec, ParamTypes, Params, Statement, TableSpec } from '../../../../pipelines/warehouse/types.js';

/** A value that would run script if a page put it into markup unescaped. */
export const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';

export const FUNNEL_STEPS = ['sessions', 'cta_clicks', 'simulations_started', 'simulations_completed', 'leads', 'opportunities'];
export const CHANNELS = ['google_ads', 'seo', 'newsletter'];
export const PAGES = ['/', '/simulateur', '/taux', '/blog/ptz-2024', '/contact', '/mentions-legales'];
export const DAYS = Array.from({ length: 14 }, (_, i) => `2024-03-${String(i + 1).padStart(2, '0')}`);
export const BUILT_AT = '2024-03-15T06:05:00.000Z';

/** Age bands and counts of the fixture's borrower profile (120 borrowers). */
export const AGE_BANDS: Array<[string | null, number]> = [
  ['18-24', 6],
  ['25-29', 18],
  ['30-34', 30],
  ['35-39', 24],
  ['40-44', 16],
  ['45-49', 10],
  ['50-54', 6],
  ['55-59', 4],
  ['60+', 2],
  ['invalid', 1],
  [null, 3],
];
export const BORROWERS = 120;
/** Twelve banks: the page shows the top ten. */
export const BANKS: Array<[string, number]> = [
  ['BNP Paribas', 22],
  ['Crédit Agricole', 20],
  ['Société Générale', 16],
  ['LCL', 12],
  ['Caisse d’Épargne', 10],
  ['Banque Populaire', 9],
  ['CIC', 8],
  ['La Banque Postale', 7],
  ['Boursorama', 6],
  [HOSTILE, 5],
  ['Crédit Mutuel', 3],
  ['Hello bank!', 2],
];

const spec = (name: string, columns: Array<[string, ColumnSpec['type']]>): TableSpec => ({
  ref: { layer: 'marts', name },
  columns: columns.map(([n, type]) => ({ name: n, type })),
});

/** The funnel's numbers for a day and channel: each step a fixed fraction of the one before. */
export function funnelRow(day: number, channel: number): number[] {
  const sessions = 200 + day * 10 + channel * 50;
  const clicks = Math.round(sessions * 0.4);
  const started = Math.round(clicks * 0.5);
  const completed = Math.round(started * 0.6);
  const leads = Math.round(completed * 0.5);
  const opportunities = Math.round(leads * 0.5);
  return [sessions, clicks, started, completed, leads, opportunities];
}

/** Page views of a page on a day: the home page most, then in PAGES order. */
export function pageViews(day: number, page: number): number {
  return (PAGES.length - page) * 40 + day * 3;
}

/**
 * Writes small hand-made marts into a warehouse: borrower_profile_distribution, borrower_profile,
 * funnel_daily, traffic_daily, and one successful build per mart in ops.pipeline_steps (the ops
 * tables must exist).
 */
export async function writeFixtureMarts(warehouse: Warehouse): Promise<void> {
  await warehouse.init();
  // One multi-row INSERT per table: a statement per row is slow on the BigQuery emulator.
  const rows = new Map<TableSpec, Array<Record<string, string | number | boolean | null>>>();
  const insert = (table: TableSpec, values: Record<string, string | number | boolean | null>): void => {
    rows.set(table, [...(rows.get(table) ?? []), values]);
  };
  const statement = (table: TableSpec, values: Array<Record<string, string | number | boolean | null>>): Statement => {
    const params: Params = {};
    const types: ParamTypes = {};
    const tuples = values.map((row, i) => {
      const cells = table.columns.map((c) => {
        const name = `${c.name}_${i}`;
        params[name] = row[c.name] ?? null;
        if (row[c.name] === null || row[c.name] === undefined) types[name] = c.type;
        return c.type === 'DATE' ? `CAST(@${name} AS DATE)` : `@${name}`;
      });
      return `(${cells.join(', ')})`;
    });
    return {
      sql: `INSERT INTO ${warehouse.qualify(table.ref)} (${table.columns.map((c) => c.name).join(', ')}) VALUES ${tuples.join(', ')}`,
      params,
      types,
    };
  };

  const distribution = spec('borrower_profile_distribution', [
    ['dimension', 'STRING'],
    ['value', 'STRING'],
    ['borrowers', 'INT64'],
    ['share', 'FLOAT64'],
  ]);
  await warehouse.ensureTable(distribution);
  const dimension = (name: string, counts: Array<[string | null, number]>): void => {
    for (const [value, borrowers] of counts)
      insert(distribution, { dimension: name, value, borrowers, share: borrowers / BORROWERS });
  };
  dimension('age_band', AGE_BANDS);
  dimension('banque_principale', BANKS);
  dimension('categorie_professionnelle', [
    ['Cadre', 48],
    ['Employé', 36],
    ['Profession libérale', 14],
    ['Artisan', 12],
    [null, 10],
  ]);
  dimension('contrat_travail', [
    ['CDI', 90],
    ['CDD', 14],
    ['Indépendant', 16],
  ]);
  dimension('deja_souscrit_credit_immo', [
    ['true', 42],
    ['false', 70],
    [null, 8],
  ]);

  const profile = spec('borrower_profile', [
    ['borrowers', 'INT64'],
    ['age_mean', 'FLOAT64'],
    ['age_median', 'FLOAT64'],
    ['ages_excluded', 'INT64'],
    ['contrat_travail_mode', 'STRING'],
    ['contrat_travail_share', 'FLOAT64'],
    ['share_prior_mortgage', 'FLOAT64'],
  ]);
  await warehouse.ensureTable(profile);
  insert(profile, {
    borrowers: BORROWERS,
    age_mean: 36.4,
    age_median: 35,
    ages_excluded: 1,
    contrat_travail_mode: 'CDI',
    contrat_travail_share: 0.75,
    share_prior_mortgage: 42 / 112,
  });

  const funnel = spec('funnel_daily', [
    ['day', 'DATE'],
    ['channel', 'STRING'],
    ...FUNNEL_STEPS.map((s) => [s, 'INT64'] as [string, 'INT64']),
    ['lead_rate', 'FLOAT64'],
  ]);
  await warehouse.ensureTable(funnel);
  DAYS.forEach((day, d) =>
    CHANNELS.forEach((channel, c) => {
      const row = funnelRow(d, c);
      insert(funnel, {
        day,
        channel,
        ...Object.fromEntries(FUNNEL_STEPS.map((s, i) => [s, row[i]!])),
        lead_rate: row[4]! / row[0]!,
      });
    }),
  );

  const traffic = spec('traffic_daily', [
    ['day', 'DATE'],
    ['page_path', 'STRING'],
    ['page_views', 'INT64'],
    ['visitors', 'INT64'],
    ['sessions', 'INT64'],
    ['entrances', 'INT64'],
  ]);
  await warehouse.ensureTable(traffic);
  DAYS.forEach((day, d) =>
    PAGES.forEach((page_path, p) => {
      const views = pageViews(d, p);
      insert(traffic, {
        day,
        page_path,
        page_views: views,
        visitors: Math.round(views * 0.7),
        sessions: Math.round(views * 0.8),
        entrances: Math.round(views * 0.3),
      });
    }),
  );

  const statements = [...rows].map(([table, values]) => statement(table, values));
  for (const mart of ['borrower_profile_distribution', 'borrower_profile', 'funnel_daily', 'traffic_daily']) {
    statements.push({
      sql: `INSERT INTO ${warehouse.qualify({ layer: 'ops', name: 'pipeline_steps' })} (run_id, step, kind, status, started_at, ended_at)
            VALUES ('run-1', @step, 'model', 'success', CAST(@at AS TIMESTAMP), CAST(@at AS TIMESTAMP))`,
      params: { step: `model:marts.${mart}`, at: BUILT_AT },
    });
  }
  // Plain statements: a transaction (a script) is slow on the BigQuery emulator, and a fixture needs none.
  for (const { sql, params, types } of statements) await warehouse.execute(sql, params, { types });
}

/** Hand-made models: two staging, four marts (one reads another), one with hostile text. */
export function fixtureModels(): DocsModel[] {
  const column = (name: string, type: string, description: string, tests: string[] = []): DocsModel['columns'][number] => ({
    name,
    type,
    description,
    tests: tests.map((t) => ({ name: `${t}_${name}`, kind: t, description: `${name} passes ${t}` })),
  });
  return [
    {
      name: 'stg_crm_opportunities',
      layer: 'staging',
      description: 'Opportunities, typed and cleaned.',
      materialization: 'view',
      columns: [column('id', 'STRING', 'Opportunity id', ['unique', 'not_null']), column('age_emprunteur', 'FLOAT64', 'Age')],
      tests: [],
      dependsOn: ['raw.crm_opportunities'],
    },
    {
      name: 'stg_mkt_events',
      layer: 'staging',
      description: 'Marketing events.',
      materialization: 'view',
      columns: [column('message_id', 'STRING', 'Event id', ['unique'])],
      tests: [],
      dependsOn: ['raw.mkt_events'],
    },
    {
      name: 'borrower_profile_distribution',
      layer: 'marts',
      description: `Borrowers per value of each profile dimension. ${HOSTILE}`,
      materialization: 'table',
      columns: [
        column('dimension', 'STRING', 'The profile dimension', ['not_null', 'accepted_values']),
        column('value', 'STRING', `A value ${HOSTILE}`),
        column('borrowers', 'INT64', 'Borrowers', ['not_null']),
        column('share', 'FLOAT64', 'Share of all borrowers', ['accepted_range']),
      ],
      tests: [
        { name: 'unique_combination_dimension_value', kind: 'unique_combination', description: '(dimension, value) is unique' },
      ],
      dependsOn: ['staging.stg_crm_opportunities'],
      sql: `SELECT dimension FROM x WHERE a < b -- ${HOSTILE}`,
    },
    {
      name: 'borrower_profile',
      layer: 'marts',
      description: 'The typical borrower, in one row.',
      materialization: 'table',
      columns: [column('borrowers', 'INT64', 'Borrowers counted', ['not_null']), column('age_median', 'FLOAT64', 'Median age')],
      tests: [],
      dependsOn: ['staging.stg_crm_opportunities', 'marts.borrower_profile_distribution'],
    },
    {
      name: 'funnel_daily',
      layer: 'marts',
      description: 'The marketing funnel per day and channel.',
      materialization: 'incremental',
      partitionBy: 'day',
      columns: [
        column('day', 'DATE', 'Day (Paris)', ['not_null']),
        column('channel', 'STRING', 'Acquisition channel'),
        ...FUNNEL_STEPS.map((s) => column(s, 'INT64', s)),
        column('lead_rate', 'FLOAT64', 'leads / sessions'),
      ],
      tests: [],
      dependsOn: ['staging.stg_mkt_events'],
    },
    {
      name: 'traffic_daily',
      layer: 'marts',
      description: 'Page views per day and page.',
      materialization: 'incremental',
      partitionBy: 'day',
      columns: [
        column('day', 'DATE', 'Day'),
        column('page_path', 'STRING', 'Page'),
        column('page_views', 'INT64', 'Views'),
        column('visitors', 'INT64', 'Visitors'),
        column('sessions', 'INT64', 'Sessions'),
        column('entrances', 'INT64', 'Entrances'),
      ],
      tests: [],
      dependsOn: ['staging.stg_mkt_events'],
    },
  ];
}

export function fixtureSources(): DocsSource[] {
  return [
    {
      name: 'crm_opportunities',
      description: 'CRM opportunities export.',
      columns: [{ name: 'Id', type: 'STRING', description: 'Id' }],
    },
    { name: 'mkt_events', description: 'Marketing events.', columns: [] },
  ];
}

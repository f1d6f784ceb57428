import { expect } from 'chai';
import type { StepResult } from '../../../pipelines/core/result.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { buildMarketing, key, problems, sessionKey } from './support/marketing-raw.js';
import { seedScenario } from './support/seed.js';

const A = key('device', 'dev-a');
const B = key('user', 'usr_b');
const BDEV = key('device', 'dev-b');
const B2 = key('device', 'dev-b2');
const C = key('device', 'dev-c');
const D = key('device', 'dev-d');
const E = key('device', 'dev-e');

const noUtm = { utm_source: null, utm_medium: null, utm_campaign: null, utm_term: null, utm_content: null };
const noSteps = { clicked_cta: false, reached_simulation: false, completed_simulation: false, reached_lead: false };

describe('marketing marts on a hand-made week (DuckDB)', function () {
  let warehouse: DuckDbWarehouse;
  let steps: StepResult[];

  before(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await seedScenario(warehouse);
    steps = await buildMarketing(warehouse);
  });
  after(async () => warehouse.close());

  it('builds every model and passes every data test, without a warning', function () {
    expect(problems(steps)).to.deep.equal([]);
    expect(steps.filter((s) => s.kind === 'model').map((s) => s.name)).to.include.members([
      'model:staging.stg_mkt_events',
      'model:staging.stg_mkt_users',
      'model:staging.stg_mkt_identities',
      'model:staging.stg_mkt_affected_dates',
      'model:marts.fct_events',
      'model:marts.fct_sessions',
      'model:marts.traffic_daily',
      'model:marts.funnel_daily',
      'model:marts.dim_users',
      'model:marts.campaign_performance',
    ]);
  });

  it('stg_mkt_events keeps the first delivery of a duplicated message, typed, the referrer as an outside host', async function () {
    const [counts] = await warehouse.query(
      `SELECT (SELECT COUNT(*) FROM raw.mkt_events) AS raw_rows, COUNT(*) AS events, COUNT(DISTINCT message_id) AS ids
       FROM staging.stg_mkt_events`,
    );
    expect(counts).to.deep.equal({ raw_rows: 25, events: 24, ids: 24 });
    expect(
      await warehouse.query(
        `SELECT message_id, event_date, received_at, locale, referrer_host, utm_source, utm_medium, loaded_at
         FROM staging.stg_mkt_events WHERE message_id IN ('a1', 'a2', 'b2-1') ORDER BY message_id`,
      ),
    ).to.deep.equal([
      {
        message_id: 'a1',
        event_date: '2026-03-10',
        received_at: '2026-03-10T09:00:00.200Z',
        locale: 'fr-FR',
        referrer_host: 'www.google.com',
        utm_source: 'google',
        utm_medium: 'organic',
        loaded_at: '2026-03-13T01:00:00.000Z',
      },
      {
        message_id: 'a2',
        event_date: '2026-03-10',
        received_at: '2026-03-10T09:10:00.200Z',
        locale: 'fr-FR',
        referrer_host: null,
        utm_source: 'google',
        utm_medium: 'organic',
        loaded_at: '2026-03-13T01:00:00.000Z',
      },
      {
        message_id: 'b2-1',
        event_date: '2026-03-12',
        received_at: '2026-03-14T08:00:00.000Z',
        locale: 'fr-FR',
        referrer_host: 'mail.example.net',
        utm_source: null,
        utm_medium: null,
        loaded_at: '2026-03-13T01:00:00.000Z',
      },
    ]);
    expect(
      await warehouse.query(
        `SELECT message_id, event_type, event_name, cta_id, cta_label, simulation_type, loan_amount, duration_years,
                simulated_rate, project_type, opportunity_id
         FROM staging.stg_mkt_events WHERE event_type <> 'page' ORDER BY message_id`,
      ),
    ).to.deep.equal([
      track('b02', 'CTA Clicked', { cta_id: 'hero-simulate', cta_label: 'Simuler mon prêt' }),
      track('b04', 'Simulation Started', { simulation_type: 'mensualites' }),
      { ...track('b06', null, {}), event_type: 'identify' },
      track('b07', 'CTA Clicked', { cta_id: 'capacity-calculate', cta_label: 'Calculer ma capacité' }),
      track('b09', 'Simulation Started', { simulation_type: 'capacite_emprunt' }),
      track('b10', 'Simulation Completed', {
        simulation_type: 'capacite_emprunt',
        loan_amount: 250000,
        duration_years: 25,
        simulated_rate: 3.45,
      }),
      track('b12', 'Lead Submitted', { loan_amount: 250000, project_type: 'Acquisition', opportunity_id: 'OPP1' }),
      track('d2', 'Lead Submitted', { loan_amount: 180000, project_type: 'Acquisition+travaux', opportunity_id: 'OPP2' }),
    ]);
  });

  it('stg_mkt_users keeps the latest version of each user, with a postal area only', async function () {
    expect(
      await warehouse.query(
        `SELECT user_id, anonymous_ids, marketing_opt_in, acquisition_channel, postal_area, updated_at
         FROM staging.stg_mkt_users ORDER BY user_id`,
      ),
    ).to.deep.equal([
      {
        user_id: 'usr_b',
        anonymous_ids: '["dev-b","dev-b2"]',
        marketing_opt_in: true,
        acquisition_channel: 'sea',
        postal_area: '75',
        updated_at: '2026-03-12T09:00:00.000Z',
      },
      {
        user_id: 'usr_d',
        anonymous_ids: '["dev-old"]',
        marketing_opt_in: true,
        acquisition_channel: 'newsletter',
        postal_area: null,
        updated_at: '2026-01-05T10:00:00.000Z',
      },
    ]);
  });

  it('stg_mkt_identities links a device to its user by its identifying event, else by the profile', async function () {
    expect(await warehouse.query('SELECT * FROM staging.stg_mkt_identities ORDER BY anonymous_id')).to.deep.equal([
      {
        anonymous_id: 'dev-b',
        user_id: 'usr_b',
        identified_by: 'event',
        identified_at: '2026-03-11T20:00:30.000Z',
        stitched_from: '2026-03-10T20:00:30.000Z',
        loaded_at: '2026-03-13T01:00:00.000Z',
      },
      {
        anonymous_id: 'dev-b2',
        user_id: 'usr_b',
        identified_by: 'profile',
        identified_at: null,
        stitched_from: null,
        loaded_at: '2026-03-13T01:00:00.000Z',
      },
      {
        anonymous_id: 'dev-old',
        user_id: 'usr_d',
        identified_by: 'profile',
        identified_at: null,
        stitched_from: null,
        loaded_at: '2026-03-13T01:00:00.000Z',
      },
    ]);
  });

  it('fct_events gives each event its visitor (the user from 24 hours before the device identification on) and its session', async function () {
    const rows = await warehouse.query<{ message_id: string; visitor_key: string; user_key: string | null; session_key: string }>(
      'SELECT message_id, visitor_key, user_key, session_key FROM marts.fct_events ORDER BY message_id',
    );
    const session = (visitor: string, first: string) => sessionKey(visitor, first);
    const expected: Array<[string, string, string | null, string]> = [
      ['a1', A, null, session(A, 'a1')],
      ['a2', A, null, session(A, 'a1')],
      // 30 minutes exactly after a2: the same session.
      ['a3', A, null, session(A, 'a1')],
      // 30 minutes and 1 ms after a3: a new one.
      ['a4', A, null, session(A, 'a4')],
      // dev-b's visit of 03-10 14:00, 30 hours before its identification: still the device's.
      ...['b01', 'b02', 'b03', 'b04'].map((id): [string, string, null, string] => [id, BDEV, null, session(BDEV, 'b01')]),
      // Its visit of 03-11 20:00, identified 30 s in (b06): the user's from its first event.
      ...['b05', 'b06', 'b07', 'b08', 'b09', 'b10', 'b11', 'b12', 'b13'].map((id): [string, string, string, string] => [
        id,
        B,
        B,
        session(B, 'b05'),
      ]),
      // dev-b2 is usr_b through the profile only, which gives no time: the device's.
      ['b2-1', B2, null, session(B2, 'b2-1')],
      // Across midnight: one session.
      ...['c1', 'c2', 'c3'].map((id): [string, string, null, string] => [id, C, null, session(C, 'c1')]),
      ['d1', D, null, session(D, 'd1')],
      ['d2', D, null, session(D, 'd1')],
      ['e1', E, null, session(E, 'e1')],
    ];
    expect(rows.map((r) => [r.message_id, r.visitor_key, r.user_key, r.session_key])).to.deep.equal(expected);
  });

  it('fct_sessions cuts sessions by 30 minutes of inactivity, with their first UTM, channel and funnel steps', async function () {
    const rows = await warehouse.query('SELECT * FROM marts.fct_sessions ORDER BY session_date, started_at');
    expect(rows).to.deep.equal([
      {
        session_key: sessionKey(E, 'e1'),
        session_date: '2026-03-05',
        visitor_key: E,
        user_key: null,
        started_at: '2026-03-05T12:00:00.000Z',
        ended_at: '2026-03-05T12:00:00.000Z',
        duration_seconds: 0,
        events: 1,
        page_views: 1,
        landing_page_path: '/',
        exit_page_path: '/',
        ...noUtm,
        referrer_host: 'www.qwant.com',
        channel: 'seo',
        ...noSteps,
        opportunity_id: null,
      },
      {
        session_key: sessionKey(A, 'a1'),
        session_date: '2026-03-10',
        visitor_key: A,
        user_key: null,
        started_at: '2026-03-10T09:00:00.000Z',
        ended_at: '2026-03-10T09:40:00.000Z',
        duration_seconds: 2400,
        events: 3,
        page_views: 3,
        landing_page_path: '/',
        exit_page_path: '/simulation-pret',
        ...noUtm,
        utm_source: 'google',
        utm_medium: 'organic',
        referrer_host: 'www.google.com',
        channel: 'seo',
        ...noSteps,
        opportunity_id: null,
      },
      {
        session_key: sessionKey(A, 'a4'),
        session_date: '2026-03-10',
        visitor_key: A,
        user_key: null,
        started_at: '2026-03-10T10:10:00.001Z',
        ended_at: '2026-03-10T10:10:00.001Z',
        duration_seconds: 0,
        events: 1,
        page_views: 1,
        landing_page_path: '/',
        exit_page_path: '/',
        ...noUtm,
        referrer_host: null,
        channel: 'direct',
        ...noSteps,
        opportunity_id: null,
      },
      {
        session_key: sessionKey(BDEV, 'b01'),
        session_date: '2026-03-10',
        visitor_key: BDEV,
        user_key: null,
        started_at: '2026-03-10T14:00:00.000Z',
        ended_at: '2026-03-10T14:03:00.000Z',
        duration_seconds: 180,
        events: 4,
        page_views: 2,
        landing_page_path: '/taux-immobilier',
        exit_page_path: '/simulation-pret',
        utm_source: 'google',
        utm_medium: 'cpc',
        utm_campaign: 'taux_immobilier_generique',
        utm_term: 'taux immobilier',
        utm_content: 'annonce_a',
        referrer_host: 'www.google.com',
        channel: 'sea',
        ...noSteps,
        clicked_cta: true,
        reached_simulation: true,
        opportunity_id: null,
      },
      {
        session_key: sessionKey(B, 'b05'),
        session_date: '2026-03-11',
        visitor_key: B,
        user_key: B,
        started_at: '2026-03-11T20:00:00.000Z',
        ended_at: '2026-03-11T20:08:02.000Z',
        duration_seconds: 482,
        events: 9,
        page_views: 4,
        landing_page_path: '/',
        exit_page_path: '/merci',
        ...noUtm,
        referrer_host: null,
        channel: 'direct',
        clicked_cta: true,
        reached_simulation: true,
        completed_simulation: true,
        reached_lead: true,
        opportunity_id: 'OPP1',
      },
      {
        session_key: sessionKey(C, 'c1'),
        session_date: '2026-03-11',
        visitor_key: C,
        user_key: null,
        started_at: '2026-03-11T23:50:00.000Z',
        ended_at: '2026-03-12T00:10:00.000Z',
        duration_seconds: 1200,
        events: 3,
        page_views: 3,
        landing_page_path: '/simulateur-capacite',
        exit_page_path: '/contact',
        ...noUtm,
        utm_source: 'moneyvox',
        utm_medium: 'partner',
        utm_campaign: 'iframe_simulateur',
        referrer_host: 'www.moneyvox.fr',
        channel: 'partner',
        ...noSteps,
        opportunity_id: null,
      },
      {
        session_key: sessionKey(B2, 'b2-1'),
        session_date: '2026-03-12',
        visitor_key: B2,
        user_key: null,
        started_at: '2026-03-12T08:00:00.000Z',
        ended_at: '2026-03-12T08:00:00.000Z',
        duration_seconds: 0,
        events: 1,
        page_views: 1,
        landing_page_path: '/espace-client',
        exit_page_path: '/espace-client',
        ...noUtm,
        referrer_host: 'mail.example.net',
        channel: 'referral',
        ...noSteps,
        opportunity_id: null,
      },
      {
        session_key: sessionKey(D, 'd1'),
        session_date: '2026-03-12',
        visitor_key: D,
        user_key: null,
        started_at: '2026-03-12T10:00:00.000Z',
        ended_at: '2026-03-12T10:05:00.000Z',
        duration_seconds: 300,
        events: 2,
        page_views: 1,
        landing_page_path: '/taux-immobilier',
        exit_page_path: '/taux-immobilier',
        utm_source: 'newsletter',
        utm_medium: 'email',
        utm_campaign: 'nl_2026_03_taux',
        utm_term: null,
        utm_content: 'cta_header',
        referrer_host: null,
        channel: 'newsletter',
        ...noSteps,
        reached_lead: true,
        opportunity_id: 'OPP2',
      },
    ]);
  });

  it('traffic_daily counts page views, visitors, sessions and entrances per day and page', async function () {
    const rows = await warehouse.query<Record<string, unknown>>('SELECT * FROM marts.traffic_daily ORDER BY day, page_path');
    const t = (day: string, page_path: string, page_views: number, visitors: number, sessions: number, entrances: number) => ({
      day,
      page_path,
      page_views,
      visitors,
      sessions,
      entrances,
    });
    expect(rows).to.deep.equal([
      t('2026-03-05', '/', 1, 1, 1, 1),
      t('2026-03-10', '/', 2, 1, 2, 2),
      t('2026-03-10', '/simulation-pret', 2, 2, 2, 0),
      t('2026-03-10', '/taux-immobilier', 2, 2, 2, 1),
      t('2026-03-11', '/', 1, 1, 1, 1),
      t('2026-03-11', '/demande-financement', 1, 1, 1, 0),
      t('2026-03-11', '/guides/pret-taux-zero', 1, 1, 1, 0),
      t('2026-03-11', '/merci', 1, 1, 1, 0),
      t('2026-03-11', '/simulateur-capacite', 2, 2, 2, 1),
      // The session that crossed midnight entered the day before.
      t('2026-03-12', '/contact', 1, 1, 1, 0),
      t('2026-03-12', '/espace-client', 1, 1, 1, 1),
      t('2026-03-12', '/taux-immobilier', 1, 1, 1, 1),
    ]);
  });

  it('funnel_daily counts the sessions reaching each step per day and channel, with step conversion rates', async function () {
    const rows = await warehouse.query<Record<string, unknown>>('SELECT * FROM marts.funnel_daily ORDER BY day, channel');
    const f = (day: string, channel: string, counts: number[], rates: Array<number | null>) => ({
      day,
      channel,
      sessions: counts[0],
      cta_clicks: counts[1],
      simulations_started: counts[2],
      simulations_completed: counts[3],
      leads: counts[4],
      opportunities: counts[5],
      cta_click_rate: rates[0],
      simulation_start_rate: rates[1],
      simulation_completion_rate: rates[2],
      lead_rate: rates[3],
      opportunity_rate: rates[4],
      session_lead_rate: rates[5],
    });
    const idle = [0, null, null, null, null, 0];
    expect(rows).to.deep.equal([
      f('2026-03-05', 'seo', [1, 0, 0, 0, 0, 0], idle),
      f('2026-03-10', 'direct', [1, 0, 0, 0, 0, 0], idle),
      f('2026-03-10', 'sea', [1, 1, 1, 0, 0, 0], [1, 1, 0, null, null, 0]),
      f('2026-03-10', 'seo', [1, 0, 0, 0, 0, 0], idle),
      f('2026-03-11', 'direct', [1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]),
      f('2026-03-11', 'partner', [1, 0, 0, 0, 0, 0], idle),
      f('2026-03-12', 'newsletter', [1, 0, 0, 0, 1, 1], [0, null, null, null, 1, 1]),
      f('2026-03-12', 'referral', [1, 0, 0, 0, 0, 0], idle),
    ]);
  });

  it('dim_users has one row per user, under the salted key, first seen on any device linked to it', async function () {
    expect(await warehouse.query('SELECT * FROM marts.dim_users ORDER BY first_seen_at')).to.deep.equal([
      {
        user_key: key('user', 'usr_d'),
        first_seen_at: '2026-01-05T10:00:00.000Z',
        identified_at: '2026-01-05T10:00:00.000Z',
        acquisition_channel: 'newsletter',
        marketing_opt_in: true,
        postal_area: null,
        is_lead: false,
        became_lead_at: null,
        opportunity_id: null,
      },
      {
        user_key: B,
        first_seen_at: '2026-03-10T14:00:00.000Z',
        identified_at: '2026-03-11T20:00:30.000Z',
        acquisition_channel: 'sea',
        marketing_opt_in: true,
        postal_area: '75',
        is_lead: true,
        became_lead_at: '2026-03-11T20:08:00.000Z',
        opportunity_id: 'OPP1',
      },
    ]);
  });

  it('campaign_performance sums sessions, leads and opportunities per campaign, with their CRM outcome', async function () {
    const none = {
      opportunities: 0,
      opportunities_in_crm: 0,
      opportunities_open: 0,
      opportunities_won: 0,
      opportunities_lost: 0,
      opportunities_with_offer: 0,
      main_loan_amount_total: null,
      main_loan_amount_avg: null,
      best_rate_avg: null,
      best_rate_min: null,
    };
    const campaign = (source: string, medium: string, name: string, sessions: number, visitors: number, leads: number) => ({
      utm_source: source,
      utm_medium: medium,
      utm_campaign: name,
      sessions,
      visitors,
      leads,
    });
    expect(
      await warehouse.query('SELECT * FROM marts.campaign_performance ORDER BY utm_source, utm_medium, utm_campaign'),
    ).to.deep.equal([
      {
        ...campaign('(none)', '(none)', '(none)', 4, 4, 1),
        opportunities: 1,
        opportunities_in_crm: 1,
        opportunities_open: 0,
        opportunities_won: 1,
        opportunities_lost: 0,
        opportunities_with_offer: 1,
        main_loan_amount_total: 250000,
        main_loan_amount_avg: 250000,
        best_rate_avg: 3.1,
        best_rate_min: 3.1,
      },
      { ...campaign('google', 'cpc', 'taux_immobilier_generique', 1, 1, 0), ...none },
      { ...campaign('google', 'organic', '(none)', 1, 1, 0), ...none },
      { ...campaign('moneyvox', 'partner', 'iframe_simulateur', 1, 1, 0), ...none },
      // OPP2 is not in the CRM export: counted, with no outcome.
      { ...campaign('newsletter', 'email', 'nl_2026_03_taux', 1, 1, 1), ...none, opportunities: 1 },
    ]);
  });
});

function track(message_id: string, event_name: string | null, fields: Record<string, unknown>) {
  return {
    message_id,
    event_type: 'track',
    event_name,
    cta_id: null,
    cta_label: null,
    simulation_type: null,
    loan_amount: null,
    duration_years: null,
    simulated_rate: null,
    project_type: null,
    opportunity_id: null,
    ...fields,
  };
}

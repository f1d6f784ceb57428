import { MKT_EVENTS, MKT_USERS } from '../../../../pipelines/extract/api/marketing-tables.js';
import type { LoadStamp } from '../../../../pipelines/extract/api/record-fields.js';
import { typeEvent } from '../../../../pipelines/extract/api/event-row.js';
import { typeUser } from '../../../../pipelines/extract/api/user-row.js';
import { CRM_SOURCES, type CrmTable } from '../../../../pipelines/extract/csv/crm-sources.js';
import { rawTableSpec } from '../../../../pipelines/load/raw-tables.js';
import type { TableSpec } from '../../../../pipelines/warehouse/types.js';

/**
 * Small raw tables written by hand to make the engines disagree if they can: NULLs everywhere a
 * model reads, ties on every ordering, empty groups, time zones, late and duplicated deliveries.
 * Instants are written to the millisecond (the ZetaSQL harness carries TIMESTAMP values in ms).
 *
 * CRM (rows as the CSV loader writes them, source column names):
 * - opportunities o01..o12: impossible ages (17, 150, 0), boundaries 18 and 100, fractional ages, a
 *   NULL age; main banks tied 4-4 (CIC, BNP PARIBAS: the mode is the smaller name), categories tied
 *   3-3, NULL categories, contracts, flags and stages; a non-ASCII bank name.
 * - propositions: NULL rates, a 0.0 rate, ties on rate then insurance then duration then creation
 *   then id; unknown bank ids, an orphan opportunity id (o99), a NULL opportunity id.
 * - banks: two ids named CIC (duplicate names), a NULL name.
 *
 * Marketing (API records, typed by the extractor's own `typeEvent` / `typeUser`, so that the source
 * text's time zones are normalised to UTC as in production):
 * - dev-a: a session from 03-01 23:50 UTC across midnight (one event written 00:55+01:00, whose local
 *   date differs from its UTC date; one written 19:10-05:00, the next UTC day), a gap of exactly 30
 *   minutes (same session), then 30 min + 1 ms (new session); identified as u1 later by a Lead
 *   Submitted event, then an identify call. Event a5 is delivered twice (the later copy dropped);
 *   a3 twice with the same received_at and load time (the load id decides); b2 twice in one load
 *   (the record text decides).
 * - dev-b, dev-c: never identified by an event; u2's profile lists them. Two leads for one
 *   opportunity not in the CRM (o77); an internal referrer.
 * - dev-d: an event received two days late (loaded in the second load), an object where a string
 *   property is read, a numeric cta_id.
 * - dev-e: a partner campaign with an empty campaign name, a lead without opportunity by u3.
 * - dev-f: u4, known from events only; its only day (03-05) has no page view: an empty group.
 * - dev-g: a UTM medium pasted with a trailing tab.
 * - users: u1 in two versions (the later wins), u3 two versions with the same updated_at (the later
 *   load wins), u5 with no device and no event, u6 whose device never shows up; postal codes of 5
 *   digits, padded, overseas, 4 digits and NULL; channels padded, empty, NULL.
 */

export const SALT = 'engines-equivalence-salt';

/** Dates rebuilt in the incremental comparison: a busy day after midnight, and a day without events. */
export const PARTITION_SUBSET = ['2026-03-02', '2026-03-06'];

const CRM_LOAD = { _load_id: 'crm-load-1', _exported_at: '2026-03-05T05:00:00.000Z', _loaded_at: '2026-03-05T06:00:00.000Z' };
const EVENTS_1: LoadStamp = { loadId: 'events-load-1', loadedAt: '2026-03-05T06:00:00.000Z' };
const EVENTS_2: LoadStamp = { loadId: 'events-load-2', loadedAt: '2026-03-05T07:00:00.000Z' };
const EVENTS_1B: LoadStamp = { loadId: 'events-load-1b', loadedAt: '2026-03-05T06:00:00.000Z' };
const USERS_1: LoadStamp = { loadId: 'users-load-1', loadedAt: '2026-03-05T06:00:00.000Z' };
const USERS_2: LoadStamp = { loadId: 'users-load-2', loadedAt: '2026-03-05T07:00:00.000Z' };

type Row = Record<string, unknown>;

function crm(table: CrmTable, rows: Row[]): Row[] {
  return rows.map((row, index) => ({ ...CRM_LOAD, _file: `${table}_20260305.csv`, _line: index + 2, ...row }));
}

const opportunity = (
  Id: string,
  age: number | null,
  bank: string | null,
  prior: boolean | null,
  category: string | null,
  contract: string | null,
  stage: string | null,
  amount: number | null,
): Row => ({
  Id,
  Age_emprunteur__c: age,
  BanquePrincipaleEmp__c: bank,
  Deja_souscrit_credit_immo__c: prior,
  TechMail_CategorieProfessionnelleEmpru__c: category,
  TechMail_CategorieProfessionnelleCoEmpru__c: category === null ? 'Cadre' : null,
  TechMail_ContratDeTravailEmprunteur__c: contract,
  StageName: stage,
  MontPretPricip__c: amount,
  TotRev__c: amount === null ? null : Math.round(amount / 40) + 0.5,
  CreatedDate: `2026-02-${Id.slice(1).padStart(2, '0')}T09:00:00.000Z`,
});

const OPPORTUNITIES: Row[] = [
  opportunity('o01', 34, 'CIC', true, 'Cadre', 'CDI', '5-Gagnée', 250000),
  opportunity('o02', 34, 'BNP PARIBAS', false, 'Cadre', 'CDI', '6-Perdue', 180000.25),
  opportunity('o03', 17, 'CIC', null, 'Employé', 'CDD', '1-Découverte', null),
  opportunity('o04', 150, 'BNP PARIBAS', true, null, null, null, 320000),
  opportunity('o05', null, null, false, 'Employé', 'CDI', '2-Montage', 99999.99),
  opportunity('o06', 18, 'LCL', true, 'Cadre', 'CDI', '5-Gagnée', 140000),
  opportunity('o07', 100, 'BNP PARIBAS', false, 'Retraité', null, '3-Banques', 60000),
  opportunity('o08', 25.5, 'CIC', true, 'Employé', 'Intérim', '4-Offre', 210000),
  opportunity('o09', 45, null, null, null, 'CDI', '6-Perdue', null),
  opportunity('o10', 60, 'Crédit Agricole', false, 'Artisan', 'Indépendant', '1-Découverte', 275000.5),
  opportunity('o11', 29.99, 'BNP PARIBAS', true, 'Profession libérale', 'CDI', null, 410000),
  opportunity('o12', 0, 'CIC', null, null, null, '6-Perdue', 0),
];

const proposition = (Id: string, Opportunity__c: string | null, TXHA__c: number | null, more: Row = {}): Row => ({
  Id,
  Opportunity__c,
  TXHA__c,
  Partenaire__c: 'b1',
  CreatedDate: '2026-02-20T10:00:00.000Z',
  Etape_Source__c: 'Proposition envoyée',
  ...more,
});

const PROPOSITIONS: Row[] = [
  // A NULL rate must not win, though it sorts first on BigQuery.
  proposition('p01a', 'o01', 3.2),
  proposition('p01b', 'o01', null, { Partenaire__c: 'b2' }),
  proposition('p01c', 'o01', 3.05, { Partenaire__c: 'b2', DureePret_Mois__c: 240 }),
  // 0.0 is a rate, and the lowest.
  proposition('p02a', 'o02', 1.0),
  proposition('p02b', 'o02', 0.0, { Partenaire__c: 'b3' }),
  // Equal rates: lower insurance wins, unknown insurance last.
  proposition('p03a', 'o03', 3.5, { TauxAss__c: 0.3 }),
  proposition('p03b', 'o03', 3.5, { TauxAss__c: 0.2 }),
  proposition('p03c', 'o03', 3.5, { TauxAss__c: null }),
  // Then the shorter duration, unknown last.
  proposition('p04a', 'o04', 3.5, { TauxAss__c: 0.2, DureePret_Mois__c: 240 }),
  proposition('p04b', 'o04', 3.5, { TauxAss__c: 0.2, DureePret_Mois__c: 180 }),
  proposition('p04c', 'o04', 3.5, { TauxAss__c: 0.2, DureePret_Mois__c: null }),
  // Then the earlier creation, unknown last.
  proposition('p05a', 'o05', 3.5, { TauxAss__c: 0.2, DureePret_Mois__c: 180, CreatedDate: '2026-02-21T00:00:00.000Z' }),
  proposition('p05b', 'o05', 3.5, { TauxAss__c: 0.2, DureePret_Mois__c: 180, CreatedDate: '2026-02-20T12:00:00.000Z' }),
  proposition('p05c', 'o05', 3.5, { TauxAss__c: 0.2, DureePret_Mois__c: 180, CreatedDate: null }),
  // Then the smaller id.
  proposition('p06b', 'o06', 3.5, { TauxAss__c: 0.2, DureePret_Mois__c: 180 }),
  proposition('p06a', 'o06', 3.5, { TauxAss__c: 0.2, DureePret_Mois__c: 180 }),
  // No rated offer: no best offer.
  proposition('p07a', 'o07', null),
  // A bank missing from the banks export keeps the offer, with no bank name; a NULL bank name.
  proposition('p08a', 'o08', 2.95, { Partenaire__c: 'b404' }),
  proposition('p09a', 'o09', 4.1, { Partenaire__c: 'b4' }),
  // An opportunity missing from the opportunities export keeps its best offer.
  proposition('p99a', 'o99', 2.5),
  // An offer of no opportunity is nobody's best.
  proposition('p00a', null, 0.1),
];

const BANKS: Row[] = [
  { Id: 'b1', Name: 'CIC', CreatedDate: '2020-01-01T00:00:00.000Z' },
  { Id: 'b2', Name: 'BNP PARIBAS', CreatedDate: '2020-01-01T00:00:00.000Z' },
  { Id: 'b3', Name: 'CIC', CreatedDate: '2021-06-01T00:00:00.000Z' },
  { Id: 'b4', Name: null, CreatedDate: null },
  { Id: 'b5', Name: 'Société Générale', CreatedDate: '2022-01-01T00:00:00.000Z' },
];

const SITE = 'https://www.moncourtier.example';

interface EventInput {
  id: string;
  anon: string;
  /** Device time as the source wrote it, any zone. */
  at: string;
  /** Default: 200 ms after `at`. */
  received?: string;
  event?: string;
  type?: 'page' | 'track' | 'identify';
  path?: string;
  user?: string;
  referrer?: string;
  campaign?: Record<string, string | null>;
  props?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  locale?: string;
}

/** An event as `GET /v1/events` serves it. */
function eventRecord(e: EventInput): Record<string, unknown> {
  const type = e.type ?? (e.event ? 'track' : 'page');
  const path = e.path ?? '/';
  const url = `${SITE}${path}`;
  return {
    message_id: e.id,
    type,
    event: type === 'track' ? e.event : null,
    name: type === 'page' ? `Page ${path}` : null,
    user_id: e.user ?? null,
    anonymous_id: e.anon,
    timestamp: e.at,
    received_at: e.received ?? new Date(Date.parse(e.at) + 200).toISOString(),
    context: {
      ip: '198.51.100.7',
      user_agent: 'Mozilla/5.0 (fixture)',
      locale: e.locale ?? 'fr-FR',
      page: { path, url, referrer: e.referrer ?? null, title: `Title of ${path}`, search: null },
      ...(e.campaign ? { campaign: e.campaign } : {}),
    },
    properties: e.props ?? (type === 'page' ? { path, url } : {}),
    ...(e.traits ? { traits: e.traits } : {}),
  };
}

const GOOGLE = 'https://www.google.fr/search?q=pret+immobilier';

const EVENTS: Array<{ stamp: LoadStamp; event: EventInput }> = [
  // dev-a: one session across midnight UTC, gaps of exactly 30 min and of 30 min + 1 ms.
  {
    stamp: EVENTS_1,
    event: {
      id: 'a1',
      anon: 'dev-a',
      at: '2026-03-01T23:50:00.000Z',
      referrer: GOOGLE,
      campaign: { source: ' Google ', medium: 'CPC', name: 'printemps', term: 'taux', content: null },
    },
  },
  {
    stamp: EVENTS_1,
    event: {
      id: 'a2',
      anon: 'dev-a',
      at: '2026-03-02T00:55:00.000+01:00',
      event: 'CTA Clicked',
      props: { cta_id: 'hero', label: 'Simuler' },
    },
  },
  {
    stamp: EVENTS_1,
    event: { id: 'a3', anon: 'dev-a', at: '2026-03-01T19:10:00-05:00', path: '/simulation', referrer: `${SITE}/` },
  },
  // a3 again, same received_at, from another load committed at the same instant: the load id decides.
  {
    stamp: EVENTS_1B,
    event: {
      id: 'a3',
      anon: 'dev-a',
      at: '2026-03-01T19:10:00-05:00',
      path: '/simulation',
      referrer: `${SITE}/`,
      locale: 'fr-BE',
    },
  },
  { stamp: EVENTS_1, event: { id: 'a4', anon: 'dev-a', at: '2026-03-02T00:40:00.000Z', event: 'Simulation Started' } },
  {
    stamp: EVENTS_1,
    event: {
      id: 'a5',
      anon: 'dev-a',
      at: '2026-03-02T01:10:00.001Z',
      event: 'Simulation Completed',
      props: {
        simulation_type: 'achat',
        loan_amount: 250000,
        duration_years: 20,
        rate: 3.15,
        project_type: 'residence_principale',
      },
    },
  },
  // A later delivery of a5, received later: dropped.
  {
    stamp: EVENTS_2,
    event: {
      id: 'a5',
      anon: 'dev-a',
      at: '2026-03-02T01:10:00.001Z',
      received: '2026-03-02T01:15:00.000Z',
      event: 'Simulation Completed',
      props: { simulation_type: 'achat', loan_amount: 'not a number', duration_years: 20, rate: 3.15 },
      locale: 'en-GB',
    },
  },
  {
    stamp: EVENTS_1,
    event: {
      id: 'a6',
      anon: 'dev-a',
      at: '2026-03-02T02:20:00.000+01:00',
      event: 'Lead Submitted',
      user: 'u1',
      props: { opportunity_id: 'o01' },
    },
  },
  {
    stamp: EVENTS_1,
    event: {
      id: 'a7',
      anon: 'dev-a',
      at: '2026-03-02T01:20:00.500Z',
      type: 'identify',
      user: 'u1',
      traits: { postal_code: '75011' },
    },
  },
  // dev-b: linked to u2 by u2's profile only; an internal referrer; two leads for an opportunity the CRM lacks.
  { stamp: EVENTS_1, event: { id: 'b1', anon: 'dev-b', at: '2026-03-02T10:00:00.000+02:00', referrer: `${SITE}/blog` } },
  { stamp: EVENTS_1, event: { id: 'b2', anon: 'dev-b', at: '2026-03-02T08:20:00.000Z', path: '/taux' } },
  // b2 twice in the same load, differing only in the record text: the text decides (de-DE sorts first).
  { stamp: EVENTS_1, event: { id: 'b2', anon: 'dev-b', at: '2026-03-02T08:20:00.000Z', path: '/taux', locale: 'de-DE' } },
  {
    stamp: EVENTS_1,
    event: { id: 'b3', anon: 'dev-b', at: '2026-03-02T08:25:00.000Z', event: 'Lead Submitted', props: { opportunity_id: 'o77' } },
  },
  {
    stamp: EVENTS_1,
    event: { id: 'b4', anon: 'dev-b', at: '2026-03-02T08:26:00.000Z', event: 'Lead Submitted', props: { opportunity_id: 'o77' } },
  },
  // dev-c: u2's other device; newsletter visit, lead for o02.
  {
    stamp: EVENTS_1,
    event: {
      id: 'c1',
      anon: 'dev-c',
      at: '2026-03-03T09:00:00.000Z',
      campaign: { source: 'newsletter', medium: 'email', name: 'nl_mars' },
    },
  },
  {
    stamp: EVENTS_1,
    event: { id: 'c2', anon: 'dev-c', at: '2026-03-03T09:04:00.000Z', event: 'Lead Submitted', props: { opportunity_id: 'o02' } },
  },
  // dev-d: a late event (received and loaded two days later), odd property values.
  {
    stamp: EVENTS_2,
    event: {
      id: 'd1',
      anon: 'dev-d',
      at: '2026-03-01T12:00:00.000Z',
      received: '2026-03-03T12:00:00.000Z',
      referrer: 'https://www.qwant.com/?q=courtier',
    },
  },
  {
    stamp: EVENTS_1,
    event: { id: 'd2', anon: 'dev-d', at: '2026-03-01T12:10:00.000Z', path: '/contact', props: { cta_id: { id: 3 } } },
  },
  {
    stamp: EVENTS_1,
    event: { id: 'd3', anon: 'dev-d', at: '2026-03-01T12:15:00.000Z', event: 'CTA Clicked', props: { cta_id: 7, label: null } },
  },
  // dev-e: partner campaign with an empty name; u3's lead without an opportunity.
  {
    stamp: EVENTS_1,
    event: {
      id: 'e1',
      anon: 'dev-e',
      at: '2026-03-04T10:00:00.000Z',
      path: '/partenaires',
      campaign: { source: 'moneyvox', medium: 'Affiliation', name: '' },
    },
  },
  {
    stamp: EVENTS_1,
    event: { id: 'e2', anon: 'dev-e', at: '2026-03-04T10:05:00.000Z', event: 'Lead Submitted', user: 'u3', props: {} },
  },
  // dev-f: u4 from events only; 03-05 has no page view at all.
  {
    stamp: EVENTS_1,
    event: {
      id: 'f1',
      anon: 'dev-f',
      at: '2026-03-05T00:00:00.000Z',
      event: 'CTA Clicked',
      user: 'u4',
      props: { cta_id: 'footer' },
    },
  },
  {
    stamp: EVENTS_1,
    event: { id: 'f2', anon: 'dev-f', at: '2026-03-05T00:29:59.999Z', event: 'Simulation Started', user: 'u4' },
  },
  // dev-g: a UTM medium pasted with a trailing tab (GoogleSQL's TRIM removes all whitespace).
  {
    stamp: EVENTS_1,
    event: {
      id: 'g1',
      anon: 'dev-g',
      at: '2026-03-04T15:00:00.000Z',
      campaign: { source: 'newsletter', medium: 'email\t', name: 'nl_mars' },
    },
  },
];

interface UserInput {
  id: string;
  devices: string[];
  created: string;
  updated: string;
  postal?: string | null;
  optIn?: boolean | null;
  channel?: string | null;
}

/** A user as `GET /v1/users` serves it (personal fields are placeholders, never real data). */
function userRecord(u: UserInput): Record<string, unknown> {
  return {
    user_id: u.id,
    anonymous_ids: u.devices,
    email: `${u.id}@example.invalid`,
    phone: null,
    created_at: u.created,
    updated_at: u.updated,
    traits: {
      first_name: `First ${u.id}`,
      last_name: null,
      birth_year: 1990,
      postal_code: u.postal ?? null,
      city: null,
      marketing_opt_in: u.optIn ?? null,
      acquisition_channel: u.channel ?? null,
    },
  };
}

const USERS: Array<{ stamp: LoadStamp; user: UserInput }> = [
  {
    stamp: USERS_1,
    user: {
      id: 'u1',
      devices: ['dev-a'],
      created: '2026-02-28T09:00:00+01:00',
      updated: '2026-03-01T10:00:00Z',
      postal: '75011',
      optIn: true,
      channel: ' SEO ',
    },
  },
  {
    stamp: USERS_2,
    user: {
      id: 'u1',
      devices: ['dev-a'],
      created: '2026-02-28T09:00:00+01:00',
      updated: '2026-03-02T11:00:00+01:00',
      postal: ' 97411',
      optIn: false,
      channel: '',
    },
  },
  {
    stamp: USERS_1,
    user: {
      id: 'u2',
      devices: ['dev-b', 'dev-c'],
      created: '2026-03-02T09:00:00Z',
      updated: '2026-03-02T09:00:00Z',
      postal: '7501',
    },
  },
  {
    stamp: USERS_1,
    user: {
      id: 'u3',
      devices: ['dev-e'],
      created: '2026-03-04T09:00:00Z',
      updated: '2026-03-04T12:00:00Z',
      postal: '13001',
      channel: 'partner',
    },
  },
  {
    stamp: USERS_2,
    user: {
      id: 'u3',
      devices: ['dev-e'],
      created: '2026-03-04T09:00:00Z',
      updated: '2026-03-04T12:00:00Z',
      postal: '69001',
      channel: 'Partner',
    },
  },
  {
    stamp: USERS_1,
    user: { id: 'u5', devices: [], created: '2026-03-01T00:00:00Z', updated: '2026-03-01T00:00:00Z', optIn: true },
  },
  {
    stamp: USERS_2,
    user: { id: 'u6', devices: ['dev-z'], created: '2026-03-03T00:00:00Z', updated: '2026-03-03T00:00:00Z', channel: null },
  },
];

function typedRows(
  records: Array<{ stamp: LoadStamp; record: Record<string, unknown> }>,
  type: typeof typeEvent,
  what: string,
): Row[] {
  return records.map(({ stamp, record }, index) => {
    const typed = type(record, JSON.stringify(record), stamp);
    if (!typed.ok) throw new Error(`fixture ${what} #${index + 1}: ${typed.field}: ${typed.reason}`);
    return typed.row;
  });
}

/** Every raw table of the fixture, with its declared spec and rows keyed by column name. */
export function rawFixtures(): Array<{ spec: TableSpec; rows: Row[] }> {
  return [
    { spec: rawTableSpec(CRM_SOURCES.opportunities), rows: crm('opportunities', OPPORTUNITIES) },
    { spec: rawTableSpec(CRM_SOURCES.propositions), rows: crm('propositions', PROPOSITIONS) },
    { spec: rawTableSpec(CRM_SOURCES.banks), rows: crm('banks', BANKS) },
    {
      spec: MKT_EVENTS,
      rows: typedRows(
        EVENTS.map((e) => ({ stamp: e.stamp, record: eventRecord(e.event) })),
        typeEvent,
        'event',
      ),
    },
    {
      spec: MKT_USERS,
      rows: typedRows(
        USERS.map((u) => ({ stamp: u.stamp, record: userRecord(u.user) })),
        typeUser,
        'user',
      ),
    },
  ];
}

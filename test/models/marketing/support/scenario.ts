import type { EventSpec, LoadStamp, UserSpec, Utm } from './marketing-raw.js';
import { SITE } from './marketing-raw.js';

/**
 * A small hand-made week of website activity, each visitor showing one rule:
 *
 * - dev-a, never identified: 09:00, 09:10, 09:40 (a gap of exactly 30 minutes: same session), then
 *   10:10:00.001 (30 minutes and 1 ms: a new session, direct). Event a2 is delivered twice; the later
 *   copy (en-GB) must be dropped.
 * - dev-b: anonymous on 03-10 (sea, CTA and simulation), identified as usr_b on 03-11 (direct), lead
 *   OPP1 (in the CRM, won, best rate 3.1). Its 03-10 session is usr_b's.
 * - dev-b2: never identified by an event, but usr_b's latest profile lists it: its 03-12 visit
 *   (referral) is usr_b's too. Received two days late.
 * - dev-c: a partner session from 03-11 23:50 to 03-12 00:10 (crosses midnight: one session, of 03-11).
 * - dev-d: anonymous newsletter visit with a lead whose opportunity OPP2 the CRM does not hold.
 * - dev-e: 03-05, no UTM, referred by a search engine: seo. No other activity near it.
 * - usr_d: a profile with no event kept (postal code 2A004: no postal area).
 */
export const L1: LoadStamp = { loadId: 'load-1', loadedAt: '2026-03-13T01:00:00.000Z' };
export const L0: LoadStamp = { loadId: 'load-0', loadedAt: '2026-03-12T00:00:00.000Z' };

const GOOGLE = 'https://www.google.com/';
const organic: Utm = { source: 'google', medium: 'organic' };
const sea: Utm = {
  source: 'google',
  medium: 'cpc',
  name: 'taux_immobilier_generique',
  term: 'taux immobilier',
  content: 'annonce_a',
};
const partner: Utm = { source: 'moneyvox', medium: 'partner', name: 'iframe_simulateur' };
const newsletter: Utm = { source: 'newsletter', medium: 'email', name: 'nl_2026_03_taux', content: 'cta_header' };

/** Personal data of the scenario: none of it may reach staging or the marts. */
export const PERSONAL = {
  emails: ['jeanne.quintaveau@example.org', 'old.address.quintaveau@example.org', 'dorian.vasquelin@example.net'],
  phones: ['+33611223344', '+33799887766'],
  names: ['Jeanne', 'Quintaveau', 'Dorian', 'Vasquelin'],
  ips: ['198.51.100.23', '203.0.113.41', '203.0.113.42', '203.0.113.43', '203.0.113.44', '203.0.113.45', '203.0.113.46'],
  postalCodes: ['75011', '2A004'],
  cities: ['Ajaccio-Testville', 'Paris-Testville'],
};

const B_TRAITS = {
  email: PERSONAL.emails[0],
  phone: PERSONAL.phones[0],
  first_name: 'Jeanne',
  last_name: 'Quintaveau',
  birth_year: 1988,
  postal_code: '75011',
  city: 'Paris-Testville',
};

export const EVENTS: EventSpec[] = [
  { id: 'a1', anon: 'dev-a', at: '2026-03-10T09:00:00.000Z', path: '/', utm: organic, referrer: GOOGLE, ip: PERSONAL.ips[1] },
  { id: 'a2', anon: 'dev-a', at: '2026-03-10T09:10:00.000Z', path: '/taux-immobilier', utm: organic, referrer: `${SITE}/` },
  {
    id: 'a3',
    anon: 'dev-a',
    at: '2026-03-10T09:40:00.000Z',
    path: '/simulation-pret',
    utm: organic,
    referrer: `${SITE}/taux-immobilier`,
  },
  { id: 'a4', anon: 'dev-a', at: '2026-03-10T10:10:00.001Z', path: '/' },

  {
    id: 'b01',
    anon: 'dev-b',
    at: '2026-03-10T14:00:00.000Z',
    path: '/taux-immobilier',
    utm: sea,
    referrer: GOOGLE,
    ip: PERSONAL.ips[2],
  },
  {
    id: 'b02',
    anon: 'dev-b',
    at: '2026-03-10T14:01:00.000Z',
    path: '/taux-immobilier',
    utm: sea,
    event: 'CTA Clicked',
    props: { cta_id: 'hero-simulate', label: 'Simuler mon prêt' },
  },
  { id: 'b03', anon: 'dev-b', at: '2026-03-10T14:02:00.000Z', path: '/simulation-pret', utm: sea },
  {
    id: 'b04',
    anon: 'dev-b',
    at: '2026-03-10T14:03:00.000Z',
    path: '/simulation-pret',
    utm: sea,
    event: 'Simulation Started',
    props: { simulation_type: 'mensualites' },
  },
  { id: 'b05', anon: 'dev-b', at: '2026-03-11T20:00:00.000Z', path: '/', ip: PERSONAL.ips[3] },
  { id: 'b06', anon: 'dev-b', at: '2026-03-11T20:00:30.000Z', path: '/', type: 'identify', user: 'usr_b', traits: B_TRAITS },
  {
    id: 'b07',
    anon: 'dev-b',
    at: '2026-03-11T20:01:00.000Z',
    path: '/',
    user: 'usr_b',
    event: 'CTA Clicked',
    props: { cta_id: 'capacity-calculate', label: 'Calculer ma capacité' },
  },
  { id: 'b08', anon: 'dev-b', at: '2026-03-11T20:02:00.000Z', path: '/simulateur-capacite', user: 'usr_b' },
  {
    id: 'b09',
    anon: 'dev-b',
    at: '2026-03-11T20:03:00.000Z',
    path: '/simulateur-capacite',
    user: 'usr_b',
    event: 'Simulation Started',
    props: { simulation_type: 'capacite_emprunt' },
  },
  {
    id: 'b10',
    anon: 'dev-b',
    at: '2026-03-11T20:05:00.000Z',
    path: '/simulateur-capacite',
    user: 'usr_b',
    event: 'Simulation Completed',
    props: { simulation_type: 'capacite_emprunt', loan_amount: 250000, duration_years: 25, rate: 3.45 },
  },
  { id: 'b11', anon: 'dev-b', at: '2026-03-11T20:06:00.000Z', path: '/demande-financement', user: 'usr_b' },
  {
    id: 'b12',
    anon: 'dev-b',
    at: '2026-03-11T20:08:00.000Z',
    path: '/demande-financement',
    user: 'usr_b',
    event: 'Lead Submitted',
    props: { opportunity_id: 'OPP1', loan_amount: 250000, project_type: 'Acquisition' },
  },
  { id: 'b13', anon: 'dev-b', at: '2026-03-11T20:08:02.000Z', path: '/merci', user: 'usr_b' },

  {
    id: 'b2-1',
    anon: 'dev-b2',
    at: '2026-03-12T08:00:00.000Z',
    path: '/espace-client',
    referrer: 'https://mail.example.net/inbox?u=dorian.vasquelin@example.net',
    receivedAt: '2026-03-14T08:00:00.000Z',
    ip: PERSONAL.ips[4],
  },

  {
    id: 'c1',
    anon: 'dev-c',
    at: '2026-03-11T23:50:00.000Z',
    path: '/simulateur-capacite',
    utm: partner,
    referrer: 'https://www.moneyvox.fr/credit-immobilier/',
    ip: PERSONAL.ips[5],
  },
  { id: 'c2', anon: 'dev-c', at: '2026-03-11T23:55:00.000Z', path: '/guides/pret-taux-zero', utm: partner },
  { id: 'c3', anon: 'dev-c', at: '2026-03-12T00:10:00.000Z', path: '/contact', utm: partner },

  { id: 'd1', anon: 'dev-d', at: '2026-03-12T10:00:00.000Z', path: '/taux-immobilier', utm: newsletter, ip: PERSONAL.ips[6] },
  {
    id: 'd2',
    anon: 'dev-d',
    at: '2026-03-12T10:05:00.000Z',
    path: '/taux-immobilier',
    utm: newsletter,
    event: 'Lead Submitted',
    props: { opportunity_id: 'OPP2', loan_amount: 180000, project_type: 'Acquisition+travaux' },
  },

  { id: 'e1', anon: 'dev-e', at: '2026-03-05T12:00:00.000Z', path: '/', referrer: 'https://www.qwant.com/' },
];

/** A second delivery of a2, received an hour later by another load, with a different locale. */
export const DUPLICATE_OF_A2: EventSpec = {
  ...EVENTS.find((e) => e.id === 'a2')!,
  receivedAt: '2026-03-10T10:10:00.000Z',
  locale: 'en-GB',
};

export const USERS: UserSpec[] = [
  {
    userId: 'usr_b',
    anonymousIds: ['dev-b'],
    email: PERSONAL.emails[1],
    phone: PERSONAL.phones[0],
    firstName: 'Jeanne',
    lastName: 'Quintaveau',
    birthYear: 1988,
    postalCode: '75011',
    city: 'Paris-Testville',
    optIn: false,
    channel: 'sea',
    createdAt: '2026-03-11T20:00:31.000Z',
    updatedAt: '2026-03-11T20:00:31.000Z',
  },
  {
    userId: 'usr_b',
    anonymousIds: ['dev-b', 'dev-b2'],
    email: PERSONAL.emails[0],
    phone: PERSONAL.phones[0],
    firstName: 'Jeanne',
    lastName: 'Quintaveau',
    birthYear: 1988,
    postalCode: '75011',
    city: 'Paris-Testville',
    optIn: true,
    channel: 'SEA',
    createdAt: '2026-03-11T20:00:31.000Z',
    updatedAt: '2026-03-12T09:00:00.000Z',
  },
  {
    userId: 'usr_d',
    anonymousIds: ['dev-old'],
    email: PERSONAL.emails[2],
    phone: PERSONAL.phones[1],
    firstName: 'Dorian',
    lastName: 'Vasquelin',
    postalCode: '2A004',
    city: 'Ajaccio-Testville',
    optIn: true,
    channel: 'newsletter',
    createdAt: '2026-01-05T10:00:00.000Z',
    updatedAt: '2026-01-05T10:00:00.000Z',
  },
];

/** The CRM side: OPP1 won with two offers; OPP9 never came from the website. */
export const CRM = {
  opportunities: [
    { Id: 'OPP1', StageName: '5-Gagnée', MontPretPricip__c: 250000 },
    { Id: 'OPP9', StageName: '6-Perdue', MontPretPricip__c: 90000 },
  ],
  banks: [{ Id: 'BANK1', Name: 'CIC' }],
  propositions: [
    { Id: 'P1', Opportunity__c: 'OPP1', Partenaire__c: 'BANK1', TXHA__c: 3.1 },
    { Id: 'P2', Opportunity__c: 'OPP1', Partenaire__c: 'BANK1', TXHA__c: 3.3 },
  ],
};

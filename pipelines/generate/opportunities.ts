import { float, flag, timestamp } from './format.js';
import { propositionIdAt } from './ids.js';
import {
  AGE_EMPTY_SHARE,
  AGES,
  BORROWER_EMPTY_SHARE,
  BROKER_FEES,
  CO_BORROWER_EMPTY_SHARE,
  EMPLOYMENT_CONTRACT,
  FRANCHISE_RECORD_TYPE_ID,
  HOUSING,
  IMPOSSIBLE_AGE_EVERY,
  IMPOSSIBLE_AGES,
  MAIN_BANKS,
  ORIGINS,
  PRIOR_MORTGAGE_SHARE,
  PROFESSIONAL_CATEGORY,
  PROGRESS_STEPS,
  PROJECT_TYPES,
  PROPERTY_TYPES,
  PROPERTY_USES,
  RECORD_TYPE_ID,
  STAGES,
  WEB_SOURCES,
  WISHED_DURATION_YEARS,
} from './profile.js';
import { hash32, Rng, Weighted } from './rng.js';
import { opportunityCreatedAt } from './timeline.js';

/**
 * One opportunity row of the export, in the contract's column order (OPPORTUNITIES in
 * extract/csv/crm-sources.ts), formatted as the real file is. Values come from an Rng keyed by
 * (seed, index), so a row depends only on its index and on how many propositions precede it.
 */

export interface OpportunityContext {
  seed: number;
  /** Opportunities in the export. */
  count: number;
  exportEpoch: number;
  /** Account ids for `EntiteMTXPiste__c`. */
  entityIds: string[];
  /** Indices that get an impossible age, with the age. */
  impossibleAges: Map<number, number>;
}

export interface OpportunityDraft {
  index: number;
  id: string;
  /** Propositions of this opportunity in the propositions export, and the serial of the first. */
  propositions: number;
  firstPropositionSerial: number;
}

const STREAM_ROW = 501;
const STREAM_IMPOSSIBLE = 502;

const KNOWLEDGE = new Weighted<number | null>([
  [1, 40],
  [2, 46],
  [3, 13],
  [null, 1],
]);

/** Which opportunities get an impossible age: one in IMPOSSIBLE_AGE_EVERY, at least 2 (when there are 2 rows). */
export function impossibleAgePlan(seed: number, count: number): Map<number, number> {
  const wanted = Math.min(count, Math.max(2, Math.round(count / IMPOSSIBLE_AGE_EVERY)));
  const plan = new Map<number, number>();
  for (let k = 0; plan.size < wanted; k++) {
    const index = hash32(seed, STREAM_IMPOSSIBLE, k) % count;
    if (!plan.has(index)) plan.set(index, IMPOSSIBLE_AGES[plan.size % IMPOSSIBLE_AGES.length] as number);
  }
  return plan;
}

export function opportunityFields(ctx: OpportunityContext, draft: OpportunityDraft): string[] {
  const rng = new Rng(ctx.seed, STREAM_ROW, draft.index);
  const origin = ORIGINS.sample(rng);
  const franchise = origin === 'Franchise';
  const project = PROJECT_TYPES.sample(rng);
  const stage = STAGES.sample(rng);

  const loan = Math.round(clamp(rng.logNormal(190_000, 0.55), 15_000, 3_000_000));
  const contribution = rng.chance(0.05)
    ? 0
    : roundTo(clamp(rng.logNormal(20_000, 1), 500, 1_500_000), rng.chance(0.8) ? 1000 : 100);
  const income = rng.chance(0.04) ? 0 : clamp(rng.logNormal(3_800, 0.5), 900, 60_000);
  const debtRatio = clamp(34 + 7 * rng.normal(), 3, 75);
  const charges = rng.chance(0.5) ? 0 : Math.round(clamp(rng.logNormal(600, 0.8), 20, 8_000));
  const gainFranchise = clamp(rng.logNormal(8, 1.1), 0.01, 99);
  const gainPlatform = gainFranchise * (0.05 + 0.4 * rng.float());
  const profile = -clamp(rng.logNormal(2, 0.6), 0.05, 12);
  const profileFranchise = 0.3 + 4.7 * rng.float();
  const initialSame = rng.chance(0.8);

  const age = ctx.impossibleAges.get(draft.index);
  const coBorrower = !rng.chance(CO_BORROWER_EMPTY_SHARE);
  const duration = WISHED_DURATION_YEARS.sample(rng);
  const knowledge = KNOWLEDGE.sample(rng);
  const fee = BROKER_FEES.sample(rng);
  const secondary = secondaryLoans(rng, franchise);

  return [
    draft.id,
    flag(rng.chance(0.11)),
    age !== undefined ? float(age) : rng.chance(AGE_EMPTY_SHARE) ? '' : float(AGES.sample(rng)),
    flag(rng.chance(0.3)),
    float(PROGRESS_STEPS.sample(rng)),
    MAIN_BANKS.sample(rng),
    knowledge === null ? '' : float(knowledge),
    timestamp(opportunityCreatedAt(ctx.seed, draft.index, ctx.count, ctx.exportEpoch)),
    flag(rng.chance(PRIOR_MORTGAGE_SHARE)),
    duration === null ? '' : float(duration),
    rng.pick(ctx.entityIds),
    float(gainFranchise, 2),
    float(initialSame ? gainFranchise : clamp(rng.logNormal(8, 1.1), 0, 99), 2),
    float(gainPlatform, 2),
    float(initialSame ? gainPlatform : gainPlatform * (0.5 + rng.float()), 2),
    fee === null ? '' : float(fee),
    franchise && rng.chance(0.8) ? '' : webSource(rng, ctx.exportEpoch),
    origin === "Web Calcul d'Enveloppe"
      ? rng.chance(0.7)
        ? float(rng.int(400, 2_500))
        : ''
      : rng.chance(0.08)
        ? float(rng.int(400, 2_500))
        : '',
    float(contribution),
    works(rng, project),
    secondary.cel,
    secondary.pel,
    float(loan),
    secondary.bridge,
    secondary.zeroRate,
    rng.chance(0.05) ? '' : rng.chance(0.89) ? '0.0' : float(rng.int(1, 4)),
    origin,
    float(profile, 2),
    float(profileFranchise, 3),
    float(initialSame ? profile : -clamp(rng.logNormal(2, 0.6), 0.05, 12), 2),
    float(initialSame ? profileFranchise : 0.3 + 4.7 * rng.float(), 3),
    stage === '5-Gagnée' && draft.propositions > 0
      ? propositionIdAt(ctx.seed, draft.firstPropositionSerial + rng.int(0, draft.propositions - 1))
      : '',
    franchise && rng.chance(0.5) ? FRANCHISE_RECORD_TYPE_ID : RECORD_TYPE_ID,
    float(income * (1 - debtRatio / 100) - charges * 0.1, 2),
    HOUSING.sample(rng),
    stage,
    float((100 * contribution) / (loan + contribution), 2),
    coBorrower ? PROFESSIONAL_CATEGORY.sample(rng) : '',
    rng.chance(BORROWER_EMPTY_SHARE) ? '' : PROFESSIONAL_CATEGORY.sample(rng),
    coBorrower && rng.chance(0.9) ? EMPLOYMENT_CONTRACT.sample(rng) : '',
    rng.chance(BORROWER_EMPTY_SHARE) ? '' : EMPLOYMENT_CONTRACT.sample(rng),
    draft.propositions > 0 ? float(draft.propositions) : rng.chance(0.5) ? '' : '0.0',
    float(charges),
    float(income, rng.chance(0.4) ? 2 : 0),
    rng.chance(0.88) ? '0.0' : float(rng.int(10, 100)),
    float(debtRatio, 2),
    PROPERTY_TYPES.sample(rng),
    project,
    PROPERTY_USES.sample(rng),
  ];
}

function webSource(rng: Rng, exportEpoch: number): string {
  const source = WEB_SOURCES.sample(rng);
  if (source !== 'MTX_NEWSLETTER') return source;
  // Newsletter campaigns carry their send date, as in `MTX_NEWSLETTER_231018`.
  const sent = new Date((exportEpoch - rng.int(1, 1000) * 86_400) * 1000).toISOString();
  return `${source}_${sent.slice(2, 4)}${sent.slice(5, 7)}${sent.slice(8, 10)}`;
}

function works(rng: Rng, project: string): string {
  if (project === 'Acquisition+travaux') return float(roundTo(clamp(rng.logNormal(30_000, 0.8), 2_000, 400_000), 1000));
  const draw = rng.float();
  if (draw < 0.3) return '';
  if (draw < 0.95) return '0.0';
  return float(roundTo(rng.logNormal(8_000, 0.8), 500));
}

function secondaryLoans(rng: Rng, franchise: boolean): { cel: string; pel: string; bridge: string; zeroRate: string } {
  const draw = rng.float();
  if (draw < (franchise ? 0.6 : 0.18)) {
    // Secondary loans never filled in: empty, with a stray value now and then.
    return { cel: rng.chance(0.05) ? '1.0' : '', pel: '', bridge: '', zeroRate: rng.chance(0.2) ? '0.0' : '' };
  }
  return {
    cel: '0.0',
    pel: rng.chance(0.01) ? float(roundTo(rng.logNormal(15_000, 0.5), 100)) : '0.0',
    bridge: rng.chance(0.015) ? float(roundTo(rng.logNormal(150_000, 0.5), 1000)) : '0.0',
    zeroRate: rng.chance(0.06) ? float(roundTo(rng.logNormal(40_000, 0.4), 1000)) : '0.0',
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function roundTo(value: number, step: number): number {
  return Math.round(value / step) * step;
}

import type { BankSet } from './banks.js';
import { float, timestamp } from './format.js';
import { opportunityIdAt, propositionIdAt } from './ids.js';
import { LOAN_MONTHS, PROPOSITION_STEPS } from './profile.js';
import { Rng, Weighted } from './rng.js';
import { opportunityCreatedAt } from './timeline.js';

/**
 * The propositions export, built opportunity by opportunity. An opportunity has zero, one or several
 * propositions, often several from the same bank; some propositions answer an opportunity that is not in
 * the export, some come from a bank id that is in no bank row. Rates are tuned so that the inner join
 * propositions x opportunities x banks keeps ~52,000 rows per 174,000 opportunities, as in the real data.
 */

export const PROPOSITION_RATES = {
  /** Share of opportunities with at least one proposition. */
  hasPropositions: 0.111,
  /** Per opportunity: chance of a group of propositions answering an opportunity absent from the export. */
  orphanGroup: 0.02,
  /** Share of offering banks whose id is in no bank row. */
  unknownBank: 0.04,
  /** Share of empty `TXHA__c`, and of `TXHA__c` = `0.0`. */
  emptyRate: 0.06,
  zeroRate: 0.025,
  emptyInsuranceRate: 0.03,
} as const;

/** Propositions per opportunity that has some (mean 2.81). */
const GROUP_SIZE = new Weighted<number>([
  [1, 30],
  [2, 25],
  [3, 18],
  [4, 11],
  [5, 7],
  [6, 4],
  [7, 2],
  [8, 1.5],
  [10, 1],
  [16, 0.5],
]);

const BANKS_PER_GROUP = new Weighted<number>([
  [1, 50],
  [2, 35],
  [3, 15],
]);

const STREAM_PLAN = 401;
const STREAM_ROWS = 402;
const DAY = 86_400;

export interface PropositionPlan {
  /** Propositions answering this opportunity. */
  own: number;
  /** Propositions written next to them that answer an opportunity absent from the export. */
  orphans: number;
}

export interface PropositionContext {
  seed: number;
  /** Opportunities in the export. */
  count: number;
  exportEpoch: number;
  banks: BankSet;
}

export interface PropositionRow {
  fields: string[];
  /** Its opportunity is in the export and its bank in the banks export. */
  joinable: boolean;
  orphan: boolean;
  unknownBank: boolean;
}

/** How many propositions opportunity `index` gets; stateless, so the opportunities pass can count them too. */
export function propositionPlan(seed: number, index: number): PropositionPlan {
  const rng = new Rng(seed, STREAM_PLAN, index);
  const own = rng.chance(PROPOSITION_RATES.hasPropositions) ? GROUP_SIZE.sample(rng) : 0;
  const orphans = rng.chance(PROPOSITION_RATES.orphanGroup) ? GROUP_SIZE.sample(rng) : 0;
  return { own, orphans };
}

/**
 * The propositions written for opportunity `index`: its own, then the orphan group, in file order with
 * ids from `firstSerial`. Orphans answer `opportunityIdAt(seed, count + index)`, which is in no export row.
 */
export function propositionRows(
  ctx: PropositionContext,
  index: number,
  firstSerial: number,
  plan: PropositionPlan,
): PropositionRow[] {
  const rng = new Rng(ctx.seed, STREAM_ROWS, index);
  const rows: PropositionRow[] = [];
  let serial = firstSerial;
  const groups: Array<[opportunityIndex: number, size: number]> = [
    [index, plan.own],
    [ctx.count + index, plan.orphans],
  ];
  for (const [opportunityIndex, size] of groups) {
    if (size === 0) continue;
    const opportunityId = opportunityIdAt(ctx.seed, opportunityIndex);
    const orphan = opportunityIndex >= ctx.count;
    const banks = Array.from({ length: Math.min(size, BANKS_PER_GROUP.sample(rng)) }, () => pickBank(ctx.banks, rng));
    const openedAt = opportunityCreatedAt(ctx.seed, index, ctx.count, ctx.exportEpoch);
    let createdAt = openedAt + rng.int(600, 20 * DAY);
    for (let k = 0; k < size; k++) {
      const bank = k < banks.length ? banks[k] : rng.pick(banks);
      if (!bank) throw new Error('propositionRows: no bank chosen');
      createdAt += k === 0 ? 0 : rng.int(0, 3 * DAY);
      const at = createdAt < ctx.exportEpoch ? createdAt : ctx.exportEpoch - rng.int(1, Math.max(1, ctx.exportEpoch - openedAt));
      rows.push({
        fields: propositionFields(rng, propositionIdAt(ctx.seed, serial++), at, opportunityId, bank.id),
        joinable: !orphan && !bank.unknown,
        orphan,
        unknownBank: bank.unknown,
      });
    }
  }
  return rows;
}

/** One proposition's fields in contract order, for a row built outside the plan (bad rows, samples). */
export function propositionFields(rng: Rng, id: string, createdAt: number, opportunityId: string, bankId: string): string[] {
  const months = LOAN_MONTHS.sample(rng);
  let rate = '';
  const draw = rng.float();
  if (draw < PROPOSITION_RATES.zeroRate) rate = '0.0';
  else if (draw >= PROPOSITION_RATES.zeroRate + PROPOSITION_RATES.emptyRate) {
    const years = (months ?? 240) / 12;
    rate = float(clamp(3.45 + 0.035 * (years - 20) + 0.4 * rng.normal(), 0.8, 6.5), 2);
  }
  const insurance = rng.chance(PROPOSITION_RATES.emptyInsuranceRate) ? '' : float(clamp(rng.logNormal(0.24, 0.4), 0.05, 0.9), 2);
  return [
    id,
    timestamp(createdAt),
    opportunityId,
    bankId,
    rate,
    months === null ? '' : float(months),
    insurance,
    PROPOSITION_STEPS.sample(rng),
  ];
}

function pickBank(banks: BankSet, rng: Rng): { id: string; unknown: boolean } {
  if (rng.chance(PROPOSITION_RATES.unknownBank)) return { id: rng.pick(banks.unknownIds), unknown: true };
  const row = banks.rows[banks.popularity.sample(rng)];
  if (!row) throw new Error('pickBank: popularity index out of range');
  return { id: row.id, unknown: false };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

import { BROWSE_WEIGHTS, CTAS, LANDING_WEIGHTS, type CallToAction, type PageKey } from './catalog.js';
import { Random, Stream } from './random.js';
import type { Channel } from './types.js';

/**
 * What a visit does, before any timing or content: where it comes from, the pages it browses and how far
 * it goes down the funnel (page -> CTA Clicked -> Simulation Started -> Simulation Completed -> Lead
 * Submitted). A pure function of (seed, session index, returning visitor), so the planner and the event
 * generator compute the same shape independently.
 */
export interface SessionShape {
  channel: Channel;
  landing: PageKey;
  /** Pages browsed after the landing page, before the funnel. */
  browse: PageKey[];
  /** 0 pages only, 1 CTA clicked, 2 simulation started, 3 simulation completed, 4 lead submitted. */
  depth: 0 | 1 | 2 | 3 | 4;
  cta: CallToAction | null;
  /** Pages browsed after the funnel (none after a lead: the visit ends on the thank-you page). */
  after: PageKey[];
  /** Signs up to the newsletter (when not identified yet). */
  wantsNewsletter: boolean;
  /** Logs in to the client space (when the person is a user but this device is not identified). */
  wantsLogin: boolean;
  /** Opts in to marketing (when identified and not opted in). */
  wantsOptIn: boolean;
  /** Ticks the marketing box of the lead form. */
  leadOptIn: boolean;
}

const CHANNELS_NEW: readonly (readonly [Channel, number])[] = [
  ['sea', 28],
  ['seo', 33],
  ['partner', 12],
  ['newsletter', 4],
  ['direct', 23],
];
const CHANNELS_RETURNING: readonly (readonly [Channel, number])[] = [
  ['sea', 15],
  ['seo', 18],
  ['partner', 7],
  ['newsletter', 14],
  ['direct', 46],
];
const CTA_RATE: Record<Channel, number> = { sea: 0.36, seo: 0.2, partner: 0.45, newsletter: 0.3, direct: 0.28 };
const LEAD_FACTOR: Record<Channel, number> = { sea: 1.15, seo: 0.9, partner: 1.3, newsletter: 1.1, direct: 1 };
const SIMULATION_PAGES = new Set<PageKey>(['loanSimulation', 'capacitySimulation']);

export function isSimulationPage(page: PageKey): boolean {
  return SIMULATION_PAGES.has(page);
}

export function sessionShape(seed: number, index: number, returning: boolean): SessionShape {
  const random = new Random(seed, Stream.sessionShape, index);
  const channel = random.weighted(returning ? CHANNELS_RETURNING : CHANNELS_NEW);
  const landing = random.weighted(LANDING_WEIGHTS[channel]);
  const browse: PageKey[] = [];
  const browseCount = random.geometric(0.45, 8);
  let current = landing;
  for (let i = 0; i < browseCount; i++) {
    let next = random.weighted(BROWSE_WEIGHTS);
    if (next === current) next = random.weighted(BROWSE_WEIGHTS);
    browse.push(next);
    current = next;
  }
  let depth: SessionShape['depth'] = 0;
  let cta: CallToAction | null = null;
  if (random.chance(CTA_RATE[channel])) {
    depth = 1;
    cta = random.weighted<CallToAction>(
      CTAS.map((c) => [c, c.leadsTo === 'simulation' ? (isSimulationPage(current) ? 30 : 22) : 12] as const),
    );
    if (cta.leadsTo === 'simulation' && random.chance(0.68)) {
      depth = 2;
      if (random.chance(0.72)) {
        depth = 3;
        if (random.chance(0.15 * LEAD_FACTOR[channel] * (returning ? 1.7 : 1))) depth = 4;
      }
    }
  }
  const after: PageKey[] = [];
  if (depth < 4) {
    const afterCount = random.geometric(0.6, 4);
    for (let i = 0; i < afterCount; i++) after.push(random.weighted(BROWSE_WEIGHTS));
  }
  return {
    channel,
    landing,
    browse,
    depth,
    cta,
    after,
    wantsNewsletter: random.chance(channel === 'newsletter' ? 0.004 : 0.012),
    wantsLogin: random.chance(channel === 'direct' ? 0.45 : 0.2),
    wantsOptIn: random.chance(channel === 'newsletter' ? 0.02 : 0.05),
    leadOptIn: random.chance(0.35),
  };
}

/** Number of calls a visit sends when it identifies no one (for sizing the traffic to a target volume). */
export function baseEventCount(shape: SessionShape): number {
  let count = 1 + shape.browse.length + shape.after.length;
  if (shape.depth >= 1) count += 1 + (shape.cta?.leadsTo === 'contact' ? 1 : 0);
  if (shape.depth >= 2) count += 2;
  if (shape.depth >= 3) count += 1;
  if (shape.depth >= 4) count += 4;
  return count;
}

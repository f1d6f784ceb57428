import type { LogLine } from './cli-process.js';

/** The parts of a pipeline run a crash can hit. */
export type RunPhase = 'startup' | 'csv-load' | 'api-extract' | 'state-commit' | 'model-build' | 'finish';

export const CRASH_PHASES: readonly RunPhase[] = ['csv-load', 'api-extract', 'state-commit', 'model-build'];

/** A log line that closes a step of the run (`step finished`, `step finished with a warning`, `step failed`). */
export function isStepRecord(line: LogLine, step?: string | RegExp): boolean {
  if (!/^step (finished|failed)/.test(line.msg ?? '')) return false;
  if (step === undefined) return true;
  const name = String(line.step ?? '');
  return typeof step === 'string' ? name === step : step.test(name);
}

function isOpportunitiesFile(line: LogLine): boolean {
  return /^opportunit/i.test(String(line.file ?? ''));
}

/**
 * Follows a run's log (LOG_LEVEL=debug) and tells which phase it is in, from the last line seen:
 * parsing CSV exports, fetching API pages, inside a commit unit (CSV file or API unit: rows and their
 * bookkeeping in one transaction), or building models.
 */
export class PhaseTracker {
  phase: RunPhase = 'startup';
  /** What the run was doing, in a few words, at the last line. */
  detail = 'starting: opening the warehouse, taking the lock';

  feed(line: LogLine): void {
    const msg = line.msg ?? '';
    const step = String(line.step ?? '');
    if (msg === 'loading file') this.set('csv-load', `scanning ${String(line.file)}`);
    else if (msg === 'loading file: progress' && line.phase === 'commit')
      this.set('state-commit', `committing ${String(line.file)}`);
    else if (msg === 'loading file: progress') this.set('csv-load', `${String(line.phase)} of ${String(line.file)}`);
    else if (msg === 'file loaded') this.set('csv-load', `after ${String(line.file)}`);
    else if (isStepRecord(line, /^extract-load:crm_/)) this.set('api-extract', 'fetching the first page');
    else if (msg === 'page staged' || msg === 'retrying a page') this.set('api-extract', `fetching ${String(line.stream)} pages`);
    else if (msg === 'committing unit') this.set('state-commit', `committing a ${String(line.stream)} unit`);
    else if (msg === 'unit committed' || msg.startsWith('marketing '))
      this.set('api-extract', `after a ${String(line.stream)} unit`);
    else if (isStepRecord(line, 'extract-load:mkt_users')) this.set('model-build', 'compiling the models');
    else if (/^(model|test):/.test(step) && !isStepRecord(line)) this.set('model-build', `after ${step}`);
    else if (isStepRecord(line, 'freshness')) this.set('finish', 'recording the run, releasing the lock');
  }

  private set(phase: RunPhase, detail: string): void {
    this.phase = phase;
    this.detail = detail;
  }
}

/**
 * Where to kill a run: once `trigger` is logged, after a random part of the time the reference run
 * took from `trigger` to `end`, the run is in `target`.
 */
export interface KillPlan {
  target: RunPhase;
  label: string;
  trigger(line: LogLine): boolean;
  end(line: LogLine): boolean;
}

/** The kill plans, in the order trials cycle through them: every phase three times, commits of each kind once. */
export const KILL_PLANS: readonly KillPlan[] = [
  {
    target: 'csv-load',
    label: 'scanning and parsing the opportunities export',
    trigger: (l) => l.msg === 'loading file' && isOpportunitiesFile(l),
    end: (l) => l.msg === 'loading file: progress' && l.phase === 'commit' && isOpportunitiesFile(l),
  },
  {
    target: 'api-extract',
    label: 'fetching and staging event pages',
    trigger: (l) => isStepRecord(l, 'extract-load:crm_propositions'),
    end: (l) => l.msg === 'committing unit' && l.stream === 'events',
  },
  {
    target: 'state-commit',
    label: 'committing the opportunities file (rows + quarantine + ledger row)',
    trigger: (l) => l.msg === 'loading file: progress' && l.phase === 'commit' && isOpportunitiesFile(l),
    end: (l) => l.msg === 'file loaded' && isOpportunitiesFile(l),
  },
  {
    target: 'model-build',
    label: 'building the models and running their tests',
    trigger: (l) => isStepRecord(l, 'extract-load:mkt_users'),
    end: (l) => isStepRecord(l, /^model:/),
  },
  {
    target: 'csv-load',
    label: 'loading the propositions and banks exports',
    trigger: (l) => l.msg === 'file loaded' && isOpportunitiesFile(l),
    end: (l) => isStepRecord(l, 'extract-load:crm_banks'),
  },
  {
    target: 'api-extract',
    label: 'fetching the users feed',
    trigger: (l) => l.msg === 'unit committed' && l.stream === 'events',
    end: (l) => l.msg === 'committing unit' && l.stream === 'users',
  },
  {
    target: 'state-commit',
    label: 'committing an events unit (rows + high-water mark)',
    trigger: (l) => l.msg === 'committing unit' && l.stream === 'events',
    end: (l) => l.msg === 'unit committed' && l.stream === 'events',
  },
  {
    target: 'model-build',
    label: 'building the marketing marts',
    trigger: (l) => /^model:staging\.stg_mkt_events$/.test(String(l.step ?? '')) && !isStepRecord(l),
    end: (l) => isStepRecord(l, /^model:/),
  },
  {
    target: 'csv-load',
    label: 'scanning and parsing the opportunities export',
    trigger: (l) => l.msg === 'loading file' && isOpportunitiesFile(l),
    end: (l) => l.msg === 'loading file: progress' && l.phase === 'commit' && isOpportunitiesFile(l),
  },
  {
    target: 'api-extract',
    label: 'fetching and staging event pages',
    trigger: (l) => isStepRecord(l, 'extract-load:crm_propositions'),
    end: (l) => l.msg === 'committing unit' && l.stream === 'events',
  },
  {
    target: 'state-commit',
    label: 'committing the users unit (rows + high-water mark)',
    trigger: (l) => l.msg === 'committing unit' && l.stream === 'users',
    end: (l) => l.msg === 'unit committed' && l.stream === 'users',
  },
  {
    target: 'model-build',
    label: 'building the models and running their tests',
    trigger: (l) => isStepRecord(l, 'extract-load:mkt_users'),
    end: (l) => isStepRecord(l, /^model:/),
  },
];

/** For each plan, the milliseconds the reference run took from its trigger to its end. */
export function planWindows(timeline: Array<{ ms: number; line: LogLine }>): number[] {
  return KILL_PLANS.map((plan) => {
    const start = timeline.find((t) => plan.trigger(t.line));
    const end = start && timeline.find((t) => t.ms >= start.ms && t !== start && plan.end(t.line));
    if (!start || !end) throw new Error(`the reference run's log has no "${plan.label}" window: cannot plan kills in it`);
    return end.ms - start.ms;
  });
}

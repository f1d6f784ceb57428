/**
 * What a run returns, as kysely's migrator does: a list of steps with their outcome. The CLI and the
 * scheduler turn it into logs and exit codes; nothing in a run calls process.exit.
 */
export type StepStatus = 'success' | 'error' | 'skipped';

export interface TableCounts {
  /** Source rows read (CSV records, API records). */
  read: number;
  loaded: number;
  quarantined: number;
}

export interface StepResult {
  /** e.g. `extract-load:crm_opportunities`, `model:marts.best_proposition`, `test:unique_best_proposition_opportunity_id`. */
  name: string;
  kind: 'extract-load' | 'model' | 'test' | 'state' | 'other';
  status: StepStatus;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** Present for extract-load steps: counts per raw table. */
  counts?: Record<string, TableCounts>;
  /** Present for model steps: rows in the built relation, when known. */
  rows?: number;
  /** Why it was skipped, or a warning. */
  message?: string;
  /** What it did, in words, when counts do not say it all (not a warning). */
  info?: string;
  error?: { kind: 'terminal' | 'transient'; message: string };
  /** Test severity and failing sample, for test steps. */
  severity?: 'error' | 'warn';
  failures?: number;
  sample?: Array<Record<string, unknown>>;
}

export interface RunResult {
  runId: string;
  kind: 'scheduled' | 'manual' | 'backfill';
  status: 'success' | 'error' | 'skipped';
  startedAt: string;
  endedAt: string;
  durationMs: number;
  window?: { from: string; to: string };
  steps: StepResult[];
  error?: { step: string; message: string };
}

export function exitCodeOf(result: RunResult): number {
  return result.status === 'success' ? 0 : result.status === 'skipped' ? 3 : 1;
}

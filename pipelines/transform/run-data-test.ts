import type { JobContext } from '../warehouse/types.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { CompiledTest } from './types.js';

/** How many failing rows a test result keeps. */
export const SAMPLE_SIZE = 5;

export interface DataTestOutcome {
  failures: number;
  /** Up to `SAMPLE_SIZE` failing rows. */
  sample: Array<Record<string, unknown>>;
}

/** Runs one compiled test: counts its failing rows and samples a few, in one query. */
export async function runDataTest(warehouse: Warehouse, test: CompiledTest, context: JobContext): Promise<DataTestOutcome> {
  const rows = await warehouse.query<Record<string, unknown>>(
    `SELECT *, COUNT(*) OVER () AS failures_total_\nFROM (\n${test.sql}\n) AS failures\nLIMIT ${SAMPLE_SIZE}`,
    test.params,
    { types: test.types, context },
  );
  const failures = Number(rows[0]?.failures_total_ ?? 0);
  const sample = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'failures_total_')));
  return { failures, sample };
}

/** The message of a failed test: model, test, what it checks, how many rows fail and a sample of them. */
export function failureMessage(test: CompiledTest, relation: string, outcome: DataTestOutcome): string {
  const rows = outcome.failures === 1 ? '1 failing row' : `${outcome.failures} failing rows`;
  return `test ${test.name} on model ${relation} failed (${test.description}): ${rows}; sample: ${JSON.stringify(outcome.sample)}`;
}

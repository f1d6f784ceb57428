import type { JobContext } from '../types.js';

const MAX_LENGTH = 63;
const MAX_LABELS = 64;

/**
 * A label value as BigQuery accepts it: lowercase letters, digits, `_` and `-`, at most 63 characters.
 * Other characters become `_`; an empty result stays empty (values may be empty).
 */
export function labelValue(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, MAX_LENGTH);
}

/** A label key: as a value, and it must start with a lowercase letter (`k_` is prepended when not). */
export function labelKey(key: string): string {
  const value = labelValue(key);
  return /^[a-z]/.test(value) ? value : `k_${value}`.slice(0, MAX_LENGTH);
}

/** Sanitizes every key and value; later entries win on a key clash; at most 64 labels. */
export function sanitizeLabels(...sources: Array<Record<string, string | undefined>>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined) continue;
      labels[labelKey(key)] = labelValue(value);
    }
  }
  return Object.fromEntries(Object.entries(labels).slice(0, MAX_LABELS));
}

/**
 * The labels of one job: the configured ones, the pipeline's name, then what the context says (run
 * id, step, table, model), so that jobs can be found and costed per run and per relation.
 */
export function jobLabels(
  base: Record<string, string>,
  context: JobContext = {},
  extra: Record<string, string> = {},
): Record<string, string> {
  return sanitizeLabels(
    base,
    { pipeline: 'mortgage-elt' },
    {
      run_id: context.runId,
      step: context.step,
      table: context.table,
      model: context.model,
    },
    extra,
  );
}

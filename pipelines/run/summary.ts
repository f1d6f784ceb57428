import type { RunResult } from '../core/result.js';
import { rowsPerTable } from '../state/run-store.js';

/** The run summary a person reads: rows per table, models built, tests passed and failed, duration. */
export function formatSummary(result: RunResult): string {
  const lines: string[] = [];
  lines.push(
    `run ${result.runId} (${result.kind}): ${result.status.toUpperCase()} in ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  const tables = rowsPerTable(result.steps);
  if (Object.keys(tables).length > 0) {
    lines.push('', pad('table', 34) + pad('read', 12) + pad('loaded', 12) + 'quarantined');
    for (const [table, c] of Object.entries(tables))
      lines.push(pad(table, 34) + pad(String(c.read), 12) + pad(String(c.loaded), 12) + String(c.quarantined));
  }
  const models = result.steps.filter((s) => s.kind === 'model');
  const tests = result.steps.filter((s) => s.kind === 'test');
  const count = (steps: typeof models, status: string) => steps.filter((s) => s.status === status).length;
  if (models.length > 0)
    lines.push(
      '',
      `models: ${count(models, 'success')} built, ${count(models, 'error')} failed, ${count(models, 'skipped')} skipped`,
    );
  if (tests.length > 0) {
    const warned = tests.filter((s) => s.status === 'success' && (s.failures ?? 0) > 0).length;
    lines.push(
      `tests: ${count(tests, 'success') - warned} passed, ${warned} warned, ${count(tests, 'error')} failed, ${count(tests, 'skipped')} skipped`,
    );
  }
  const notable = result.steps.filter((s) => s.status === 'error' || s.message);
  if (notable.length > 0) {
    lines.push('');
    for (const step of notable) {
      const label = step.status === 'error' ? 'ERROR' : step.status === 'skipped' ? 'SKIP ' : 'WARN ';
      lines.push(`${label} ${step.name}: ${shorten(step.error?.message ?? step.message ?? '', 400)}`);
    }
  }
  if (result.error && !result.steps.some((s) => s.status === 'error'))
    lines.push('', `${result.status === 'skipped' ? 'SKIPPED' : 'ERROR'}: ${result.error.step}: ${result.error.message}`);
  return lines.join('\n');
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}

/** Long messages (test samples) are cut in the summary; the run history and the logs keep them whole. */
function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

import { withErrorContext } from '../core/errors.js';
import type { StepResult } from '../core/result.js';

/** Times a unit of work and turns its outcome into a StepResult; never throws. */
export async function timedStep(
  name: string,
  kind: StepResult['kind'],
  work: () => Promise<Partial<StepResult> | void>,
  context: { runId: string },
): Promise<StepResult> {
  const started = new Date();
  try {
    const extra = (await work()) ?? {};
    const ended = new Date();
    return {
      name,
      kind,
      status: 'success',
      startedAt: started.toISOString(),
      endedAt: ended.toISOString(),
      durationMs: ended.getTime() - started.getTime(),
      ...extra,
    };
  } catch (error) {
    const ended = new Date();
    const mapped = withErrorContext(error, { runId: context.runId, step: name });
    return {
      name,
      kind,
      status: 'error',
      startedAt: started.toISOString(),
      endedAt: ended.toISOString(),
      durationMs: ended.getTime() - started.getTime(),
      error: { kind: mapped.kind, message: mapped.message },
    };
  }
}

/** A step that did not run, and why. */
export function skippedStep(name: string, kind: StepResult['kind'], message: string): StepResult {
  const now = new Date().toISOString();
  return { name, kind, status: 'skipped', startedAt: now, endedAt: now, durationMs: 0, message };
}

import axios from 'axios';
import type { Logger } from '../core/logger.js';
import type { RunResult } from '../core/result.js';

/** The short JSON message posted to ELT_ALERT_WEBHOOK when a run fails. */
export interface FailureAlert {
  text: string;
  run_id: string;
  kind: RunResult['kind'];
  status: RunResult['status'];
  step: string;
  error: string;
  started_at: string;
  ended_at: string;
  logs_url: string | null;
}

export function failureAlert(result: RunResult, logsUrl?: string): FailureAlert {
  const step = result.error?.step ?? result.steps.find((s) => s.status === 'error')?.name ?? 'run';
  const error = result.error?.message ?? 'failed';
  return {
    text: `mortgage-elt run ${result.runId} failed at ${step}: ${error}`.slice(0, 1000),
    run_id: result.runId,
    kind: result.kind,
    status: result.status,
    step,
    error: error.slice(0, 2000),
    started_at: result.startedAt,
    ended_at: result.endedAt,
    logs_url: logsUrl ? `${logsUrl}${logsUrl.includes('?') ? '&' : '?'}run_id=${encodeURIComponent(result.runId)}` : null,
  };
}

/**
 * Posts a failed run to the webhook, when one is configured. Sending never fails the caller: an alert
 * that cannot be delivered is logged at error level.
 */
export async function alertOnFailure(
  result: RunResult,
  options: { webhook?: string; logsUrl?: string; logger: Logger; timeoutMs?: number },
): Promise<boolean> {
  if (result.status !== 'error' || !options.webhook) return false;
  const alert = failureAlert(result, options.logsUrl);
  try {
    await axios.post(options.webhook, alert, {
      timeout: options.timeoutMs ?? 10_000,
      headers: { 'content-type': 'application/json' },
    });
    options.logger.info({ runId: result.runId }, 'failure alert sent');
    return true;
  } catch (error) {
    options.logger.error({ runId: result.runId, err: (error as Error).message }, 'could not send the failure alert');
    return false;
  }
}

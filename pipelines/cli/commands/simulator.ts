import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { opportunityCount, opportunityIdAt } from '../../generate/ids.js';
import { startSimulator } from '../../simulator/server.js';
import type { RegisterCommand } from '../context.js';

interface SimulatorFlags {
  port: number;
  host: string;
  seed?: number;
  scale?: string;
  opportunityIds?: string;
  from?: string;
  to?: string;
  days: number;
  eventsPerDay: number;
  totalEvents?: number;
  token?: string;
  rate429: number;
  retryAfter: number;
  rate5xx: number;
  rateReset: number;
  latencyMs: number;
  duplicateRate: number;
  lateRate: number;
  newFields?: string | boolean;
}

export const registerSimulator: RegisterCommand = (program, context) => {
  program
    .command('simulator')
    .description('Serve the marketing activity API locally (GET /v1/events, GET /v1/users) over generated, deterministic data')
    .option('--port <n>', 'port to listen on; 0 picks a free one', parsePort, 8787)
    .option('--host <address>', 'address to listen on (0.0.0.0 in a container)', '127.0.0.1')
    .option('--seed <n>', 'seed of the data (default: ELT_SAMPLE_SEED, 42)', parseInteger)
    .option('--scale <scale>', 'scale of the generated CRM export whose opportunity ids leads carry (default: ELT_SAMPLE_SCALE)')
    .option('--opportunity-ids <file>', 'file of opportunity ids, one per line, instead of the generated export ids')
    .option('--from <date-time>', 'first visit start, ISO 8601 (default: --days before now, on a 28-day grid)', parseDate)
    .option('--to <date-time>', 'end of visits, ISO 8601 (default: 30 days after today)', parseDate)
    .option('--days <n>', 'days of history before now when --from is not given', parsePositiveInteger, 14)
    .option('--events-per-day <n>', 'approximate events per average day', parsePositiveInteger, 2000)
    .option('--total-events <n>', 'approximate events over the whole span (overrides --events-per-day)', parsePositiveInteger)
    .option('--token <token>', 'bearer token required on every request (default: MARKETING_API_TOKEN; none: no auth)')
    .option('--rate-429 <share>', 'share of requests answered 429 with Retry-After', parseShare, 0)
    .option('--retry-after <seconds>', 'Retry-After of those answers', parseNonNegativeInteger, 1)
    .option('--rate-5xx <share>', 'share of requests answered 500/502/503/504', parseShare, 0)
    .option('--rate-reset <share>', 'share of requests whose connection is reset', parseShare, 0)
    .option('--latency-ms <ms>', 'mean added latency of every answer', parseNonNegativeInteger, 0)
    .option('--duplicate-rate <share>', 'share of events delivered twice (same message_id, later received_at)', parseShare, 0)
    .option('--late-rate <share>', 'share of visits received 1 to 72 hours after they ended', parseShare, 0)
    .option('--new-fields [date-time]', 'add fields the contract does not list, from the given instant or always', parseDate)
    .addHelpText(
      'after',
      `
The API follows shared/contracts/marketing-api.openapi.yaml: windows by received_at (events, both bounds,
at most 7 days) or updated_at (users), limit 1..1000, opaque cursors valid 2 hours, 400 invalid_parameter,
401 unauthorized, 429 rate_limited with Retry-After, 5xx internal, 400 out_of_retention before 90 days.
It serves what was received before the current time, so data keeps arriving while it runs.
Lead Submitted events carry ids of the opportunities export generated with the same seed and scale
(npm run cli -- generate), unless --opportunity-ids is given (or ELT_CSV_DIR is set: then none).

Example: npm run cli -- simulator --port 8787 --token dev-token --rate-429 0.05 --duplicate-rate 0.01
Runs until SIGTERM or SIGINT; exit code 0 after a clean shutdown, 1 if it cannot start.`,
    )
    .action(async (flags: SimulatorFlags) => {
      const config = context.config();
      const logger = context.logger();
      const seed = flags.seed ?? config.sample.seed;
      const opportunityIds = flags.opportunityIds
        ? readIds(flags.opportunityIds)
        : config.csv.dir
          ? []
          : sampleIds(seed, flags.scale ?? config.sample.scale);
      const newFields = flags.newFields === undefined ? undefined : flags.newFields === true ? true : flags.newFields;
      let simulator;
      try {
        simulator = await startSimulator({
          host: flags.host,
          port: flags.port,
          seed,
          token: flags.token ?? config.marketing.token,
          opportunityIds,
          from: flags.from,
          to: flags.to,
          days: flags.days,
          eventsPerDay: flags.eventsPerDay,
          totalEvents: flags.totalEvents,
          faults: {
            rate429: flags.rate429,
            retryAfterSeconds: flags.retryAfter,
            rate5xx: flags.rate5xx,
            rateReset: flags.rateReset,
            latencyMs: flags.latencyMs,
            duplicateRate: flags.duplicateRate,
            lateRate: flags.lateRate,
            newFields,
          },
          logger,
        });
      } catch (error) {
        if (error instanceof RangeError) throw new ConfigError(`simulator: ${error.message}`);
        throw error;
      }
      process.stdout.write(`marketing API simulator listening on ${simulator.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'simulator shutting down');
          resolve();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      await simulator.close();
      context.setExitCode(0);
    });
};

function sampleIds(seed: number, scale: string): string[] {
  return Array.from({ length: opportunityCount(scale) }, (_, i) => opportunityIdAt(seed, i));
}

function readIds(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`--opportunity-ids: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      file,
    });
  }
  const ids = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  ids.forEach((id, i) => {
    if (!/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id)) {
      throw new ConfigError(`--opportunity-ids: line ${i + 1} of ${file} is not a Salesforce id`, { file, line: i + 1 });
    }
  });
  return ids;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return port;
}

function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

function parsePositiveInteger(value: string): number {
  const n = parseInteger(value);
  if (n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

function parseNonNegativeInteger(value: string): number {
  const n = parseInteger(value);
  if (n < 0) throw new InvalidArgumentError('expected a whole number of 0 or more');
  return n;
}

function parseShare(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a share from 0 to 1, such as 0.05');
  return n;
}

function parseDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || !Number.isFinite(Date.parse(value))) {
    throw new InvalidArgumentError('expected an ISO 8601 date or date-time, such as 2026-03-01T00:00:00Z');
  }
  return value;
}

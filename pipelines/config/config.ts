import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { bigQueryConfigSchema, type BigQueryConfig } from '../warehouse/bigquery/bigquery-config.js';
import { duckDbConfigSchema, type DuckDbConfig } from '../warehouse/duckdb/duckdb-config.js';

/**
 * Every setting the pipeline reads, by its environment variable name. Values come from the environment,
 * over an optional YAML or JSON file named by ELT_CONFIG_FILE (same keys). Validated once, at the entry
 * point; an invalid value stops with a message that names the variable.
 */
const envSchema = z.object({
  ELT_CONFIG_FILE: z.string().optional(),
  ELT_WAREHOUSE: z.enum(['duckdb', 'bigquery']).default('duckdb'),
  ELT_DUCKDB_PATH: z.string().min(1).default('./warehouse/elt.duckdb'),
  ELT_DUCKDB_MEMORY_LIMIT: z.string().optional(),
  ELT_DUCKDB_THREADS: z.coerce.number().int().positive().optional(),
  /** Landing folder of the CRM exports. Unset: sample exports are generated under ELT_WORK_DIR. */
  ELT_CSV_DIR: z.string().min(1).optional(),
  /** Regular expressions (case-insensitive) matching each table's export file names. */
  ELT_CSV_PATTERN_OPPORTUNITIES: z.string().default('^opportunit(y|ies)([_-].*)?\\.csv$'),
  ELT_CSV_PATTERN_PROPOSITIONS: z.string().default('^propositions?([_-].*)?\\.csv$'),
  ELT_CSV_PATTERN_BANKS: z.string().default('^(banques?|banks?)([_-].*)?\\.csv$'),
  /** Scratch space for staged files and generated sample data. */
  ELT_WORK_DIR: z.string().min(1).default('./warehouse/work'),
  /** Scale of generated sample data: `small`, `medium`, `real`, or a number of opportunities. */
  ELT_SAMPLE_SCALE: z
    .string()
    .regex(/^(small|medium|real|\d+)$/, 'small, medium, real or a whole number')
    .default('small'),
  ELT_SAMPLE_SEED: z.coerce.number().int().default(42),
  /** Salt of the pseudonymous user key in the marketing marts. Required on BigQuery. */
  ELT_PSEUDONYM_SALT: z.string().min(16, 'at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),

  MARKETING_API_URL: z.string().url().optional(),
  MARKETING_API_TOKEN: z.string().optional(),
  /** ISO date-time of the first extraction window; default 7 days ago. */
  MARKETING_API_START: z.string().datetime({ offset: true }).optional(),
  MARKETING_API_PAGE_LIMIT: z.coerce.number().int().min(1).max(1000).default(1000),
  MARKETING_API_MAX_RETRY_SECONDS: z.coerce.number().positive().default(300),

  BIGQUERY_PROJECT: z.string().optional(),
  BIGQUERY_LOCATION: z.string().default('EU'),
  BIGQUERY_DATASET_PREFIX: z.string().default(''),
  BIGQUERY_API_ENDPOINT: z.string().url().optional(),

  ELT_SCHEDULE_CRON: z.string().default('5 * * * *'),
  ELT_SCHEDULE_TZ: z.string().default('Europe/Paris'),
  ELT_LOCK_TTL_MINUTES: z.coerce.number().positive().default(120),
  ELT_ALERT_WEBHOOK: z.string().url().optional(),
  ELT_LOGS_URL: z.string().url().optional(),
  /** Hours without new data before a source's freshness warns, then errors. */
  ELT_FRESHNESS_WARN_HOURS: z.coerce.number().positive().default(26),
  ELT_FRESHNESS_ERROR_HOURS: z.coerce.number().positive().default(72),
  /** Per-source overrides, JSON: {"mkt_events": {"warn": 2, "error": 6}, ...} (hours). */
  ELT_FRESHNESS_THRESHOLDS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return {};
      try {
        const value = z
          .record(z.string(), z.object({ warn: z.number().positive(), error: z.number().positive() }))
          .parse(JSON.parse(text));
        return value;
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `JSON object of {warn, error} hours per source expected (${(error as Error).message.slice(0, 200)})`,
        });
        return z.NEVER;
      }
    }),

  LOOKUP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOOKUP_API_KEY: z.string().min(1).optional(),
  LOOKUP_CACHE_TTL_SECONDS: z.coerce.number().int().positive().default(300),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  warehouse: { engine: 'duckdb'; duckdb: DuckDbConfig } | { engine: 'bigquery'; bigquery: BigQueryConfig };
  csv: {
    /** Absent: generate sample exports. */
    dir: string | undefined;
    patterns: { opportunities: RegExp; propositions: RegExp; banks: RegExp };
  };
  workDir: string;
  sample: { scale: string; seed: number };
  pseudonymSalt: string;
  logLevel: Env['LOG_LEVEL'];
  marketing: {
    url: string | undefined;
    token: string | undefined;
    start: string | undefined;
    pageLimit: number;
    maxRetrySeconds: number;
  };
  schedule: { cron: string; timezone: string; lockTtlMinutes: number };
  alerts: { webhook: string | undefined; logsUrl: string | undefined };
  freshness: { warnHours: number; errorHours: number; perSource: Record<string, { warn: number; error: number }> };
  lookup: { port: number; apiKey: string | undefined; cacheTtlSeconds: number };
  /** The validated variables, for code that needs one not mapped above. */
  env: Env;
}

/** Salt used only on the embedded warehouse when none is configured, so that a fresh clone runs. */
const LOCAL_DEV_SALT = 'local-development-salt-not-for-production';

/** Reads and validates the configuration. Throws ConfigError naming every invalid variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const fromFile = source.ELT_CONFIG_FILE ? readConfigFile(source.ELT_CONFIG_FILE) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const raw = merged[name];
      const shown = typeof raw === 'string' && !/TOKEN|KEY|SALT|SECRET/.test(name) ? ` (got ${JSON.stringify(raw)})` : '';
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  return {
    warehouse: warehouseConfig(env),
    csv: {
      dir: env.ELT_CSV_DIR ? resolve(env.ELT_CSV_DIR) : undefined,
      patterns: {
        opportunities: pattern('ELT_CSV_PATTERN_OPPORTUNITIES', env.ELT_CSV_PATTERN_OPPORTUNITIES),
        propositions: pattern('ELT_CSV_PATTERN_PROPOSITIONS', env.ELT_CSV_PATTERN_PROPOSITIONS),
        banks: pattern('ELT_CSV_PATTERN_BANKS', env.ELT_CSV_PATTERN_BANKS),
      },
    },
    workDir: resolve(env.ELT_WORK_DIR),
    sample: { scale: env.ELT_SAMPLE_SCALE, seed: env.ELT_SAMPLE_SEED },
    pseudonymSalt: pseudonymSalt(env),
    logLevel: env.LOG_LEVEL,
    marketing: {
      url: env.MARKETING_API_URL,
      token: env.MARKETING_API_TOKEN,
      start: env.MARKETING_API_START,
      pageLimit: env.MARKETING_API_PAGE_LIMIT,
      maxRetrySeconds: env.MARKETING_API_MAX_RETRY_SECONDS,
    },
    schedule: { cron: env.ELT_SCHEDULE_CRON, timezone: env.ELT_SCHEDULE_TZ, lockTtlMinutes: env.ELT_LOCK_TTL_MINUTES },
    alerts: { webhook: env.ELT_ALERT_WEBHOOK, logsUrl: env.ELT_LOGS_URL },
    freshness: {
      warnHours: env.ELT_FRESHNESS_WARN_HOURS,
      errorHours: env.ELT_FRESHNESS_ERROR_HOURS,
      perSource: env.ELT_FRESHNESS_THRESHOLDS,
    },
    lookup: { port: env.LOOKUP_PORT, apiKey: env.LOOKUP_API_KEY, cacheTtlSeconds: env.LOOKUP_CACHE_TTL_SECONDS },
    env,
  };
}

function warehouseConfig(env: Env): Config['warehouse'] {
  if (env.ELT_WAREHOUSE === 'duckdb') {
    const duckdb = duckDbConfigSchema.safeParse({
      path: env.ELT_DUCKDB_PATH === ':memory:' ? ':memory:' : resolve(env.ELT_DUCKDB_PATH),
      memoryLimit: env.ELT_DUCKDB_MEMORY_LIMIT,
      threads: env.ELT_DUCKDB_THREADS,
    });
    if (!duckdb.success)
      throw new ConfigError(
        `invalid configuration: ELT_DUCKDB_*: ${duckdb.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    return { engine: 'duckdb', duckdb: duckdb.data };
  }
  if (!env.BIGQUERY_PROJECT)
    throw new ConfigError('invalid configuration: BIGQUERY_PROJECT is required when ELT_WAREHOUSE=bigquery');
  const bigquery = bigQueryConfigSchema.safeParse({
    projectId: env.BIGQUERY_PROJECT,
    location: env.BIGQUERY_LOCATION,
    datasetPrefix: env.BIGQUERY_DATASET_PREFIX,
    apiEndpoint: env.BIGQUERY_API_ENDPOINT,
  });
  if (!bigquery.success) {
    const names: Record<string, string> = {
      projectId: 'BIGQUERY_PROJECT',
      location: 'BIGQUERY_LOCATION',
      datasetPrefix: 'BIGQUERY_DATASET_PREFIX',
      apiEndpoint: 'BIGQUERY_API_ENDPOINT',
    };
    throw new ConfigError(
      `invalid configuration: ${bigquery.error.issues.map((i) => `${names[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return { engine: 'bigquery', bigquery: bigquery.data };
}

function pseudonymSalt(env: Env): string {
  if (env.ELT_PSEUDONYM_SALT) return env.ELT_PSEUDONYM_SALT;
  if (env.ELT_WAREHOUSE === 'bigquery' && !env.BIGQUERY_API_ENDPOINT) {
    throw new ConfigError('invalid configuration: ELT_PSEUDONYM_SALT is required on BigQuery (keep it in Secret Manager)');
  }
  return LOCAL_DEV_SALT;
}

function pattern(name: string, source: string): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${name}: not a regular expression (${(error as Error).message})`);
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `invalid configuration: ELT_CONFIG_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let value: unknown;
  try {
    value = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `invalid configuration: ELT_CONFIG_FILE: ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`invalid configuration: ELT_CONFIG_FILE: ${path} must hold a mapping of variable names to values`);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === null ? undefined : String(v)]));
}

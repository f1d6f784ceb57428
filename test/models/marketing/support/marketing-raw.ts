import { createHash } from 'node:crypto';
import { MKT_EVENTS, MKT_USERS } from '../../../../pipelines/extract/api/marketing-tables.js';
import { silentLogger } from '../../../../pipelines/core/logger.js';
import type { StepResult } from '../../../../pipelines/core/result.js';
import { compileProject, DEFAULT_MODELS_DIR, runPlan } from '../../../../pipelines/transform/index.js';
import type { CompileOptions } from '../../../../pipelines/transform/types.js';
import type { ParamTypes, Params, TableSpec } from '../../../../pipelines/warehouse/types.js';
import type { Warehouse } from '../../../../pipelines/warehouse/warehouse.js';
import { createRawCrm } from '../../support/crm-raw.js';

/** The salt the marketing tests build with. */
export const SALT = 'test-salt-for-the-marketing-marts';

/** The marketing marts, the models they need upstream included. */
export const MARKETING = ['+dim_users', '+campaign_performance', '+funnel_daily', '+traffic_daily'];

/** A salted key as the models compute it: hex SHA-256 of salt + `kind:` + id. */
export function key(kind: 'user' | 'device', id: string): string {
  return createHash('sha256').update(`${SALT}${kind}:${id}`).digest('hex');
}

/** A session key as the models compute it: hex SHA-256 of the visitor key, ':' and the first message_id. */
export function sessionKey(visitorKey: string, firstMessageId: string): string {
  return createHash('sha256').update(`${visitorKey}:${firstMessageId}`).digest('hex');
}

export const SITE = 'https://www.moncourtier.example';

export interface Utm {
  source: string;
  medium: string;
  name?: string | null;
  term?: string | null;
  content?: string | null;
}

/** One API event, as few fields as a test needs; the rest is filled as the simulator would. */
export interface EventSpec {
  id: string;
  anon: string;
  /** Device time, ISO. */
  at: string;
  type?: 'page' | 'track' | 'identify';
  /** Track call name. */
  event?: string;
  path: string;
  user?: string | null;
  referrer?: string | null;
  utm?: Utm | null;
  props?: Record<string, unknown>;
  /** Identify calls: personal data, kept in `_raw` only. */
  traits?: Record<string, unknown>;
  /** Default: 200 ms after `at`. */
  receivedAt?: string;
  locale?: string;
  ip?: string;
}

export interface LoadStamp {
  loadId: string;
  loadedAt: string;
}

/** The row of raw.mkt_events the extractor writes for this event. */
export function eventRow(spec: EventSpec, stamp: LoadStamp): Record<string, unknown> {
  const type = spec.type ?? (spec.event ? 'track' : 'page');
  const receivedAt = spec.receivedAt ?? new Date(Date.parse(spec.at) + 200).toISOString();
  const page = {
    path: spec.path,
    url: `${SITE}${spec.path}${spec.utm ? `?utm_source=${spec.utm.source}&utm_medium=${spec.utm.medium}` : ''}`,
    referrer: spec.referrer ?? null,
    title: `Title of ${spec.path}`,
    search: null,
  };
  const campaign = spec.utm
    ? {
        source: spec.utm.source,
        medium: spec.utm.medium,
        name: spec.utm.name ?? null,
        term: spec.utm.term ?? null,
        content: spec.utm.content ?? null,
      }
    : undefined;
  const context = {
    ip: spec.ip ?? '198.51.100.23',
    user_agent: 'Mozilla/5.0 (test)',
    locale: spec.locale ?? 'fr-FR',
    page,
    ...(campaign ? { campaign } : {}),
  };
  const properties = spec.props ?? (type === 'page' ? { path: page.path, url: page.url, referrer: page.referrer } : {});
  const record = {
    message_id: spec.id,
    type,
    event: type === 'track' ? spec.event : null,
    name: type === 'page' ? `Page ${spec.path}` : null,
    user_id: spec.user ?? null,
    anonymous_id: spec.anon,
    timestamp: spec.at,
    received_at: receivedAt,
    context,
    properties,
    ...(spec.traits ? { traits: spec.traits } : {}),
  };
  return {
    message_id: spec.id,
    type,
    event: record.event,
    name: record.name,
    user_id: record.user_id,
    anonymous_id: spec.anon,
    timestamp: spec.at,
    received_at: receivedAt,
    page_path: page.path,
    page_url: page.url,
    page_referrer: page.referrer,
    page_title: page.title,
    page_search: null,
    campaign_source: campaign?.source ?? null,
    campaign_medium: campaign?.medium ?? null,
    campaign_name: campaign?.name ?? null,
    campaign_term: campaign?.term ?? null,
    campaign_content: campaign?.content ?? null,
    locale: context.locale,
    user_agent: context.user_agent,
    ip: context.ip,
    properties: JSON.stringify(properties),
    context: JSON.stringify(context),
    _raw: JSON.stringify(record),
    _load_id: stamp.loadId,
    _loaded_at: stamp.loadedAt,
  };
}

/** One API user (personal data included, as the API serves it). */
export interface UserSpec {
  userId: string;
  anonymousIds: string[];
  email?: string | null;
  phone?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  birthYear?: number | null;
  postalCode?: string | null;
  city?: string | null;
  optIn?: boolean | null;
  channel?: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The row of raw.mkt_users the extractor writes for this user version. */
export function userRow(spec: UserSpec, stamp: LoadStamp): Record<string, unknown> {
  const traits = {
    first_name: spec.firstName ?? null,
    last_name: spec.lastName ?? null,
    birth_year: spec.birthYear ?? null,
    postal_code: spec.postalCode ?? null,
    city: spec.city ?? null,
    marketing_opt_in: spec.optIn ?? false,
    acquisition_channel: spec.channel ?? null,
  };
  const record = {
    user_id: spec.userId,
    anonymous_ids: spec.anonymousIds,
    email: spec.email ?? null,
    phone: spec.phone ?? null,
    created_at: spec.createdAt,
    updated_at: spec.updatedAt,
    traits,
  };
  return {
    user_id: spec.userId,
    anonymous_ids: JSON.stringify(spec.anonymousIds),
    email: record.email,
    phone: record.phone,
    first_name: traits.first_name,
    last_name: traits.last_name,
    birth_year: traits.birth_year,
    postal_code: traits.postal_code,
    city: traits.city,
    marketing_opt_in: spec.optIn ?? null,
    acquisition_channel: traits.acquisition_channel,
    created_at: spec.createdAt,
    updated_at: spec.updatedAt,
    traits: JSON.stringify(traits),
    _raw: JSON.stringify(record),
    _load_id: stamp.loadId,
    _loaded_at: stamp.loadedAt,
  };
}

/** Creates the raw marketing tables (as the extractor declares them) and the raw CRM tables, empty. */
export async function createRawMarketing(warehouse: Warehouse): Promise<void> {
  await createRawCrm(warehouse);
  await warehouse.ensureTable(MKT_EVENTS);
  await warehouse.ensureTable(MKT_USERS);
}

async function insertRows(warehouse: Warehouse, spec: TableSpec, rows: Array<Record<string, unknown>>): Promise<void> {
  const columns = spec.columns;
  for (const row of rows) {
    const params: Params = {};
    const types: ParamTypes = {};
    columns.forEach((c, i) => {
      params[`p${i}`] = (row[c.name] ?? null) as Params[string];
      types[`p${i}`] = c.type === 'TIMESTAMP' ? 'STRING' : c.type;
    });
    const names = columns.map((c) => `"${c.name}"`).join(', ');
    const values = columns.map((c, i) => (c.type === 'TIMESTAMP' ? `CAST(@p${i} AS TIMESTAMP)` : `@p${i}`)).join(', ');
    await warehouse.execute(`INSERT INTO ${warehouse.qualify(spec.ref)} (${names}) VALUES (${values})`, params, { types });
  }
}

/** Loads events into raw.mkt_events with one load stamp. */
export async function loadEvents(warehouse: Warehouse, stamp: LoadStamp, events: EventSpec[]): Promise<void> {
  await insertRows(
    warehouse,
    MKT_EVENTS,
    events.map((e) => eventRow(e, stamp)),
  );
}

/** Loads user versions into raw.mkt_users with one load stamp. */
export async function loadUsers(warehouse: Warehouse, stamp: LoadStamp, users: UserSpec[]): Promise<void> {
  await insertRows(
    warehouse,
    MKT_USERS,
    users.map((u) => userRow(u, stamp)),
  );
}

/** Compiles the project for DuckDB with the test salt and runs the marketing marts (or `options.models`). */
export async function buildMarketing(warehouse: Warehouse, options: CompileOptions = {}): Promise<StepResult[]> {
  const plan = compileProject(DEFAULT_MODELS_DIR, 'duckdb', (ref) => warehouse.qualify(ref), {
    models: MARKETING,
    pseudonymSalt: SALT,
    ...options,
  });
  return runPlan(plan, { warehouse, runId: `test-${Date.now()}`, logger: silentLogger() });
}

/** The steps that did not succeed or that warned, with their messages. */
export function problems(steps: StepResult[]): string[] {
  return steps
    .filter((s) => s.status !== 'success' || s.message?.startsWith('warning:'))
    .map((s) => `${s.name}: ${s.status} ${s.error?.message ?? s.message ?? ''}`);
}

/** The message of a model's step (`fct_events` -> the step `model:marts.fct_events`). */
export function stepMessage(steps: StepResult[], model: string): string | undefined {
  return steps.find((s) => s.name.endsWith(`.${model}`) && s.kind === 'model')?.info;
}

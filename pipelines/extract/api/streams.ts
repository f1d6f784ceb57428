import type { StagedLoad, TableSpec } from '../../warehouse/types.js';
import { EVENT_TEXT_MEMBERS, typeEvent } from './event-row.js';
import { MKT_EVENTS, MKT_USERS } from './marketing-tables.js';
import type { LoadStamp, TypedRecord } from './record-fields.js';
import { USER_TEXT_MEMBERS, typeUser } from './user-row.js';

export type StreamName = 'events' | 'users';

export const STREAM_NAMES: readonly StreamName[] = ['events', 'users'];

export const DAY_MS = 24 * 3600_000;

/** The contract's retention of events: 90 days of received_at. */
export const RETENTION_MS = 90 * DAY_MS;

/** How one feed of the API is asked for, typed and written. */
export interface StreamSpec {
  name: StreamName;
  /** StepResult name. */
  step: string;
  path: string;
  table: TableSpec;
  /** `layer.name` of the table, the key of counts. */
  tableName: string;
  write: StagedLoad['write'];
  /** Query parameters of the window: inclusive lower bound, exclusive upper bound. */
  sinceParam: string;
  beforeParam: string;
  /** Longest window the contract accepts, or null. */
  maxWindowMs: number | null;
  /** Whether the API forgets records older than RETENTION_MS. */
  retained: boolean;
  /** The record's field the feed is sorted and windowed by (the high-water mark's field). */
  positionField: string;
  /** Top-level members whose JSON text, cut from the record as served, `type` takes as `texts`. */
  textMembers: readonly string[];
  type(record: unknown, raw: string, stamp: LoadStamp, texts?: ReadonlyArray<string | undefined>): TypedRecord;
}

export const STREAMS: Record<StreamName, StreamSpec> = {
  events: {
    name: 'events',
    step: 'extract-load:mkt_events',
    path: '/v1/events',
    table: MKT_EVENTS,
    tableName: 'raw.mkt_events',
    // Deliveries are at-least-once: the first one stays. The key determines `timestamp` (same event, same
    // device time), so BigQuery may prune the partitions it scans for existing keys by it.
    write: { mode: 'insert-new', key: ['message_id'], pruneBy: 'timestamp' },
    sinceParam: 'received_since',
    beforeParam: 'received_before',
    maxWindowMs: 7 * DAY_MS,
    retained: true,
    positionField: 'received_at',
    textMembers: EVENT_TEXT_MEMBERS,
    type: typeEvent,
  },
  users: {
    name: 'users',
    step: 'extract-load:mkt_users',
    path: '/v1/users',
    table: MKT_USERS,
    tableName: 'raw.mkt_users',
    write: { mode: 'upsert', key: ['user_id'], versionBy: ['updated_at'] },
    sinceParam: 'updated_since',
    beforeParam: 'updated_before',
    maxWindowMs: null,
    retained: false,
    positionField: 'updated_at',
    textMembers: USER_TEXT_MEMBERS,
    type: typeUser,
  },
};

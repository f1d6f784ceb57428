import { hostname } from 'node:os';
import { isTransient } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { LOCKS } from './ops-tables.js';

export interface LockHolder {
  name: string;
  owner: string;
  acquiredAt: string;
  expiresAt: string;
}

/** The identity written as a lock's owner: host, process and run. */
export function lockOwner(runId: string): string {
  return `${hostname()}:${process.pid}:${runId}`;
}

/**
 * A named lock held in the warehouse (`ops.locks`) with an owner and an expiry, so runs never overlap
 * across processes or machines. A lock may be taken over when it has expired, or at once when its
 * owner was a process of this host that no longer exists (killed holder).
 */
export class WarehouseLock {
  #renewal: NodeJS.Timeout | undefined;

  constructor(
    private readonly warehouse: Warehouse,
    readonly name: string,
    readonly owner: string,
    private readonly ttlMs: number,
    private readonly logger?: Logger,
  ) {}

  /** Takes the lock, or returns who holds it. Renews it every third of its time to live while held. */
  async acquire(now: Date = new Date()): Promise<{ acquired: true } | { acquired: false; holder: LockHolder }> {
    const table = this.warehouse.qualify(LOCKS.ref);
    const current = await this.holder();
    const takeover = current !== null && current.owner !== this.owner && holderIsDead(current.owner);
    if (takeover)
      this.logger?.warn({ lock: this.name, previousOwner: current.owner }, 'taking over a lock whose holder process is gone');
    // Delete-then-insert in one transaction rather than MERGE: both engines (and the BigQuery
    // emulator) run it, and a concurrent contender's transaction conflicts and fails instead of winning.
    const params = {
      name: this.name,
      owner: this.owner,
      now,
      expires_at: new Date(now.getTime() + this.ttlMs),
      dead_owner: takeover ? current.owner : null,
    };
    const types = { dead_owner: 'STRING' as const };
    try {
      await this.warehouse.transaction(
        [
          {
            sql: `DELETE FROM ${table} WHERE name = @name AND (expires_at < @now OR owner = @owner OR owner = @dead_owner)`,
            params: { name: params.name, now: params.now, owner: params.owner, dead_owner: params.dead_owner },
            types,
          },
          {
            sql: `INSERT INTO ${table} (name, owner, acquired_at, expires_at)
                  SELECT @name, @owner, @now, @expires_at FROM (SELECT 1 AS one) AS seed
                  WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE name = @name)`,
            params: { name: params.name, owner: params.owner, now: params.now, expires_at: params.expires_at },
          },
        ],
        { step: 'lock' },
      );
    } catch (error) {
      if (!isTransient(error)) throw error;
      this.logger?.info({ lock: this.name, err: (error as Error).message }, 'lost a race for the lock');
    }
    const after = await this.holder();
    if (after?.owner === this.owner) {
      this.#startRenewal();
      return { acquired: true };
    }
    return { acquired: false, holder: after ?? current! };
  }

  /** Who holds the lock now, expired or not; null when nobody does. */
  async holder(): Promise<LockHolder | null> {
    const rows = await this.warehouse.query<{ owner: string; acquired_at: string; expires_at: string }>(
      `SELECT owner, acquired_at, expires_at FROM ${this.warehouse.qualify(LOCKS.ref)} WHERE name = @name`,
      { name: this.name },
    );
    const row = rows[0];
    return row ? { name: this.name, owner: row.owner, acquiredAt: row.acquired_at, expiresAt: row.expires_at } : null;
  }

  async release(): Promise<void> {
    if (this.#renewal) clearInterval(this.#renewal);
    this.#renewal = undefined;
    await this.warehouse.execute(`DELETE FROM ${this.warehouse.qualify(LOCKS.ref)} WHERE name = @name AND owner = @owner`, {
      name: this.name,
      owner: this.owner,
    });
  }

  #startRenewal(): void {
    if (this.#renewal) return;
    this.#renewal = setInterval(
      () => {
        this.warehouse
          .execute(
            `UPDATE ${this.warehouse.qualify(LOCKS.ref)} SET expires_at = @expires_at WHERE name = @name AND owner = @owner`,
            {
              name: this.name,
              owner: this.owner,
              expires_at: new Date(Date.now() + this.ttlMs),
            },
          )
          .catch((error: unknown) => this.logger?.warn({ err: error, lock: this.name }, 'could not renew the lock'));
      },
      Math.max(1000, Math.floor(this.ttlMs / 3)),
    );
    this.#renewal.unref();
  }
}

/** True when the owner was a process of this host that is no longer running. */
function holderIsDead(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  if (Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

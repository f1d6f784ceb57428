/**
 * BigQuery runs at most two mutating DML statements on a table at a time (more are queued, then
 * rejected), and a transaction that mutates a table conflicts with any other mutation of it.
 */
export const dmlConcurrencyPerTable = 2;

interface Waiter {
  weight: number;
  grant: () => void;
}

interface Slot {
  used: number;
  queue: Waiter[];
}

/**
 * Per-table permits, first come first served. A single DML statement takes one permit of its table;
 * a transaction takes all of them (`dmlConcurrencyPerTable`) for every table it mutates, so it runs
 * alone on them. Tables are acquired in name order, so two callers never wait on each other.
 */
export class TableSemaphore {
  readonly #capacity: number;
  readonly #slots = new Map<string, Slot>();

  constructor(capacity: number = dmlConcurrencyPerTable) {
    this.#capacity = capacity;
  }

  /** Waits for `weight` permits on each table and returns the function that releases them all. */
  async acquire(tables: Iterable<string>, weight: number = 1): Promise<() => void> {
    const names = [...new Set([...tables].map((t) => t.toLowerCase()))].sort();
    const need = Math.min(Math.max(1, weight), this.#capacity);
    const held: string[] = [];
    try {
      for (const name of names) {
        await this.#take(name, need);
        held.push(name);
      }
    } catch (error) {
      for (const name of held) this.#give(name, need);
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const name of held) this.#give(name, need);
    };
  }

  /** Permits in use on a table (for tests and diagnostics). */
  inUse(table: string): number {
    return this.#slots.get(table.toLowerCase())?.used ?? 0;
  }

  #take(name: string, weight: number): Promise<void> {
    let slot = this.#slots.get(name);
    if (!slot) {
      slot = { used: 0, queue: [] };
      this.#slots.set(name, slot);
    }
    if (slot.queue.length === 0 && slot.used + weight <= this.#capacity) {
      slot.used += weight;
      return Promise.resolve();
    }
    const s = slot;
    return new Promise((resolve) => s.queue.push({ weight, grant: resolve }));
  }

  #give(name: string, weight: number): void {
    const slot = this.#slots.get(name);
    if (!slot) return;
    slot.used -= weight;
    while (slot.queue.length > 0 && slot.used + slot.queue[0]!.weight <= this.#capacity) {
      const next = slot.queue.shift()!;
      slot.used += next.weight;
      next.grant();
    }
    if (slot.used === 0 && slot.queue.length === 0) this.#slots.delete(name);
  }
}

/**
 * The tables a DML statement or script mutates, as lowercase `dataset.table`: the targets of INSERT,
 * UPDATE, DELETE, MERGE and TRUNCATE. Best effort on SQL text, used only to take permits.
 */
export function mutatedTables(sql: string): string[] {
  const found = new Set<string>();
  const pattern =
    /\b(?:INSERT\s+(?:INTO\s+)?|UPDATE\s+|DELETE\s+(?:FROM\s+)?|MERGE\s+(?:INTO\s+)?|TRUNCATE\s+TABLE\s+)((?:`[^`]+`|[A-Za-z_][\w-]*)(?:\s*\.\s*(?:`[^`]+`|[A-Za-z_][\w-]*))*)/gi;
  for (const match of sql.matchAll(pattern)) {
    const path = match[1]!
      .split(/\s*\.\s*|`/)
      .flatMap((part) => part.split('.'))
      .filter((part) => part.trim() !== '');
    if (path.length >= 2) found.add(path.slice(-2).join('.').toLowerCase());
  }
  return [...found];
}

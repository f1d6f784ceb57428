import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { extractLoadMarketing } from '../../../../pipelines/extract/api/extract-load-marketing.js';
import { ensureOpsTables } from '../../../../pipelines/state/ops-tables.js';
import type { SimulatorHandle } from '../../../../pipelines/simulator/server.js';
import { DuckDbWarehouse } from '../../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import {
  NOW,
  START,
  differences,
  marks,
  runOptions,
  startTestSimulator,
  storedEvents,
  storedUsers,
} from './marketing-fixtures.js';

interface KillPlan {
  /** Log message that triggers the kill, and which occurrence of it. */
  on: 'page staged' | 'committing unit' | 'unit committed';
  nth: number;
  delayMs: number;
}

/** Runs the child extraction and SIGKILLs it at the planned moment; resolves whether it was killed. */
function runAndKill(args: string[], plan: KillPlan): Promise<boolean> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crash-child.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let seen = 0;
  let killed = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (killed || !line.includes(`"msg":"${plan.on}"`)) return;
    if (++seen !== plan.nth) return;
    killed = true;
    setTimeout(() => child.kill('SIGKILL'), plan.delayMs);
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(true);
      else if (code === 0) resolve(false);
      else reject(new Error(`crash child exited with code ${code}`));
    });
  });
}

describe('crash safety of the marketing extraction (SIGKILL mid-pages and around commits)', function () {
  this.timeout(240_000);
  let sim: SimulatorHandle;
  let dir: string;

  before(async () => {
    sim = await startTestSimulator({ eventsPerDay: 1000 });
    dir = mkdtempSync(join(tmpdir(), 'elt-mkt-crash-'));
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after kills at several moments, a normal run leaves exactly the right rows: no duplicate, no gap', async function () {
    const path = join(dir, 'warehouse.duckdb');
    const plans: KillPlan[] = [
      { on: 'page staged', nth: 3, delayMs: 0 },
      { on: 'committing unit', nth: 1, delayMs: 0 },
      { on: 'committing unit', nth: 1, delayMs: 30 },
      { on: 'unit committed', nth: 1, delayMs: 0 },
      { on: 'committing unit', nth: 2, delayMs: 5 },
      { on: 'page staged', nth: 14, delayMs: 2 },
      { on: 'committing unit', nth: 1, delayMs: 80 },
    ];
    let killed = 0;
    const marksSeen = new Set<string>();
    for (const [i, plan] of plans.entries()) {
      if (await runAndKill([sim.url, path, dir, NOW.toISOString(), `crash-${i}`], plan)) killed++;
      // The state a kill leaves: every event before the mark is there, none after it, none twice.
      const warehouse = await DuckDbWarehouse.open({ path });
      try {
        await ensureOpsTables(warehouse);
        const mark = (await marks(warehouse)).events;
        const stored = await storedEvents(warehouse);
        const [counts] = await warehouse.query<{ n: number; d: number }>(
          'SELECT count(*) AS n, count(DISTINCT message_id) AS d FROM raw.mkt_events',
        );
        expect(counts!.n, 'no duplicate message_id').to.equal(counts!.d);
        if (mark === undefined) {
          expect(stored.size, `kill ${i}: no mark, no rows`).to.equal(0);
          continue;
        }
        marksSeen.add(mark);
        const before = sim.dataset.distinctEvents(new Date(mark), START);
        const upTo = sim.dataset.distinctEvents(new Date(Date.parse(mark) + 1), START);
        expect(
          [...before.keys()].filter((id) => !stored.has(id)),
          `kill ${i}: gap before the mark ${mark}`,
        ).to.deep.equal([]);
        expect(
          [...stored.keys()].filter((id) => !upTo.has(id)),
          `kill ${i}: rows past the mark ${mark}`,
        ).to.deep.equal([]);
      } finally {
        await warehouse.close();
      }
    }
    expect(killed, 'the kills landed').to.be.at.least(plans.length - 1);
    const inside = [...marksSeen].filter((m) => Date.parse(m) > START.getTime() && Date.parse(m) < NOW.getTime());
    expect(inside.length, 'kills left the events mark inside the window at least twice').to.be.at.least(2);

    const warehouse = await DuckDbWarehouse.open({ path });
    try {
      await ensureOpsTables(warehouse);
      const steps = await extractLoadMarketing(runOptions(warehouse, sim, dir, 'after-crashes'));
      expect(steps.map((s) => s.status)).to.deep.equal(['success', 'success']);
      expect(differences(await storedEvents(warehouse), sim.dataset.distinctEvents(NOW, START))).to.deep.equal([]);
      expect(differences(await storedUsers(warehouse), sim.dataset.latestUsers(NOW))).to.deep.equal([]);
      expect(await marks(warehouse)).to.deep.equal({ events: NOW.toISOString(), users: NOW.toISOString() });
    } finally {
      await warehouse.close();
    }
  });
});

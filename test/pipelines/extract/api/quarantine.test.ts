import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extractLoadMarketing } from '../../../../pipelines/extract/api/extract-load-marketing.js';
import { extractWindow } from '../../../../pipelines/extract/api/extract-window.js';
import type { SimulatorHandle } from '../../../../pipelines/simulator/server.js';
import { tempDuckDb } from '../../../support/temp-warehouse.js';
import {
  NOW,
  START,
  apiSettings,
  deliveryCount,
  differences,
  runOptions,
  startTestSimulator,
  storedEvents,
} from './marketing-fixtures.js';

/** One event in about 30, chosen by message_id (so its duplicates too), gets an impossible timestamp. */
function corrupted(messageId: string): boolean {
  return createHash('sha256').update(messageId).digest()[0]! < 9;
}

/**
 * A proxy in front of the simulator that damages some events on their way (a server breaking its own
 * contract); everything else, faults included, passes through as is.
 */
async function damagingProxy(upstream: string): Promise<{ url: string; server: Server }> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const forward = httpRequest(
      { host: target.hostname, port: target.port, path: req.url, method: 'GET', headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('error', () => req.socket.destroy());
        answer.on('aborted', () => req.socket.destroy());
        answer.on('end', () => {
          let body = Buffer.concat(chunks).toString();
          if (answer.statusCode === 200 && req.url?.startsWith('/v1/events')) {
            try {
              const page = JSON.parse(body) as { data: Array<Record<string, unknown>>; next_cursor: string | null };
              for (const event of page.data) if (corrupted(String(event.message_id))) event.timestamp = '2026-02-30T25:00:00Z';
              body = JSON.stringify(page);
            } catch {
              req.socket.destroy();
              return;
            }
          }
          const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(body)) };
          res.writeHead(answer.statusCode ?? 502, headers).end(body);
        });
      },
    );
    forward.on('error', () => req.socket.destroy());
    forward.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('records that cannot be typed', function () {
  this.timeout(60_000);
  let sim: SimulatorHandle;
  let proxy: { url: string; server: Server };
  let db: Awaited<ReturnType<typeof tempDuckDb>>;

  beforeEach(async () => {
    sim = await startTestSimulator();
    proxy = await damagingProxy(sim.url);
    db = await tempDuckDb('elt-mkt-q-');
  });
  afterEach(async () => {
    await db.dispose();
    proxy.server.closeAllConnections();
    await new Promise((resolve) => proxy.server.close(resolve));
    await sim.close();
  });

  it('go to ops.quarantine in the same commit, with stream and window, field, value and reason; the rest loads', async function () {
    const options = runOptions(db.warehouse, sim, db.dir, 'run-q', { api: apiSettings(proxy.url), streams: ['events'] });
    const [step] = await extractLoadMarketing(options);
    expect(step!.status).to.equal('success');

    const truth = sim.dataset.distinctEvents(NOW, START);
    const damaged = [...sim.dataset.deliveries(START.getTime(), NOW.getTime())].filter((d) => corrupted(d.messageId));
    expect(damaged.length, 'some deliveries were damaged').to.be.greaterThan(5);
    const expected = new Map([...truth].filter(([id]) => !corrupted(id)));
    expect(differences(await storedEvents(db.warehouse), expected)).to.deep.equal([]);

    const counts = step!.counts!['raw.mkt_events']!;
    expect(counts.read).to.equal(deliveryCount(sim, START, NOW));
    expect(counts.quarantined).to.equal(damaged.length);
    expect(counts.read).to.equal(counts.loaded + counts.quarantined);
    expect(step!.message).to.contain(`${damaged.length} records quarantined`);

    const rows = await db.warehouse.query<Record<string, string>>(
      `SELECT source, table_name, file_name, field, raw_value, reason, raw_record, run_id FROM ops.quarantine`,
    );
    expect(rows).to.have.length(damaged.length);
    const row = rows[0]!;
    expect(row).to.include({
      source: 'api',
      table_name: 'raw.mkt_events',
      file_name: `events ${START.toISOString()}..${NOW.toISOString()}`,
      field: 'timestamp',
      raw_value: '2026-02-30T25:00:00Z',
      reason: 'must be an RFC 3339 date-time with a time zone',
      run_id: 'run-q',
    });
    expect(corrupted((JSON.parse(row.raw_record!) as { message_id: string }).message_id)).to.equal(true);

    // Re-extracting the window meets the same bad records again: they are not quarantined twice.
    await extractWindow({ ...options, stream: 'events', from: START.toISOString(), to: NOW.toISOString() });
    const [again] = await db.warehouse.query<{ n: number }>('SELECT count(*) AS n FROM ops.quarantine');
    expect(again!.n).to.equal(damaged.length);
  });
});

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { silentLogger } from '../../../pipelines/core/logger.js';
import type { RunResult } from '../../../pipelines/core/result.js';
import { alertOnFailure } from '../../../pipelines/ops/alerts.js';

const failed: RunResult = {
  runId: '20261129T100500Z-abcd1234',
  kind: 'scheduled',
  status: 'error',
  startedAt: '2026-11-29T10:05:00.000Z',
  endedAt: '2026-11-29T10:06:00.000Z',
  durationMs: 60_000,
  steps: [],
  error: { step: 'extract-load:marketing', message: 'API answered 401' },
};

describe('alertOnFailure', function () {
  it('posts the run id, step, error and logs link to the webhook', async function () {
    const received: Array<{ body: unknown; type: string | undefined }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ body: JSON.parse(body), type: req.headers['content-type'] });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const sent = await alertOnFailure(failed, { webhook: url, logsUrl: 'https://logs.example/q', logger: silentLogger() });
      expect(sent).to.equal(true);
      expect(received).to.have.length(1);
      expect(received[0]!.type).to.match(/application\/json/);
      expect(received[0]!.body).to.include({
        run_id: failed.runId,
        step: 'extract-load:marketing',
        error: 'API answered 401',
        logs_url: `https://logs.example/q?run_id=${failed.runId}`,
      });
      expect(await alertOnFailure({ ...failed, status: 'success' }, { webhook: url, logger: silentLogger() })).to.equal(false);
      expect(received).to.have.length(1);
    } finally {
      server.close();
    }
  });

  it('never throws when the webhook is unreachable', async function () {
    const sent = await alertOnFailure(failed, { webhook: 'http://127.0.0.1:9/nothing', logger: silentLogger(), timeoutMs: 2000 });
    expect(sent).to.equal(false);
  });
});

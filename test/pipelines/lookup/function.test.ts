import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createLookupWarehouse, removeTempFolders, sampleMartRow, SAMPLE_ID } from './lookup-fixture.js';

describe('lookup function (functions-framework)', function () {
  const key = 'function-test-key-42';
  let server: Server;
  let url: string;

  before(async function () {
    const path = await createLookupWarehouse([sampleMartRow()], { withRun: true });
    const saved = { ...process.env };
    Object.assign(process.env, { ELT_WAREHOUSE: 'duckdb', ELT_DUCKDB_PATH: path, LOOKUP_API_KEY: key, LOG_LEVEL: 'silent' });
    try {
      await import('../../../pipelines/lookup/function.js');
    } finally {
      for (const name of ['ELT_WAREHOUSE', 'ELT_DUCKDB_PATH', 'LOOKUP_API_KEY', 'LOG_LEVEL']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
    server = getTestServer('lookup');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    await new Promise((resolve) => server.close(resolve));
    removeTempFolders();
  });

  it('registers the handler as entry point `lookup`, answering GET /?id= once the first load is done', async function () {
    const response = await fetch(`${url}/?id=${SAMPLE_ID}`, { headers: { 'x-api-key': key } });
    expect(response.status).to.equal(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.id).to.equal(SAMPLE_ID);
    expect(body.age_emprunteur).to.equal(33);
  });

  it('serves the same routes and statuses through express', async function () {
    const headers = { 'x-api-key': key };
    expect((await fetch(`${url}/opportunities/${SAMPLE_ID}`, { headers })).status).to.equal(200);
    expect((await fetch(`${url}/opportunities/${SAMPLE_ID}`)).status).to.equal(401);
    expect((await fetch(`${url}/opportunities/bad-id`, { headers })).status).to.equal(400);
    expect((await fetch(`${url}/opportunities/${SAMPLE_ID}`, { method: 'POST', headers, body: '{"a":1}' })).status).to.equal(405);
    expect((await fetch(`${url}/healthz`)).status).to.equal(200);
  });
});

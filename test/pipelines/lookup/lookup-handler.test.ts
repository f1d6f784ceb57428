import { Writable } from 'node:stream';
import { expect } from 'chai';
import pino from 'pino';
import type { Logger } from '../../../pipelines/core/logger.js';
import { canonicalSalesforceId } from '../../../pipelines/lookup/salesforce-id.js';
import { createLookupService, type LookupService } from '../../../pipelines/lookup/lookup-service.js';
import { listenLookup, type LookupServer } from '../../../pipelines/lookup/lookup-server.js';
import {
  createLookupWarehouse,
  removeTempFolders,
  sampleMartRow,
  SAMPLE_ID,
  tempFolder,
  type MartRow,
} from './lookup-fixture.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The example for the real sample record, then the fields the lookup adds. */
const SAMPLE_JSON = {
  id: '0065q00000AlAK0AAN',
  age_emprunteur: 33,
  banque_principale: 'CIC',
  deja_souscrit_credit_immo: true,
  categorie_professionnelle: 'Salarié du privé',
  contrat_travail: "CDI période d'essai terminée",
  revenu_total: 7731.67,
  montant_pret_principal: 235055,
  stage_name: '6-Perdue',
  created_at: '2023-10-20T04:44:34.000Z',
  best_proposition: null,
};

const OTHER_ID = canonicalSalesforceId('0065q00000BmXyZ')!;
const OTHER: MartRow = {
  id: OTHER_ID,
  age_emprunteur: null,
  banque_principale: null,
  deja_souscrit_credit_immo: false,
  categorie_professionnelle: 'Retraité',
  contrat_travail: null,
  revenu_total: 2100.5,
  montant_pret_principal: 180000,
  stage_name: '3-Banque',
  created_at: null,
  best_proposition_id: 'a0B5q00000Cd3fGEAR',
  best_interest_rate: 3.15,
  best_duration_months: 240,
  best_bank_name: 'BNP PARIBAS',
};

/** A logger whose lines are kept for assertions. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function startLookup(
  path: string,
  apiKey?: string,
): Promise<{ service: LookupService; server: LookupServer; lines: Array<Record<string, unknown>> }> {
  const { logger, lines } = capturingLogger();
  const service = createLookupService(
    { warehouse: { engine: 'duckdb', duckdb: { path } }, lookup: { port: 0, apiKey, cacheTtlSeconds: 300 } },
    logger,
  );
  await service.cache.start();
  const server = await listenLookup(service.handler, { port: 0, host: '127.0.0.1' });
  return { service, server, lines };
}

async function get(
  server: LookupServer,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; text: string; json: Record<string, unknown> }> {
  const response = await fetch(server.url + path, init);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

describe('lookup handler', function () {
  let lookup: Awaited<ReturnType<typeof startLookup>>;

  before(async function () {
    const path = await createLookupWarehouse([sampleMartRow(), OTHER], { withRun: true });
    lookup = await startLookup(path);
  });

  after(async function () {
    lookup.service.cache.stop();
    await lookup.server.close();
    removeTempFolders();
  });

  it('answers 200 with the exact JSON of the real sample record', async function () {
    const { status, headers, text, json } = await get(lookup.server, `/opportunities/${SAMPLE_ID}`);
    expect(status).to.equal(200);
    expect(headers.get('content-type')).to.equal('application/json; charset=utf-8');
    expect(json.response_id).to.match(UUID_V4);
    // Field order, number formatting (33, not 33.0) and escaping, as text.
    expect(text).to.equal(JSON.stringify({ response_id: json.response_id, ...SAMPLE_JSON }));
  });

  it('answers the function-style GET /?id= the same, with a new response_id each time', async function () {
    const first = await get(lookup.server, `/?id=${SAMPLE_ID}`);
    const second = await get(lookup.server, `/?id=${SAMPLE_ID}&other=1`);
    expect(first.status).to.equal(200);
    expect(second.status).to.equal(200);
    const { response_id: a, ...restA } = first.json;
    const { response_id: b, ...restB } = second.json;
    expect(a).to.match(UUID_V4);
    expect(b).to.match(UUID_V4);
    expect(a).to.not.equal(b);
    expect(restA).to.deep.equal(SAMPLE_JSON);
    expect(restB).to.deep.equal(SAMPLE_JSON);
  });

  it('finds a record by its 15-character id and by its 18-character id in another case', async function () {
    for (const id of ['0065q00000AlAK0', '0065Q00000ALAK0AAN', '0065q00000alak0aan']) {
      const { status, json } = await get(lookup.server, `/opportunities/${id}`);
      expect(status, id).to.equal(200);
      expect(json.id).to.equal(SAMPLE_ID);
    }
  });

  it('gives missing values as null and the best proposition under its own field', async function () {
    const { status, json } = await get(lookup.server, `/opportunities/${OTHER_ID}`);
    expect(status).to.equal(200);
    const { response_id: _id, ...body } = json;
    expect(body).to.deep.equal({
      id: OTHER_ID,
      age_emprunteur: null,
      banque_principale: null,
      deja_souscrit_credit_immo: false,
      categorie_professionnelle: 'Retraité',
      contrat_travail: null,
      revenu_total: 2100.5,
      montant_pret_principal: 180000,
      stage_name: '3-Banque',
      created_at: null,
      best_proposition: { id: 'a0B5q00000Cd3fGEAR', interest_rate: 3.15, duration_months: 240, bank_name: 'BNP PARIBAS' },
    });
  });

  it('answers 404 with a JSON error for an unknown id', async function () {
    const unknown = canonicalSalesforceId('0065q00000ZzZzZ')!;
    const { status, headers, json } = await get(lookup.server, `/opportunities/${unknown}`);
    expect(status).to.equal(404);
    expect(headers.get('content-type')).to.equal('application/json; charset=utf-8');
    expect(json.error).to.equal('not_found');
    expect(json.message).to.equal(`no opportunity with id ${unknown}`);
    expect(json.response_id).to.match(UUID_V4);
  });

  it('answers 400 for an id that is not a 15- or 18-character Salesforce id, without echoing it', async function () {
    const bad = [
      '0065q00000AlAK',
      '0065q00000AlAK0AA',
      '0065q00000AlAK0AAN1',
      '<script>alert(1)</script>',
      "x' OR '1'='1",
      'ab%zz',
      '0065q00000AlAK0A N',
    ];
    for (const id of bad) {
      for (const path of [`/opportunities/${encodeURIComponent(id)}`, `/?id=${encodeURIComponent(id)}`]) {
        const { status, text, json } = await get(lookup.server, path);
        expect(status, path).to.equal(400);
        expect(json.error).to.equal('bad_request');
        expect(text).to.not.include(id);
        expect(text).to.not.include('<');
      }
    }
    for (const path of ['/', '/?id=', '/?other=1']) {
      const { status, json } = await get(lookup.server, path);
      expect(status, path).to.equal(400);
      expect(json.message).to.match(/^missing id/);
    }
  });

  it('answers 405 with Allow for methods other than GET and HEAD', async function () {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of [`/opportunities/${SAMPLE_ID}`, `/?id=${SAMPLE_ID}`, '/healthz']) {
        const { status, headers, json } = await get(lookup.server, path, {
          method,
          body: method === 'DELETE' ? undefined : '{}',
        });
        expect(status, `${method} ${path}`).to.equal(405);
        expect(headers.get('allow')).to.equal('GET, HEAD');
        expect(json.error).to.equal('method_not_allowed');
      }
    }
  });

  it('answers HEAD like GET, without a body', async function () {
    const response = await fetch(`${lookup.server.url}/opportunities/${SAMPLE_ID}`, { method: 'HEAD' });
    expect(response.status).to.equal(200);
    expect(Number(response.headers.get('content-length'))).to.be.greaterThan(100);
    expect(await response.text()).to.equal('');
  });

  it('answers 404 for another path', async function () {
    for (const path of ['/opportunities', `/opportunities/${SAMPLE_ID}/extra`, '/nope?id=1']) {
      const { status, json } = await get(lookup.server, path);
      expect(status, path).to.equal(404);
      expect(json.error).to.equal('not_found');
    }
  });

  it('answers /healthz 200 with the number of opportunities loaded', async function () {
    const { status, json } = await get(lookup.server, '/healthz');
    expect(status).to.equal(200);
    expect(json.status).to.equal('ok');
    expect(json.opportunities).to.equal(2);
  });

  it('logs each request with method, path, status and latency, and never a raw invalid input', async function () {
    lookup.lines.length = 0;
    await get(lookup.server, `/opportunities/${SAMPLE_ID}`);
    await get(lookup.server, `/opportunities/${encodeURIComponent('jane.doe@example.com')}`);
    await get(lookup.server, `/?id=${encodeURIComponent('06 12 34 56 78')}`);
    await get(lookup.server, '/private/jane.doe@example.com');
    const access = lookup.lines.filter((line) => line.msg === 'request');
    expect(access.map((l) => [l.method, l.path, l.status])).to.deep.equal([
      ['GET', `/opportunities/${SAMPLE_ID}`, 200],
      ['GET', '/opportunities/{invalid}', 400],
      ['GET', '/?id={invalid}', 400],
      ['GET', '{other}', 404],
    ]);
    for (const line of access) {
      expect(line.level).to.equal(30);
      expect(line.ms).to.be.a('number').and.to.be.at.least(0);
    }
    const all = JSON.stringify(lookup.lines);
    expect(all).to.not.include('jane.doe');
    expect(all).to.not.include('12 34');
  });
});

describe('lookup handler with LOOKUP_API_KEY', function () {
  const key = 'test-key-0123456789';
  let lookup: Awaited<ReturnType<typeof startLookup>>;

  before(async function () {
    lookup = await startLookup(await createLookupWarehouse([sampleMartRow()]), key);
  });

  after(async function () {
    lookup.service.cache.stop();
    await lookup.server.close();
    removeTempFolders();
  });

  it('answers 401 to a request without the key or with a wrong one', async function () {
    const attempts: RequestInit[] = [
      {},
      { headers: { 'x-api-key': 'wrong' } },
      { headers: { 'x-api-key': `${key}x` } },
      { headers: { authorization: `Basic ${key}` } },
      { headers: { authorization: 'Bearer ' } },
      { method: 'POST' },
    ];
    for (const init of attempts) {
      const { status, headers, json } = await get(lookup.server, `/opportunities/${SAMPLE_ID}`, init);
      expect(status, JSON.stringify(init)).to.equal(401);
      expect(headers.get('www-authenticate')).to.match(/^Bearer/);
      expect(json.error).to.equal('unauthorized');
    }
  });

  it('serves a request carrying the key in x-api-key or as a Bearer token', async function () {
    const variants: Array<Record<string, string>> = [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }];
    for (const headers of variants) {
      const { status, json } = await get(lookup.server, `/opportunities/${SAMPLE_ID}`, { headers });
      expect(status).to.equal(200);
      expect(json.id).to.equal(SAMPLE_ID);
    }
  });

  it('leaves /healthz open to platform probes', async function () {
    expect((await get(lookup.server, '/healthz')).status).to.equal(200);
  });
});

describe('lookup handler without data', function () {
  let lookup: Awaited<ReturnType<typeof startLookup>>;

  before(async function () {
    const { join } = await import('node:path');
    lookup = await startLookup(join(tempFolder('lookup-none-'), 'missing.duckdb'));
  });

  after(async function () {
    lookup.service.cache.stop();
    await lookup.server.close();
    removeTempFolders();
  });

  it('answers 503 with Retry-After when the warehouse cannot be read and nothing was ever loaded', async function () {
    const { status, headers, json } = await get(lookup.server, `/opportunities/${SAMPLE_ID}`);
    expect(status).to.equal(503);
    expect(Number(headers.get('retry-after'))).to.be.within(1, 5);
    expect(json.error).to.equal('unavailable');
    expect(
      lookup.lines.some((line) => line.event === 'lookup_refresh' && line.status === 'failed' && line.level === 40),
    ).to.equal(true);
  });

  it('answers /healthz 503 and still validates ids first', async function () {
    const health = await get(lookup.server, '/healthz');
    expect(health.status).to.equal(503);
    expect(health.headers.get('retry-after')).to.match(/^\d+$/);
    expect((await get(lookup.server, '/opportunities/bad')).status).to.equal(400);
  });
});

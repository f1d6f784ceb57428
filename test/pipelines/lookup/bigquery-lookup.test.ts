import { expect } from 'chai';
import { silentLogger } from '../../../pipelines/core/logger.js';
import { listenLookup, type LookupServer } from '../../../pipelines/lookup/lookup-server.js';
import { createLookupService, type LookupService } from '../../../pipelines/lookup/lookup-service.js';
import { canonicalSalesforceId } from '../../../pipelines/lookup/salesforce-id.js';
import type { BigQueryConfig } from '../../../pipelines/warehouse/bigquery/bigquery-config.js';
import { BigQueryWarehouse } from '../../../pipelines/warehouse/bigquery/bigquery-warehouse.js';
import { type BigQueryEmulator, emulatorOrSkip } from '../../support/bigquery-emulator.js';
import { insertMartRows, recordFinishedRun, sampleMartRow, SAMPLE_ID } from './lookup-fixture.js';

describe('lookup on BigQuery (emulator)', function () {
  let emulator: BigQueryEmulator | undefined;
  let warehouse: BigQueryWarehouse;
  let service: LookupService;
  let server: LookupServer;

  before(async function () {
    emulator = await emulatorOrSkip(this);
    const config: BigQueryConfig = {
      projectId: emulator.projectId,
      location: 'EU',
      datasetPrefix: 'elt_',
      apiEndpoint: emulator.endpoint,
      labels: {},
    };
    warehouse = await BigQueryWarehouse.open(config);
    await insertMartRows(warehouse, [sampleMartRow()]);
    await recordFinishedRun(warehouse, 'run-1');
    service = createLookupService(
      { warehouse: { engine: 'bigquery', bigquery: config }, lookup: { port: 0, apiKey: undefined, cacheTtlSeconds: 300 } },
      silentLogger(),
    );
    server = await listenLookup(service.handler, { port: 0, host: '127.0.0.1' });
  });

  after(async function () {
    service?.cache.stop();
    await server?.close();
    await warehouse?.close();
    await emulator?.stop();
  });

  it('loads the mart with one query and serves the sample record with the same JSON as on DuckDB', async function () {
    expect(await service.cache.start()).to.include({ status: 'loaded', rows: 1 });
    const response = await fetch(`${server.url}/opportunities/${SAMPLE_ID}`);
    expect(response.status).to.equal(200);
    const text = await response.text();
    const { response_id: responseId } = JSON.parse(text) as { response_id: string };
    expect(text).to.equal(
      `{"response_id":"${responseId}","id":"0065q00000AlAK0AAN","age_emprunteur":33,"banque_principale":"CIC",` +
        `"deja_souscrit_credit_immo":true,"categorie_professionnelle":"Salarié du privé",` +
        `"contrat_travail":"CDI période d'essai terminée","revenu_total":7731.67,"montant_pret_principal":235055,` +
        `"stage_name":"6-Perdue","created_at":"2023-10-20T04:44:34.000Z","best_proposition":null}`,
    );
  });

  it('does not query the mart again until a pipeline run has finished', async function () {
    expect((await service.cache.refresh()).status).to.equal('unchanged');
    const newId = canonicalSalesforceId('0065q00000BqNew')!;
    await insertMartRows(warehouse, [{ ...sampleMartRow(), id: newId }]);
    expect((await service.cache.refresh()).status).to.equal('unchanged');
    await recordFinishedRun(warehouse, 'run-2');
    expect(await service.cache.refresh()).to.include({ status: 'loaded', rows: 2 });
    expect((await fetch(`${server.url}/?id=${newId}`)).status).to.equal(200);
  });
});

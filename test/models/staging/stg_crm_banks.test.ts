import { expect } from 'chai';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { buildModels, createRawCrm, failures, insertRaw, loadRealBanks } from '../support/crm-raw.js';

describe('staging.stg_crm_banks', function () {
  let warehouse: DuckDbWarehouse;
  beforeEach(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await createRawCrm(warehouse);
  });
  afterEach(async () => warehouse.close());

  it('keeps one row per bank id, the same name on several ids', async function () {
    await insertRaw(warehouse, 'banks', [
      { Id: 'b1', Name: 'CIC', CreatedDate: '2010-05-07 00:00:00' },
      { Id: 'b2', Name: 'CIC', CreatedDate: '2012-01-01 00:00:00' },
    ]);
    expect(failures(await buildModels(warehouse, { models: 'stg_crm_banks' }))).to.deep.equal([]);
    expect(
      await warehouse.query('SELECT bank_id, bank_name, created_at FROM staging.stg_crm_banks ORDER BY bank_id'),
    ).to.deep.equal([
      { bank_id: 'b1', bank_name: 'CIC', created_at: '2010-05-07T00:00:00.000Z' },
      { bank_id: 'b2', bank_name: 'CIC', created_at: '2012-01-01T00:00:00.000Z' },
    ]);
  });

  it('reconciles with the real banks export: 2,881 ids, 1,927 names', async function () {
    await loadRealBanks(warehouse);
    expect(failures(await buildModels(warehouse, { models: 'stg_crm_banks' }))).to.deep.equal([]);
    expect(
      await warehouse.query('SELECT COUNT(*) AS ids, COUNT(DISTINCT bank_name) AS names FROM staging.stg_crm_banks'),
    ).to.deep.equal([{ ids: 2881, names: 1927 }]);
  });
});

import { BigQueryWarehouse } from '../../../../pipelines/warehouse/bigquery/bigquery-warehouse.js';
import { emulatorOrSkip, type BigQueryEmulator } from '../../../support/bigquery-emulator.js';
import { describeWarehouseConformance } from '../../../support/warehouse-conformance.js';

// The same behaviour the DuckDB warehouse shows, through the real @google-cloud/bigquery client
// against the emulator.
let emulator: BigQueryEmulator | undefined;
describeWarehouseConformance(
  'bigquery (emulator)',
  async (context) => {
    emulator = await emulatorOrSkip(context);
    return BigQueryWarehouse.open({
      projectId: emulator.projectId,
      location: 'EU',
      datasetPrefix: 'conf_',
      apiEndpoint: emulator.endpoint,
      labels: {},
    });
  },
  async () => emulator?.stop(),
);

import { type BigQueryEmulator, emulatorOrSkip } from '../../support/bigquery-emulator.js';
import { describePipelineScenario } from './pipeline-scenario.js';

// The real @google-cloud/bigquery client against goccy/bigquery-emulator: datasets, load jobs, the
// commit scripts, models, state and the lookup, then the scenario again on DuckDB to compare rows.
describe('runPipeline on BigQuery (emulator): the whole scenario', function () {
  this.timeout(180_000);
  let emulator: BigQueryEmulator | undefined;
  describePipelineScenario({
    name: 'bigquery',
    compareWithDuckDb: true,
    async start(context) {
      emulator = await emulatorOrSkip(context);
      return {
        ELT_WAREHOUSE: 'bigquery',
        BIGQUERY_PROJECT: emulator.projectId,
        BIGQUERY_API_ENDPOINT: emulator.endpoint,
        BIGQUERY_DATASET_PREFIX: 'elt_',
      };
    },
    stop: async () => emulator?.stop(),
  });
});

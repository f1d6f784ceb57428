import { describePipelineScenario, duckDbEnv } from './pipeline-scenario.js';

describe('runPipeline on DuckDB: the whole scenario', function () {
  this.timeout(120_000);
  describePipelineScenario({
    name: 'duckdb',
    start: async (_context, inputs) => duckDbEnv(inputs, 'duckdb'),
    stop: async () => undefined,
  });
});

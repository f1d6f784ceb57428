import { randomBytes } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import { LAYERS } from '../../../pipelines/warehouse/types.js';
import { describePipelineScenario } from './pipeline-scenario.js';

/**
 * The whole scenario against real BigQuery, in temporary datasets dropped afterwards. Runs only when
 * BIGQUERY_PROJECT is set and Application Default Credentials are found; otherwise it is skipped and
 * says why. Never run against the emulator (BIGQUERY_API_ENDPOINT unset).
 */
describe('runPipeline on BigQuery (live): the whole scenario in a temporary dataset', function () {
  this.timeout(900_000);
  const project = process.env.BIGQUERY_PROJECT;
  const location = process.env.BIGQUERY_LOCATION ?? 'EU';
  const prefix = `elt_live_${randomBytes(4).toString('hex')}_`;

  describePipelineScenario({
    name: 'bigquery-live',
    compareWithDuckDb: true,
    async start(context) {
      const reason = await liveUnavailable(project);
      if (reason) {
        console.log(`      skipped: live BigQuery test: ${reason}`);
        context.skip();
      }
      return {
        ELT_WAREHOUSE: 'bigquery',
        BIGQUERY_PROJECT: project!,
        BIGQUERY_LOCATION: location,
        BIGQUERY_DATASET_PREFIX: prefix,
      };
    },
    async stop() {
      if (!project || (await liveUnavailable(project))) return;
      const client = new BigQuery({ projectId: project, location });
      for (const layer of LAYERS) {
        await client
          .dataset(`${prefix}${layer}`)
          .delete({ force: true })
          .catch(() => undefined);
      }
    },
  });
});

async function liveUnavailable(project: string | undefined): Promise<string | null> {
  if (!project) return 'BIGQUERY_PROJECT is not set (set it, with Application Default Credentials, to run it)';
  if (process.env.BIGQUERY_API_ENDPOINT) return 'BIGQUERY_API_ENDPOINT is set: that is an emulator, not the live service';
  try {
    const client = new BigQuery({ projectId: project });
    const token = await Promise.race([
      client.authClient.getAccessToken(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out after 10 s')), 10_000)),
    ]);
    return token ? null : 'no access token from Application Default Credentials';
  } catch (error) {
    return `no Application Default Credentials (${(error as Error).message.split('\n')[0]})`;
  }
}

import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import type { BigQueryConfig } from './bigquery-config.js';

/**
 * The BigQuery client. Against Google, credentials come from Application Default Credentials
 * (a service account attached to the runtime, or `gcloud auth application-default login` on a
 * workstation); no key is ever read from the repository. With `apiEndpoint` set (an emulator), no
 * credentials are looked for: requests carry a static bearer token, which the emulator ignores.
 */
export function createBigQueryClient(config: BigQueryConfig): BigQuery {
  const options: BigQueryOptions = { projectId: config.projectId, location: config.location };
  if (config.apiEndpoint) {
    options.apiEndpoint = config.apiEndpoint.replace(/\/+$/, '');
    options.authClient = emulatorAuthClient() as unknown as BigQueryOptions['authClient'];
  }
  return new BigQuery(options);
}

/** The part of an auth client that authorizing a request uses. */
function emulatorAuthClient(): { getRequestHeaders(): Promise<Headers> } {
  return { getRequestHeaders: async () => new Headers({ authorization: 'Bearer emulator' }) };
}

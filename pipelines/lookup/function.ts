import * as functions from '@google-cloud/functions-framework';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../core/logger.js';
import { createLookupService } from './lookup-service.js';

/**
 * Entry point `lookup` for @google-cloud/functions-framework (Cloud Functions, or Cloud Run from
 * source): `functions-framework --target=lookup --source=pipelines/lookup/function.ts` with
 * `NODE_OPTIONS='--import tsx'`. Configuration comes from the environment; the cache starts loading at
 * import, and a request arriving before the first load waits for it (up to 10 s) before a 503.
 */
const config = loadConfig();
const service = createLookupService(config, createLogger(config.logLevel, { pretty: false }));
void service.cache.start();

functions.http('lookup', service.handler);

export const lookup = service.handler;

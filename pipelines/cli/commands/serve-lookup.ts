import { InvalidArgumentError } from 'commander';
import { listenLookup } from '../../lookup/lookup-server.js';
import { createLookupService } from '../../lookup/lookup-service.js';
import type { RegisterCommand } from '../context.js';

export const registerServeLookup: RegisterCommand = (program, context) => {
  program
    .command('serve-lookup')
    .description('Serve one opportunity by id over HTTP, from marts.opportunity_lookup kept in memory')
    .option('--port <n>', 'port to listen on; 0 picks a free one (default: LOOKUP_PORT, 8080)', parsePort)
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .addHelpText(
      'after',
      `
Routes:
  GET /opportunities/{id}   the opportunity as JSON (id: 15- or 18-character Salesforce id)
  GET /?id={id}             the same, function style
  GET /healthz              200 once the data is loaded, else 503
Statuses: 200, 400 bad id, 401 missing/wrong API key, 404 unknown id or path, 405 other methods,
503 (Retry-After) while no data could be loaded yet.

The mart is read whole at start, then re-checked every LOOKUP_CACHE_TTL_SECONDS (default 300) and
reloaded when a pipeline run finished since; a DuckDB file is opened read-only only for that. If the
warehouse cannot be read, the previous data keeps being served.
Environment: LOOKUP_PORT, LOOKUP_API_KEY (x-api-key or Authorization: Bearer), LOOKUP_CACHE_TTL_SECONDS,
and the warehouse settings (ELT_WAREHOUSE, ELT_DUCKDB_PATH, BIGQUERY_*).
Runs until SIGTERM or SIGINT; exit code 0 after a clean shutdown, 1 if it cannot listen.`,
    )
    .action(async (flags: { port?: number; host: string }) => {
      const config = context.config();
      const logger = context.logger();
      const service = createLookupService(config, logger);
      const server = await listenLookup(service.handler, { port: flags.port ?? config.lookup.port, host: flags.host });
      process.stdout.write(`lookup listening on ${server.url}\n`);
      logger.info({ port: server.port, host: flags.host, apiKey: config.lookup.apiKey ? 'required' : 'off' }, 'lookup listening');
      void service.cache.start();
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'lookup shutting down');
          resolve();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      service.cache.stop();
      await server.close();
      context.setExitCode(0);
    });
};

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return port;
}

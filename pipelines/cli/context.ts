import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger, type Logger } from '../core/logger.js';

/**
 * What every command gets: configuration validated once at the entry point, and a logger. Commands are
 * thin doors: they parse flags, call the pipeline's pieces, and turn results into output and exit codes.
 */
export interface CliContext {
  config(): Config;
  logger(): Logger;
  /** Sets the process exit code (commands never call process.exit themselves). */
  setExitCode(code: number): void;
}

export type RegisterCommand = (program: Command, context: CliContext) => void;

export function createCliContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  let config: Config | undefined;
  let logger: Logger | undefined;
  return {
    config: () => (config ??= loadConfig(env)),
    logger: () => (logger ??= createLogger(config?.logLevel ?? env.LOG_LEVEL ?? 'info')),
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}

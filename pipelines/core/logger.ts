import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The pipeline's logger: JSON lines, or pretty lines on an interactive terminal. Personal data never
 * goes into a log: log ids, counts and field names, not values of user records.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', options: { pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? (Boolean(process.stderr.isTTY) && process.env.CI !== 'true');
  return pino(
    {
      level,
      base: { pipeline: 'mortgage-elt' },
      redact: {
        paths: ['*.email', '*.phone', '*.ip', '*.first_name', '*.last_name', '*.token', '*.authorization'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(pretty
        ? {
            transport: {
              target: 'pino-pretty',
              options: { destination: 2, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,pipeline' },
            },
          }
        : {}),
    },
    pretty ? undefined : pino.destination(2),
  );
}

/** A logger that writes nothing, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

import cliProgress from 'cli-progress';
import type { Logger } from '../../core/logger.js';

/** The phases of loading one file, and the share of the bar each ends at. */
export const PHASES = {
  scan: 0.25,
  parse: 0.8,
  stage: 0.9,
  commit: 1,
} as const;
export type Phase = keyof typeof PHASES;

/**
 * Progress of loading one file after another. On a terminal (stderr is a TTY) it draws a cli-progress
 * bar; otherwise it writes plain log lines: one when a file starts, then one every `everyMs` (phase
 * changes in between at debug level).
 */
export interface LoadProgress {
  start(file: string, bytes: number): void;
  /** `fraction` (0..1) of `phase` is done. */
  update(phase: Phase, fraction: number): void;
  stop(): void;
}

export interface ProgressOptions {
  logger: Logger;
  /** Where the bar is drawn; default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Force the bar (true) or log lines (false); default: bar when `stream` is a TTY. */
  bar?: boolean;
  everyMs?: number;
}

export function createLoadProgress(options: ProgressOptions): LoadProgress {
  const stream = options.stream ?? process.stderr;
  const useBar = options.bar ?? Boolean(stream.isTTY);
  return useBar ? new BarProgress(stream) : new LogProgress(options.logger, options.everyMs ?? 10_000);
}

function overall(phase: Phase, fraction: number): number {
  const names = Object.keys(PHASES) as Phase[];
  const index = names.indexOf(phase);
  const from = index === 0 ? 0 : PHASES[names[index - 1]!];
  return from + (PHASES[phase] - from) * Math.max(0, Math.min(1, fraction));
}

class BarProgress implements LoadProgress {
  readonly #bar: cliProgress.SingleBar;
  #active = false;

  constructor(stream: NodeJS.WriteStream) {
    this.#bar = new cliProgress.SingleBar(
      {
        stream,
        format: '{file} [{bar}] {percentage}% | {phase} | {duration_formatted}',
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(file: string, bytes: number): void {
    this.#bar.start(100, 0, { file, phase: `scan ${formatBytes(bytes)}` });
    this.#active = true;
  }

  update(phase: Phase, fraction: number): void {
    if (this.#active) this.#bar.update(Math.round(overall(phase, fraction) * 100), { phase });
  }

  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#bar.stop();
  }
}

class LogProgress implements LoadProgress {
  readonly #logger: Logger;
  readonly #everyMs: number;
  #file = '';
  #phase: Phase | undefined;
  #last = 0;

  constructor(logger: Logger, everyMs: number) {
    this.#logger = logger;
    this.#everyMs = everyMs;
  }

  start(file: string, bytes: number): void {
    this.#file = file;
    this.#phase = undefined;
    this.#last = Date.now();
    this.#logger.info({ file, bytes }, 'loading file');
  }

  update(phase: Phase, fraction: number): void {
    const now = Date.now();
    const due = now - this.#last >= this.#everyMs;
    if (phase === this.#phase && !due) return;
    this.#phase = phase;
    if (due) this.#last = now;
    // A short load stays quiet at info level; a long one says where it is every `everyMs`.
    this.#logger[due ? 'info' : 'debug'](
      { file: this.#file, phase, percent: Math.round(overall(phase, fraction) * 100) },
      'loading file: progress',
    );
  }

  stop(): void {
    this.#phase = undefined;
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MB`;
  return `${Math.ceil(bytes / 1024)} kB`;
}

import { PassThrough, Writable } from 'node:stream';
import { expect } from 'chai';
import pino from 'pino';
import { createLoadProgress } from '../../../../pipelines/extract/csv/load-progress.js';

function capture(): { logger: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    logger: pino({ level: 'info' }, sink),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('load progress', function () {
  it('writes plain log lines when stderr is not a terminal: every interval at info, phase changes at debug', function () {
    const { logger, lines } = capture();
    logger.level = 'debug';
    const stream = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    const quiet = createLoadProgress({ logger, stream, everyMs: 60_000 });
    quiet.start('opportunity_2026-11-29.csv', 70_000_000);
    quiet.update('scan', 0.1);
    quiet.update('scan', 0.5);
    quiet.update('parse', 0.5);
    quiet.update('commit', 1);
    quiet.stop();
    expect(lines().map((l) => [l.level, l.msg, l.phase, l.percent])).to.deep.equal([
      [30, 'loading file', undefined, undefined],
      [20, 'loading file: progress', 'scan', 3],
      [20, 'loading file: progress', 'parse', 53],
      [20, 'loading file: progress', 'commit', 100],
    ]);
    expect(lines().every((l) => l.file === 'opportunity_2026-11-29.csv')).to.equal(true);

    const chatty = createLoadProgress({ logger, stream, everyMs: 0 });
    chatty.start('banques.csv', 10);
    chatty.update('scan', 0.5);
    chatty.update('scan', 1);
    expect(
      lines()
        .slice(-3)
        .map((l) => [l.level, l.percent]),
    ).to.deep.equal([
      [30, undefined],
      [30, 13],
      [30, 25],
    ]);
  });

  it('draws a cli-progress bar when stderr is a terminal', function () {
    const { logger, lines } = capture();
    const out: string[] = [];
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 }) as unknown as NodeJS.WriteStream;
    stream.on('data', (d: Buffer) => out.push(String(d)));
    const progress = createLoadProgress({ logger, stream });
    progress.start('banques.csv', 2048);
    progress.update('parse', 1);
    progress.update('commit', 1);
    progress.stop();
    const text = out.join('');
    expect(text).to.contain('banques.csv');
    expect(text).to.contain('100%');
    expect(text).to.contain('commit');
    expect(lines()).to.deep.equal([]);
  });
});

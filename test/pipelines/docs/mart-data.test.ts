import { expect } from 'chai';
import { ago, formatTime } from '../../../pipelines/docs/layout.js';
import {
  columnKind,
  dailyShape,
  FUNNEL_GROUPS,
  isoDate,
  timeColumn,
  toNumber,
  TRAFFIC_GROUPS,
} from '../../../pipelines/docs/mart-data.js';
import type { TableInfo } from '../../../pipelines/warehouse/types.js';

const info = (columns: Array<[string, string]>): TableInfo => ({
  ref: { layer: 'marts', name: 't' },
  columns: columns.map(([name, type]) => ({ name, type })),
  rows: 1,
});

describe('docs mart data', function () {
  it('reads column types as either engine names them', function () {
    expect(['BIGINT', 'INT64', 'DOUBLE', 'FLOAT64', 'DECIMAL(18,3)', 'HUGEINT'].map(columnKind)).to.deep.equal(
      Array(6).fill('number'),
    );
    expect(['DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'DATETIME'].map(columnKind)).to.deep.equal(Array(4).fill('time'));
    expect(['VARCHAR', 'STRING'].map(columnKind)).to.deep.equal(['text', 'text']);
    expect([columnKind('BOOLEAN'), columnKind('JSON')]).to.deep.equal(['bool', 'other']);
  });

  it('picks the time column by name preference among DATE and TIMESTAMP columns', function () {
    expect(
      timeColumn(
        info([
          ['_loaded_at', 'TIMESTAMP'],
          ['day', 'DATE'],
        ]).columns,
      ),
    ).to.equal('day');
    expect(
      timeColumn(
        info([
          ['created_at', 'TIMESTAMP'],
          ['id', 'VARCHAR'],
        ]).columns,
      ),
    ).to.equal('created_at');
    expect(timeColumn(info([['id', 'VARCHAR']]).columns)).to.equal(undefined);
  });

  it('finds a daily mart’s date, grouping column and counts, leaving rates out', function () {
    const funnel = info([
      ['day', 'DATE'],
      ['channel', 'VARCHAR'],
      ['sessions', 'BIGINT'],
      ['leads', 'BIGINT'],
      ['lead_rate', 'DOUBLE'],
      ['conversion_pct', 'DOUBLE'],
    ]);
    expect(dailyShape(funnel, FUNNEL_GROUPS)).to.deep.equal({ date: 'day', group: 'channel', counts: ['sessions', 'leads'] });
    const traffic = info([
      ['day', 'DATE'],
      ['page_title', 'VARCHAR'],
      ['page_path', 'VARCHAR'],
      ['page_views', 'BIGINT'],
    ]);
    expect(dailyShape(traffic, TRAFFIC_GROUPS)!.group).to.equal('page_path');
    expect(
      dailyShape(
        info([
          ['channel', 'VARCHAR'],
          ['n', 'BIGINT'],
        ]),
        FUNNEL_GROUPS,
      ),
    ).to.equal(null);
    expect(
      dailyShape(
        info([
          ['day', 'DATE'],
          ['share', 'DOUBLE'],
        ]),
        FUNNEL_GROUPS,
      ),
    ).to.equal(null);
  });

  it('reads values as the warehouses return them', function () {
    expect([toNumber(3), toNumber('12345678901234567890'), toNumber(null), toNumber('x')]).to.deep.equal([
      3,
      12345678901234567000,
      null,
      null,
    ]);
    expect([
      isoDate('2024-03-01'),
      isoDate('2024-03-01T10:00:00Z'),
      isoDate({ value: '2024-03-02' }),
      isoDate(null),
    ]).to.deep.equal(['2024-03-01', '2024-03-01', '2024-03-02', null]);
  });

  it('writes times in UTC and ages in words', function () {
    const now = new Date('2024-03-15T09:05:00Z');
    expect(formatTime('2024-03-15T06:05:00.000Z')).to.equal('2024-03-15 06:05 UTC');
    expect(formatTime('2024-03-15 06:05:00')).to.equal('2024-03-15 06:05 UTC');
    expect(formatTime('2024-03-14')).to.equal('2024-03-14');
    expect(ago('2024-03-15T06:05:00Z', now)).to.equal('3 h ago');
    expect(ago('2024-03-15T09:00:00Z', now)).to.equal('5 min ago');
    expect(ago('2024-03-10T09:05:00Z', now)).to.equal('5 d ago');
    expect([ago('2024-03-15', now), ago('2024-03-14', now), ago('2024-03-01', now)]).to.deep.equal([
      'today',
      'yesterday',
      '14 d ago',
    ]);
  });
});

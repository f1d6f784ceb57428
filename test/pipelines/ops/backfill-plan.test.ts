import { expect } from 'chai';
import { ConfigError } from '../../../pipelines/core/errors.js';
import { planBackfill } from '../../../pipelines/ops/backfill-plan.js';

const now = new Date('2026-11-29T12:00:00Z');
const models = ['stg_mkt_events', 'fct_events', 'best_proposition'];

describe('planBackfill', function () {
  it('cuts a short window into whole hours and a long one into UTC days', function () {
    const hours = planBackfill({ from: '2026-11-28T22:30:00Z', to: '2026-11-29T01:00:00Z', streams: ['events'] }, models, now);
    expect(hours.granularity).to.equal('hour');
    expect(hours.partitions.map((p) => p.from)).to.deep.equal([
      '2026-11-28T22:30:00.000Z',
      '2026-11-28T23:00:00.000Z',
      '2026-11-29T00:00:00.000Z',
    ]);
    expect(hours.dates).to.deep.equal(['2026-11-28', '2026-11-29']);
    const days = planBackfill({ from: '2026-11-20', to: '2026-11-25', streams: ['events', 'users'] }, models, now);
    expect(days.granularity).to.equal('day');
    expect(days.partitions).to.have.length(10);
    expect(days.partitions[0]).to.deep.equal({
      stream: 'events',
      from: '2026-11-20T00:00:00.000Z',
      to: '2026-11-21T00:00:00.000Z',
    });
  });

  it('defaults to the API streams and keeps crm as one partition', function () {
    expect(planBackfill({ from: '2026-11-28', to: '2026-11-29' }, models, now).streams).to.deep.equal(['events', 'users']);
    const crm = planBackfill({ from: '2026-11-01', to: '2026-11-29', streams: ['crm'] }, models, now);
    expect(crm.partitions).to.deep.equal([{ stream: 'crm', from: '2026-11-01T00:00:00.000Z', to: '2026-11-29T00:00:00.000Z' }]);
  });

  const refusals: Array<[string, Parameters<typeof planBackfill>[0], RegExp]> = [
    ['from not before to', { from: '2026-11-29', to: '2026-11-28' }, /--from must be before --to/],
    ['from equal to to', { from: '2026-11-28', to: '2026-11-28' }, /--from must be before --to/],
    ['a window in the future', { from: '2026-11-29', to: '2026-11-30' }, /ends in the future/],
    ['a window outside retention', { from: '2026-08-01', to: '2026-08-02' }, /90-day retention/],
    ['an unknown stream', { from: '2026-11-28', to: '2026-11-29', streams: ['clicks'] }, /unknown stream "clicks"/],
    ['an unknown model', { from: '2026-11-28', to: '2026-11-29', models: ['fct_clicks+'] }, /unknown model "fct_clicks"/],
    ['a date-time without a zone', { from: '2026-11-28T10:00:00', to: '2026-11-29' }, /--from must be a date/],
  ];
  for (const [what, request, message] of refusals) {
    it(`refuses ${what}, saying why`, function () {
      expect(() => planBackfill(request, models, now)).to.throw(ConfigError, message);
    });
  }

  it('lets crm backfill reach before the API retention', function () {
    expect(planBackfill({ from: '2026-01-01', to: '2026-02-01', streams: ['crm'] }, models, now).partitions).to.have.length(1);
  });
});

import { expect } from 'chai';
import { jobLabels, labelKey, labelValue, sanitizeLabels } from '../../../../pipelines/warehouse/bigquery/bigquery-labels.js';

describe('BigQuery labels', function () {
  it('keeps only lowercase letters, digits, _ and -, at most 63 characters', function () {
    expect(labelValue('Run 2026-11-29T10:00Z/é')).to.equal('run_2026-11-29t10_00z__');
    expect(labelValue('x'.repeat(80))).to.have.length(63);
    expect(labelValue('')).to.equal('');
  });

  it('makes keys start with a letter', function () {
    expect(labelKey('2fa')).to.equal('k_2fa');
    expect(labelKey('_x')).to.equal('k__x');
    expect(labelKey('Domain')).to.equal('domain');
  });

  it('merges label sets, later sets winning, skipping undefined values, at most 64 labels', function () {
    expect(sanitizeLabels({ A: '1', b: '2' }, { a: '3', c: undefined })).to.deep.equal({ a: '3', b: '2' });
    const many = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, 'v']));
    expect(Object.keys(sanitizeLabels(many))).to.have.length(64);
  });

  it('labels a job with the pipeline, the run, the step and the relation', function () {
    expect(
      jobLabels(
        { env: 'Prod' },
        { runId: '20261129T203100Z-1a2b3c4d', step: 'load', table: 'raw.opportunities', model: 'fct' },
        { operation: 'commit' },
      ),
    ).to.deep.equal({
      env: 'prod',
      pipeline: 'mortgage-elt',
      run_id: '20261129t203100z-1a2b3c4d',
      step: 'load',
      table: 'raw_opportunities',
      model: 'fct',
      operation: 'commit',
    });
  });
});

import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../../pipelines/core/errors.js';
import {
  MAX_OPPORTUNITIES,
  opportunityCount,
  opportunityIdAt,
  salesforceId,
  withChecksum,
} from '../../../pipelines/generate/ids.js';
import { readCsv, REAL_DIR } from './csv-files.js';

describe('generate/ids', function () {
  it('computes the Salesforce checksum of every id of the real files', function () {
    const ids = [
      ...readCsv(join(REAL_DIR, 'banques.csv')).records.map((r) => r[0] as string),
      ...readCsv(join(REAL_DIR, 'opportunities_sample.csv')).records.flatMap((r) => [
        r[0] as string,
        r[10] as string,
        r[32] as string,
      ]),
    ];
    expect(ids).to.have.length(2881 + 27);
    for (const id of ids) expect(withChecksum(id.slice(0, 15)), id).to.equal(id);
  });

  it('maps scales to opportunity counts and rejects anything else naming the parameter', function () {
    expect(opportunityCount('small')).to.equal(2_000);
    expect(opportunityCount('medium')).to.equal(20_000);
    expect(opportunityCount('real')).to.equal(174_000);
    expect(opportunityCount('1234')).to.equal(1234);
    for (const bad of ['0', '-5', '1.5', 'huge', '', String(MAX_OPPORTUNITIES + 1)]) {
      expect(() => opportunityCount(bad), bad)
        .to.throw(ConfigError, /scale/)
        .with.property('context')
        .that.deep.includes({ field: 'scale' });
    }
  });

  it('gives unique, increasing, well-formed opportunity ids, the same for the same seed', function () {
    let previous = '';
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const id = opportunityIdAt(42, i);
      expect(id).to.match(/^0065q0000[0-9A-Za-z]{6}[A-Z0-5]{3}$/);
      expect(id > previous, `${id} after ${previous}`).to.equal(true);
      seen.add(id);
      previous = id;
    }
    expect(seen.size).to.equal(50_000);
    expect(opportunityIdAt(42, 123)).to.equal(opportunityIdAt(42, 123));
    expect(opportunityIdAt(43, 123)).to.not.equal(opportunityIdAt(42, 123));
    expect(withChecksum(opportunityIdAt(7, 999).slice(0, 15))).to.equal(opportunityIdAt(7, 999));
  });

  it('keeps ids inside their body for the largest index it accepts, and rejects bad indices', function () {
    expect(opportunityIdAt(-1, 3 * MAX_OPPORTUNITIES - 1)).to.match(/^0065q00000/);
    expect(() => opportunityIdAt(42, -1)).to.throw(ConfigError, /index/);
    expect(() => opportunityIdAt(42, 1.5)).to.throw(ConfigError, /index/);
    expect(() => opportunityIdAt(42, 3 * MAX_OPPORTUNITIES)).to.throw(ConfigError, /index/);
    expect(() => opportunityIdAt(0.5, 1)).to.throw(ConfigError, /seed/);
  });

  it('writes serials in base 62 after a 9-character prefix', function () {
    expect(salesforceId('001200000', 0)).to.equal(withChecksum('001200000000000'));
    expect(salesforceId('001200000', 62)).to.equal(withChecksum('001200000000010'));
    expect(salesforceId('001200000', 62 ** 6 - 1)).to.equal(withChecksum('001200000zzzzzz'));
    expect(() => salesforceId('001200000', 62 ** 6)).to.throw(/out of range/);
  });
});

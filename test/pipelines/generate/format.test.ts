import { expect } from 'chai';
import { flag, float, timestamp } from '../../../pipelines/generate/format.js';

describe('generate/format', function () {
  it('writes numbers as floats, whole ones with .0, as the real export does', function () {
    expect(float(33)).to.equal('33.0');
    expect(float(235055)).to.equal('235055.0');
    expect(float(5.04)).to.equal('5.04');
    expect(float(-2.14)).to.equal('-2.14');
    expect(float(1.9864, 3)).to.equal('1.986');
    expect(float(4044.399999, 2)).to.equal('4044.4');
    expect(float(0.1 + 0.2, 2)).to.equal('0.3');
    expect(float(-0.001, 2)).to.equal('0.0');
    expect(() => float(Number.NaN)).to.throw(/not finite/);
  });

  it('writes flags as 0/1 and timestamps as YYYY-MM-DD HH:MM:SS in UTC', function () {
    expect(flag(true)).to.equal('1');
    expect(flag(false)).to.equal('0');
    expect(timestamp(Date.UTC(2023, 9, 20, 4, 44, 34) / 1000)).to.equal('2023-10-20 04:44:34');
    expect(timestamp(Date.UTC(2023, 9, 20, 4, 44, 34) / 1000 + 0.9)).to.equal('2023-10-20 04:44:34');
  });
});

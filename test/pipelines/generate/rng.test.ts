import { expect } from 'chai';
import { hash32, Rng, Weighted } from '../../../pipelines/generate/rng.js';

describe('generate/rng', function () {
  it('gives the same sequence for the same keys and another for other keys', function () {
    const draw = (...keys: number[]) => {
      const rng = new Rng(...keys);
      return Array.from({ length: 20 }, () => rng.uint32());
    };
    expect(draw(42, 1, 7)).to.deep.equal(draw(42, 1, 7));
    expect(draw(42, 1, 7)).to.not.deep.equal(draw(42, 1, 8));
    expect(draw(42, 1, 7)).to.not.deep.equal(draw(-42, 1, 7));
    expect(draw(2 ** 40)).to.not.deep.equal(draw(0));
    expect(hash32(1, 2)).to.equal(hash32(1, 2)).and.not.equal(hash32(2, 1));
  });

  it('draws floats in [0, 1) with a flat distribution, and integers within bounds', function () {
    const rng = new Rng(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = rng.float();
      expect(x >= 0 && x < 1).to.equal(true);
      buckets[Math.floor(x * 10)]! += 1;
    }
    for (const count of buckets) expect(count).to.be.within(9_500, 10_500);
    for (let i = 0; i < 1000; i++) expect(rng.int(3, 5)).to.be.within(3, 5);
  });

  it('samples a weighted list in proportion to its weights', function () {
    const weighted = new Weighted<string>([
      ['a', 70],
      ['b', 25],
      ['c', 5],
      ['never', 0],
    ]);
    const rng = new Rng(9);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) {
      const value = weighted.sample(rng);
      counts[value] = (counts[value] ?? 0) + 1;
    }
    expect(counts.a! / 100_000).to.be.closeTo(0.7, 0.01);
    expect(counts.b! / 100_000).to.be.closeTo(0.25, 0.01);
    expect(counts.c! / 100_000).to.be.closeTo(0.05, 0.005);
    expect(counts.never).to.equal(undefined);
    expect(weighted.share('b')).to.equal(0.25);
    expect(() => new Weighted([])).to.throw(/at least one/);
  });
});

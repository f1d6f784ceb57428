import { expect } from 'chai';
import { ConfigError } from '../../../pipelines/core/errors.js';
import { ancestors, descendants, selectModels, topologicalOrder } from '../../../pipelines/transform/dag.js';

const nodes = [
  { name: 'mart_b', dependsOn: ['stg_x', 'stg_y'] },
  { name: 'stg_y', dependsOn: [] },
  { name: 'mart_a', dependsOn: ['stg_x'] },
  { name: 'stg_x', dependsOn: [] },
  { name: 'report', dependsOn: ['mart_a', 'mart_b'] },
];

describe('transform DAG', function () {
  it('orders every model after its dependencies, alphabetically among the free ones', function () {
    expect(topologicalOrder(nodes)).to.deep.equal(['stg_x', 'mart_a', 'stg_y', 'mart_b', 'report']);
  });

  it('names the cycle when there is one', function () {
    const cyclic = [
      { name: 'a', dependsOn: ['c'] },
      { name: 'b', dependsOn: ['a'] },
      { name: 'c', dependsOn: ['b'] },
      { name: 'd', dependsOn: [] },
    ];
    expect(() => topologicalOrder(cyclic)).to.throw(/cycle in model dependencies: a -> c -> b -> a/);
  });

  it('finds what is downstream and upstream of a model', function () {
    expect([...descendants(nodes, 'stg_x')].sort()).to.deep.equal(['mart_a', 'mart_b', 'report']);
    expect([...ancestors(nodes, 'report')].sort()).to.deep.equal(['mart_a', 'mart_b', 'stg_x', 'stg_y']);
  });

  it('selects models by name, with + for downstream or upstream', function () {
    expect([...selectModels(nodes, undefined)].sort()).to.have.length(5);
    expect([...selectModels(nodes, 'mart_a')]).to.deep.equal(['mart_a']);
    expect([...selectModels(nodes, 'stg_y+')].sort()).to.deep.equal(['mart_b', 'report', 'stg_y']);
    expect([...selectModels(nodes, '+mart_a')].sort()).to.deep.equal(['mart_a', 'stg_x']);
    expect([...selectModels(nodes, ['marts.mart_a', ' stg_y '])].sort()).to.deep.equal(['mart_a', 'stg_y']);
  });

  it('rejects an unknown model in a selection, listing the known ones', function () {
    expect(() => selectModels(nodes, 'mart_a,nope+'))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/unknown model 'nope' \(known: mart_a, mart_b, report, stg_x, stg_y\)/);
  });
});

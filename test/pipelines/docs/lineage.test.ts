import { expect } from 'chai';
import { layoutLineage, lineageGraph, neighbourhood, renderLineageSvg } from '../../../pipelines/docs/lineage.js';
import { fixtureModels, fixtureSources, HOSTILE } from './support/docs-fixture.js';

const NODE_HEIGHT = 30;

describe('docs lineage', function () {
  const graph = lineageGraph(fixtureModels(), fixtureSources());

  it('has a node per source and model and an edge per dependency', function () {
    expect(graph.nodes.map((n) => n.id).sort()).to.deep.equal([
      'marts.borrower_profile',
      'marts.borrower_profile_distribution',
      'marts.funnel_daily',
      'marts.traffic_daily',
      'raw.crm_opportunities',
      'raw.mkt_events',
      'staging.stg_crm_opportunities',
      'staging.stg_mkt_events',
    ]);
    expect(graph.edges).to.have.length(7);
    expect(graph.edges).to.deep.include({ from: 'marts.borrower_profile_distribution', to: 'marts.borrower_profile' });
    expect(graph.nodes.find((n) => n.id === 'raw.mkt_events')!.href).to.equal('sources.html#raw.mkt_events');
    expect(graph.nodes.find((n) => n.id === 'marts.funnel_daily')!.href).to.equal('marts.funnel_daily.html');
  });

  it('lays raw, staging and marts out left to right, a mart reading a mart further right, boxes never overlapping', function () {
    const layout = layoutLineage(graph);
    const x = (id: string): number => layout.nodes.find((n) => n.id === id)!.x;
    expect(x('raw.crm_opportunities')).to.equal(x('raw.mkt_events'));
    expect(x('staging.stg_crm_opportunities')).to.be.greaterThan(x('raw.crm_opportunities'));
    expect(x('marts.funnel_daily')).to.be.greaterThan(x('staging.stg_mkt_events'));
    expect(x('marts.borrower_profile')).to.be.greaterThan(x('marts.borrower_profile_distribution'));
    expect(layout.columns.map((c) => c.label)).to.deep.equal(['raw', 'staging', 'marts', 'marts']);
    for (const a of layout.nodes) {
      expect(a.x + a.width).to.be.at.most(layout.width);
      expect(a.y + NODE_HEIGHT).to.be.at.most(layout.height);
      for (const b of layout.nodes) {
        if (a === b) continue;
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + NODE_HEIGHT <= b.y || b.y + NODE_HEIGHT <= a.y;
        expect(apart, `${a.id} overlaps ${b.id}`).to.equal(true);
      }
    }
  });

  it('routes an edge that skips a column between the boxes of that column, from box edge to box edge', function () {
    const layout = layoutLineage(graph);
    const box = (id: string) => layout.nodes.find((n) => n.id === id)!;
    const edge = layout.edges.find((e) => e.from === 'staging.stg_crm_opportunities' && e.to === 'marts.borrower_profile')!;
    const from = box(edge.from);
    const to = box(edge.to);
    expect(edge.points[0]).to.deep.equal({ x: from.x + from.width, y: from.y + NODE_HEIGHT / 2 });
    expect(edge.points.at(-1)).to.deep.equal({ x: to.x - 1, y: to.y + NODE_HEIGHT / 2 });
    expect(edge.points).to.have.length(4);
    const crossed = layout.nodes.filter((n) => n.column === box('marts.borrower_profile_distribution').column);
    const laneY = edge.points[1]!.y;
    expect(edge.points[2]!.y).to.equal(laneY);
    for (const n of crossed) expect(laneY < n.y || laneY > n.y + NODE_HEIGHT, `lane crosses ${n.id}`).to.equal(true);
  });

  it('keeps only what a model reads and what reads it in its neighbourhood', function () {
    const local = neighbourhood(graph, 'marts.funnel_daily');
    expect(local.nodes.map((n) => n.id).sort()).to.deep.equal(['marts.funnel_daily', 'raw.mkt_events', 'staging.stg_mkt_events']);
    expect(neighbourhood(graph, 'marts.borrower_profile_distribution').nodes.map((n) => n.id)).to.include(
      'marts.borrower_profile',
    );
  });

  it('draws linked boxes with escaped labels and tooltips; an undocumented relation is a plain box', function () {
    const models = fixtureModels();
    models[0]!.dependsOn.push('staging.stg_not_documented');
    const svg = renderLineageSvg(lineageGraph(models, fixtureSources()), { highlight: 'marts.funnel_daily' });
    expect(svg).to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).to.contain('<a class="node" data-node="marts.funnel_daily" data-layer="marts" href="marts.funnel_daily.html"');
    expect(svg).to.contain('<g class="node" data-node="staging.stg_not_documented"');
    expect(svg).not.to.contain(HOSTILE);
    expect(svg).to.contain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(svg.match(/<path data-edge=/g)).to.have.length(8);
    expect(svg).to.match(/data-edge="staging\.stg_mkt_events-&gt;marts\.funnel_daily"[^>]*stroke="#333"/);
  });
});

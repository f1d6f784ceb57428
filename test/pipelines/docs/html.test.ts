import { expect } from 'chai';
import { escapeHtml, markup, pageFile, prose, raw } from '../../../pipelines/docs/html.js';

describe('docs html', function () {
  it('escapes every interpolated value, in text and in attributes', function () {
    const hostile = `<script>alert("x")</script> & 'quoted'`;
    const out = markup`<p title="${hostile}">${hostile}</p>`.value;
    expect(out).to.equal(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;</p>',
    );
  });

  it('passes nested html and raw markup through, joins arrays, drops null, undefined and false', function () {
    const items = ['a<b', 'c'].map((x) => markup`<li>${x}</li>`);
    expect(markup`<ul>${items}</ul>${null}${undefined}${false}${raw('<svg></svg>')}${0}`.value).to.equal(
      '<ul><li>a&lt;b</li><li>c</li></ul><svg></svg>0',
    );
  });

  it('shows `backquoted` spans of descriptions as code, after escaping', function () {
    expect(prose('the `Id` of <b>`x<y`</b>').value).to.equal('the <code>Id</code> of &lt;b&gt;<code>x&lt;y</code>&lt;/b&gt;');
    expect(escapeHtml('`a`')).to.equal('`a`');
  });

  it('names model pages by layer and name, with nothing unsafe in the file name', function () {
    expect(pageFile('marts', 'best_proposition')).to.equal('marts.best_proposition.html');
    expect(pageFile('marts', '../x y')).to.equal('marts..._x_y.html');
  });
});

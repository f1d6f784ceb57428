import { expect } from 'chai';
import { paramNames, rewriteParams, withoutComments } from '../../../pipelines/warehouse/sql-params.js';

describe('SQL parameter references', function () {
  const sql = `-- the device's key (@not_a_param)
SELECT @a AS a, '@b -- not a comment' AS text, \`@c\` /* @d's */ , x@e, @f_2 -- @g
FROM t WHERE y = @a`;

  it('finds @name outside string literals, quoted identifiers and comments, in order of first use', function () {
    expect(paramNames(sql)).to.deep.equal(['a', 'f_2']);
  });

  it('renames them and leaves everything else as it is', function () {
    expect(rewriteParams(sql, (name) => `$${name}`)).to.equal(sql.replace(/@a\b/g, '$a').replace('@f_2', '$f_2'));
  });

  it('removes comments, keeping string literals, quoted identifiers and line breaks', function () {
    expect(withoutComments(sql)).to.equal(`
SELECT @a AS a, '@b -- not a comment' AS text, \`@c\`   , x@e, @f_2 
FROM t WHERE y = @a`);
  });
});

import { expect } from 'chai';
import { rawPage, rawRecords } from '../../../../pipelines/extract/api/raw-records.js';

describe('rawRecords (the text of each record of a page, as served)', function () {
  it('cuts the data array into its elements, whatever the key order, spacing and string content', function () {
    const records = [
      { message_id: 'a', context: { page: { title: 'Taux "fixe" [2026] {promo}' } }, n: [1, [2, { x: '\\' }]] },
      { message_id: 'b\\"', properties: {}, big: 1.5e300, empty: [] },
      { message_id: 'c', text: 'ends with a backslash \\' },
    ];
    const compact = `{"next_cursor":"abc","data":${JSON.stringify(records)}}`;
    const pretty = JSON.stringify({ meta: { data: [9] }, data: records, next_cursor: null }, null, 2);
    for (const body of [compact, pretty]) {
      const raws = rawRecords(body);
      expect(raws, body.slice(0, 40)).to.have.length(3);
      expect(raws!.map((r) => JSON.parse(r) as unknown)).to.deep.equal(JSON.parse(body).data);
    }
  });

  it('keeps numbers exactly as written', function () {
    const raws = rawRecords('{"data":[{"amount":250000.50,"id":9007199254740993}],"next_cursor":null}');
    expect(raws).to.deep.equal(['{"amount":250000.50,"id":9007199254740993}']);
  });

  it('handles an empty page and says when the body has no data array', function () {
    expect(rawRecords('{"data":[],"next_cursor":null}')).to.deep.equal([]);
    expect(rawRecords('{"items":[],"next_cursor":null}')).to.equal(null);
    expect(rawRecords('[1,2]')).to.equal(null);
  });

  it('cuts the chosen top-level members of each record as served, in the same scan', function () {
    const body =
      '{"next_cursor":null,"data":[' +
      '{"message_id":"a","properties":{"amount":250000.50,"note":"x\\"}"},"context":{"page":{"title":"Taux \\"fixe\\" {promo}"},"properties":1}},' +
      '{ "context" : [1, {"a": "}"}] , "message_id":"b" },' +
      '{"contex\\u0074":{"escaped":true},"properties":{"first":1},"properties":{"last":2}},' +
      '"not an object",' +
      '{}]}';
    const page = rawPage(body, ['properties', 'context']);
    expect(page?.records.map((r) => JSON.parse(r) as unknown)).to.deep.equal((JSON.parse(body) as { data: unknown[] }).data);
    expect(page?.members).to.deep.equal([
      ['{"amount":250000.50,"note":"x\\"}"}', '{"page":{"title":"Taux \\"fixe\\" {promo}"},"properties":1}'],
      [undefined, '[1, {"a": "}"}]'],
      // A key spelled with escapes is not recognized (its value is serialized instead); the last of a repeated key wins.
      ['{"last":2}', undefined],
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect(rawPage(body, [])?.members).to.deep.equal([]);
  });
});

import { expect } from 'chai';
import { canonicalSalesforceId, isSalesforceId } from '../../../pipelines/lookup/salesforce-id.js';

describe('salesforce-id', function () {
  it('accepts 15- and 18-character alphanumeric ids only', function () {
    expect(isSalesforceId('0065q00000AlAK0AAN')).to.equal(true);
    expect(isSalesforceId('0065q00000AlAK0')).to.equal(true);
    for (const bad of [
      '',
      '0065q00000AlAK',
      '0065q00000AlAK0A',
      '0065q00000AlAK0AA',
      '0065q00000AlAK0AAN1',
      '0065q00000AlAK0-AN',
      '0065q00000AlAK0AA\n',
      "0065q00000AlAK0'OR",
    ]) {
      expect(isSalesforceId(bad), JSON.stringify(bad)).to.equal(false);
    }
  });

  it('appends the checksum to a 15-character id (the real sample: AlAK0 -> AAN)', function () {
    expect(canonicalSalesforceId('0065q00000AlAK0')).to.equal('0065q00000AlAK0AAN');
  });

  it('restores the case of an 18-character id from its checksum', function () {
    expect(canonicalSalesforceId('0065Q00000ALAK0AAN')).to.equal('0065q00000AlAK0AAN');
    expect(canonicalSalesforceId('0065q00000alak0aan')).to.equal('0065q00000AlAK0AAN');
  });

  it('rejects an 18-character id whose checksum cannot match its characters', function () {
    // Checksum "B" on the first chunk marks its first character as upper case, but it is a digit.
    expect(canonicalSalesforceId('0065q00000AlAK0BAN')).to.equal(null);
    expect(canonicalSalesforceId('not-an-id')).to.equal(null);
  });
});

const ID_PATTERN = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** True for a 15- or 18-character Salesforce id: letters and digits only. */
export function isSalesforceId(text: string): boolean {
  return ID_PATTERN.test(text);
}

/**
 * The 18-character form of a valid id, as Salesforce stores it: a 15-character (case-sensitive) id gets
 * its checksum appended; an 18-character id, which Salesforce treats as case-insensitive, gets the case
 * of its first 15 characters restored from its checksum. Returns null when an 18-character id's
 * checksum does not match its characters (it names no record).
 */
export function canonicalSalesforceId(id: string): string | null {
  if (!isSalesforceId(id)) return null;
  if (id.length === 15) return id + salesforceChecksum(id);
  const suffix = id.slice(15).toUpperCase();
  let body = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = CHECKSUM_ALPHABET.indexOf(suffix[chunk]!);
    if (bits < 0) return null;
    for (let i = 0; i < 5; i++) {
      const c = id[chunk * 5 + i]!;
      body += bits & (1 << i) ? c.toUpperCase() : c.toLowerCase();
    }
  }
  const canonical = body + salesforceChecksum(body);
  return canonical.slice(15) === suffix ? canonical : null;
}

/** Salesforce's 3-character checksum of a 15-character id: per 5 characters, a bit per upper-case letter. */
export function salesforceChecksum(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET[bits];
  }
  return suffix;
}

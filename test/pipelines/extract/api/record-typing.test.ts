import { expect } from 'chai';
import { typeEvent } from '../../../../pipelines/extract/api/event-row.js';
import { MKT_EVENTS, MKT_USERS } from '../../../../pipelines/extract/api/marketing-tables.js';
import { typeUser } from '../../../../pipelines/extract/api/user-row.js';

const stamp = { loadId: 'load-1', loadedAt: '2026-03-15T12:00:00.000Z' };

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    message_id: 'm-1',
    type: 'track',
    event: 'Lead Submitted',
    name: null,
    user_id: 'usr_1',
    anonymous_id: 'a-1',
    timestamp: '2026-03-10T08:00:00.000Z',
    received_at: '2026-03-10T08:00:01.250+01:00',
    context: {
      ip: '10.0.0.1',
      user_agent: 'UA',
      locale: 'fr-FR',
      page: { path: '/taux', url: 'https://x.example/taux?utm_source=g', referrer: null, title: 'Taux', search: '?utm_source=g' },
      campaign: { source: 'g', medium: 'cpc', name: 'c', term: null, content: null },
      library: { name: 'analytics.js' },
    },
    properties: { opportunity_id: 'opp-1', loan_amount: 250000 },
    schema_version: 3,
    ...overrides,
  };
}

function user(overrides: Record<string, unknown> = {}, traits: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    user_id: 'usr_1',
    anonymous_ids: ['a-1', 'a-2'],
    email: 'x@example.com',
    phone: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-03-01T00:00:00.000Z',
    traits: {
      first_name: 'A',
      last_name: 'B',
      birth_year: 1985,
      postal_code: '75011',
      city: 'Paris',
      marketing_opt_in: true,
      acquisition_channel: 'seo',
      ...traits,
    },
    lifecycle_stage: 'lead',
    ...overrides,
  };
}

function typedEvent(record: unknown) {
  return typeEvent(record, JSON.stringify(record), stamp);
}

function typedUser(record: unknown) {
  return typeUser(record, JSON.stringify(record), stamp);
}

describe('typing API records into raw rows', function () {
  it('types an event into exactly the columns of raw.mkt_events, the whole record in _raw', function () {
    const record = event();
    const typed = typedEvent(record);
    if (!typed.ok) throw new Error(`quarantined: ${typed.reason}`);
    expect(Object.keys(typed.row).sort()).to.deep.equal(MKT_EVENTS.columns.map((c) => c.name).sort());
    expect(typed.row).to.include({
      message_id: 'm-1',
      received_at: '2026-03-10T07:00:01.250000Z',
      timestamp: '2026-03-10T08:00:00.000000Z',
      page_path: '/taux',
      page_referrer: null,
      campaign_medium: 'cpc',
      ip: '10.0.0.1',
      _load_id: 'load-1',
    });
    expect(JSON.parse(typed.row._raw as string)).to.deep.equal(record);
    expect(JSON.parse(typed.row.context as string)).to.have.property('library');
    expect(typed.position).to.equal('2026-03-10T07:00:01.250000Z');
  });

  it('takes the JSON text of properties and context as served when given, the typing unchanged', function () {
    const record = event();
    const served = ['{"opportunity_id":"opp-1","loan_amount":250000.0}', '{"ip":"10.0.0.1","library":{"name":"analytics.js"}}'];
    const typed = typeEvent(record, JSON.stringify(record), stamp, served);
    if (!typed.ok) throw new Error(`quarantined: ${typed.reason}`);
    expect(typed.row).to.include({ properties: served[0], context: served[1], page_path: '/taux', ip: '10.0.0.1' });
    const partly = typeEvent(record, JSON.stringify(record), stamp, [undefined, served[1]]);
    expect(partly.ok && partly.row.properties).to.equal('{"opportunity_id":"opp-1","loan_amount":250000}');
    expect(typeEvent(event({ properties: 'n/a' }), '{}', stamp, served)).to.deep.include({ ok: false, field: 'properties' });
    const userRecord = user();
    const typedU = typeUser(userRecord, JSON.stringify(userRecord), stamp, ['[ "a-1", "a-2" ]', '{"city":"Paris"}']);
    expect(typedU.ok && typedU.row).to.include({ anonymous_ids: '[ "a-1", "a-2" ]', traits: '{"city":"Paris"}', city: 'Paris' });
    expect(typeUser(user({ anonymous_ids: [1] }), '{}', stamp, ['[1]', '{}'])).to.deep.include({
      ok: false,
      field: 'anonymous_ids',
    });
  });

  it('types an event without campaign or page as NULL columns', function () {
    const record = event({ context: { ip: null, user_agent: null, locale: null } });
    const typed = typedEvent(record);
    expect(typed.ok).to.equal(true);
    if (typed.ok) expect(typed.row).to.include({ page_path: null, campaign_source: null, locale: null });
  });

  it('quarantines an event it cannot type, naming the field, the value and why', function () {
    const cases: Array<[Record<string, unknown>, string, string | null, string]> = [
      [event({ message_id: undefined }), 'message_id', null, 'required field is missing'],
      [
        event({ timestamp: '2026-02-30T08:00:00Z' }),
        'timestamp',
        '2026-02-30T08:00:00Z',
        'must be an RFC 3339 date-time with a time zone',
      ],
      [event({ received_at: 1741593601 }), 'received_at', '1741593601', 'must be an RFC 3339 date-time with a time zone'],
      [event({ context: 'n/a' }), 'context', 'n/a', 'must be an object'],
      [event({ properties: undefined }), 'properties', null, 'required field is missing'],
      [event({ context: { page: { path: { nested: true } } } }), 'context.page.path', '{"nested":true}', 'must be a string'],
    ];
    for (const [record, field, rawValue, reason] of cases) {
      const typed = typedEvent(record);
      expect(typed, field).to.deep.include({ ok: false, field, rawValue, reason });
    }
    expect(typedEvent(event({ timestamp: 'yesterday' })).position, 'a bad timestamp keeps the position').to.equal(
      '2026-03-10T07:00:01.250000Z',
    );
    expect(typedEvent(event({ received_at: 'soon' })).position).to.equal(null);
    expect(typedEvent('not an object')).to.deep.include({ ok: false, field: '(record)' });
  });

  it('types a user into exactly the columns of raw.mkt_users', function () {
    const record = user();
    const typed = typedUser(record);
    if (!typed.ok) throw new Error(`quarantined: ${typed.reason}`);
    expect(Object.keys(typed.row).sort()).to.deep.equal(MKT_USERS.columns.map((c) => c.name).sort());
    expect(typed.row).to.include({ user_id: 'usr_1', birth_year: 1985, marketing_opt_in: true, anonymous_ids: '["a-1","a-2"]' });
    expect(JSON.parse(typed.row._raw as string)).to.have.property('lifecycle_stage', 'lead');
    expect(typed.position).to.equal('2026-03-01T00:00:00.000000Z');
  });

  it('quarantines a user it cannot type', function () {
    expect(typedUser(user({}, { birth_year: '1985' }))).to.deep.include({
      ok: false,
      field: 'traits.birth_year',
      rawValue: '1985',
    });
    expect(typedUser(user({}, { marketing_opt_in: 'yes' }))).to.deep.include({ ok: false, field: 'traits.marketing_opt_in' });
    expect(typedUser(user({ anonymous_ids: 'a-1' }))).to.deep.include({ ok: false, field: 'anonymous_ids' });
    expect(typedUser(user({ updated_at: '2026-03-01' }))).to.deep.include({ ok: false, field: 'updated_at', position: null });
    expect(typedUser(user({ traits: null }))).to.deep.include({
      ok: false,
      field: 'traits',
      reason: 'required field is missing',
    });
  });
});

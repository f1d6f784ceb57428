import {
  type LoadStamp,
  type TypedRecord,
  FieldProblem,
  isObject,
  jsonText,
  optionalObject,
  optionalString,
  requiredDateTime,
  requiredObject,
  requiredString,
  typed,
} from './record-fields.js';

/** Top-level members of an event whose JSON text goes to a column: `texts` of `typeEvent` follow this order. */
export const EVENT_TEXT_MEMBERS = ['properties', 'context'] as const;

/**
 * Types one event of `GET /v1/events` into a row of `raw.mkt_events` (see MKT_EVENTS), or says why it
 * cannot be: a required field of the contract missing, a date-time that is not one, a typed column holding
 * an object. `raw` is the record's JSON text, kept whole in `_raw`. The position is its `received_at`.
 * `texts`, when given, are the JSON texts of EVENT_TEXT_MEMBERS as served (see `rawPage`): they become
 * the `properties` and `context` columns as they are, else the parsed objects are serialized.
 */
export function typeEvent(
  record: unknown,
  raw: string,
  stamp: LoadStamp,
  texts?: ReadonlyArray<string | undefined>,
): TypedRecord {
  return typed(
    () => {
      if (!isObject(record)) throw new FieldProblem('(record)', record, 'an event must be a JSON object');
      const context = requiredObject(record, 'context');
      const properties = requiredObject(record, 'properties');
      const page = optionalObject(context, 'page', 'context');
      const campaign = optionalObject(context, 'campaign', 'context');
      return {
        message_id: requiredString(record, 'message_id'),
        type: requiredString(record, 'type'),
        event: optionalString(record, 'event'),
        name: optionalString(record, 'name'),
        user_id: optionalString(record, 'user_id'),
        anonymous_id: requiredString(record, 'anonymous_id'),
        timestamp: requiredDateTime(record, 'timestamp'),
        received_at: requiredDateTime(record, 'received_at'),
        page_path: optionalString(page, 'path', 'context.page'),
        page_url: optionalString(page, 'url', 'context.page'),
        page_referrer: optionalString(page, 'referrer', 'context.page'),
        page_title: optionalString(page, 'title', 'context.page'),
        page_search: optionalString(page, 'search', 'context.page'),
        campaign_source: optionalString(campaign, 'source', 'context.campaign'),
        campaign_medium: optionalString(campaign, 'medium', 'context.campaign'),
        campaign_name: optionalString(campaign, 'name', 'context.campaign'),
        campaign_term: optionalString(campaign, 'term', 'context.campaign'),
        campaign_content: optionalString(campaign, 'content', 'context.campaign'),
        locale: optionalString(context, 'locale', 'context'),
        user_agent: optionalString(context, 'user_agent', 'context'),
        ip: optionalString(context, 'ip', 'context'),
        properties: jsonText(texts?.[0], properties),
        context: jsonText(texts?.[1], context),
        _raw: raw,
        _load_id: stamp.loadId,
        _loaded_at: stamp.loadedAt,
      };
    },
    record,
    'received_at',
  );
}

import type { ColumnSpec, TableSpec } from '../../warehouse/types.js';

const LOAD_COLUMNS: ColumnSpec[] = [
  {
    name: '_raw',
    type: 'STRING',
    mode: 'REQUIRED',
    description: 'The whole record as the API served it (JSON text), unknown fields included',
  },
  { name: '_load_id', type: 'STRING', mode: 'REQUIRED', description: 'Load that wrote the row (see ops.pipeline_steps)' },
  { name: '_loaded_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'When the load that wrote the row ran (UTC)' },
];

/**
 * Events of the marketing activity API (`GET /v1/events`), one row per message_id: deliveries are
 * at-least-once, so rows are inserted only for message_ids not already present. Personal data (ip) stays
 * in this raw layer.
 */
export const MKT_EVENTS: TableSpec = {
  ref: { layer: 'raw', name: 'mkt_events' },
  description:
    'Marketing site events (Segment page/track/identify calls) from the marketing activity API, one row per message_id, ' +
    'as first delivered. Contains personal data (ip, identify traits in _raw).',
  partitionBy: { column: 'timestamp' },
  clusterBy: ['message_id'],
  columns: [
    { name: 'message_id', type: 'STRING', mode: 'REQUIRED', description: 'Unique id of the call; duplicates collapse on it' },
    { name: 'type', type: 'STRING', mode: 'REQUIRED', description: 'page | track | identify' },
    { name: 'event', type: 'STRING', description: 'Name of a track call, e.g. Lead Submitted' },
    { name: 'name', type: 'STRING', description: 'Page name of a page call' },
    { name: 'user_id', type: 'STRING', description: 'Identified user, null until the visitor is identified' },
    { name: 'anonymous_id', type: 'STRING', mode: 'REQUIRED', description: 'Device id' },
    { name: 'timestamp', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'Device clock: when it happened (analysis time)' },
    {
      name: 'received_at',
      type: 'TIMESTAMP',
      mode: 'REQUIRED',
      description: 'Server clock: when the API received it (extraction time)',
    },
    { name: 'page_path', type: 'STRING', description: 'context.page.path' },
    { name: 'page_url', type: 'STRING', description: 'context.page.url' },
    { name: 'page_referrer', type: 'STRING', description: 'context.page.referrer' },
    { name: 'page_title', type: 'STRING', description: 'context.page.title' },
    { name: 'page_search', type: 'STRING', description: 'context.page.search (query string)' },
    { name: 'campaign_source', type: 'STRING', description: 'context.campaign.source (utm_source)' },
    { name: 'campaign_medium', type: 'STRING', description: 'context.campaign.medium (utm_medium)' },
    { name: 'campaign_name', type: 'STRING', description: 'context.campaign.name (utm_campaign)' },
    { name: 'campaign_term', type: 'STRING', description: 'context.campaign.term (utm_term)' },
    { name: 'campaign_content', type: 'STRING', description: 'context.campaign.content (utm_content)' },
    { name: 'locale', type: 'STRING', description: 'context.locale' },
    { name: 'user_agent', type: 'STRING', description: 'context.user_agent' },
    { name: 'ip', type: 'STRING', description: 'context.ip: personal data' },
    { name: 'properties', type: 'STRING', description: 'properties object (JSON text)' },
    { name: 'context', type: 'STRING', description: 'context object (JSON text), personal data included' },
    ...LOAD_COLUMNS,
  ],
};

/** Users of the marketing activity API (`GET /v1/users`), one row per user_id: the latest version by updated_at. */
export const MKT_USERS: TableSpec = {
  ref: { layer: 'raw', name: 'mkt_users' },
  description:
    'Identified marketing site users from the marketing activity API, latest version per user_id. Contains personal data ' +
    '(email, phone, names).',
  clusterBy: ['user_id'],
  columns: [
    { name: 'user_id', type: 'STRING', mode: 'REQUIRED', description: 'User id' },
    { name: 'anonymous_ids', type: 'STRING', description: 'Device ids merged into the user (JSON array text)' },
    { name: 'email', type: 'STRING', description: 'Personal data' },
    { name: 'phone', type: 'STRING', description: 'Personal data' },
    { name: 'first_name', type: 'STRING', description: 'traits.first_name: personal data' },
    { name: 'last_name', type: 'STRING', description: 'traits.last_name: personal data' },
    { name: 'birth_year', type: 'INT64', description: 'traits.birth_year' },
    { name: 'postal_code', type: 'STRING', description: 'traits.postal_code' },
    { name: 'city', type: 'STRING', description: 'traits.city' },
    { name: 'marketing_opt_in', type: 'BOOL', description: 'traits.marketing_opt_in' },
    {
      name: 'acquisition_channel',
      type: 'STRING',
      description: 'traits.acquisition_channel: seo, sea, partner, newsletter, direct',
    },
    { name: 'created_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'When the user was created' },
    { name: 'updated_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'Last change; the row kept is the greatest' },
    { name: 'traits', type: 'STRING', description: 'traits object (JSON text), personal data included' },
    ...LOAD_COLUMNS,
  ],
};

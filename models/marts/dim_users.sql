-- One row per website user, known from a profile (stg_mkt_users) or from events carrying their id,
-- under a salted key only (@pseudonym_salt, a run parameter): the same key as fct_events.user_key.
-- first_seen_at comes from all the devices linked to the user. "Earliest" of two instants ignores an
-- unknown one (written out: LEAST gives NULL on BigQuery and ignores NULL on DuckDB).
WITH users AS (
  SELECT user_id, created_at, marketing_opt_in, acquisition_channel, postal_area
  FROM {{ ref('stg_mkt_users') }}
),

identifying_events AS (
  SELECT user_id, MIN(event_at) AS first_identified_at
  FROM {{ ref('stg_mkt_events') }}
  WHERE user_id IS NOT NULL
  GROUP BY user_id
),

linked_users AS (
  SELECT DISTINCT user_id FROM {{ ref('stg_mkt_identities') }}
),

all_users AS (
  SELECT user_id FROM users
  UNION DISTINCT
  SELECT user_id FROM identifying_events
  UNION DISTINCT
  SELECT user_id FROM linked_users
),

keyed AS (
  SELECT
    user_id,
    {{ sha256_hex("@pseudonym_salt || 'user:' || user_id") }} AS user_key
  FROM all_users
),

-- Every device linked to the user counts, its anonymous visits of any date included (fct_events
-- re-keys only the last 24 hours before an identification), and so do the events carrying the
-- user's id (on a device that another user identified first).
device_activity AS (
  SELECT identities.user_id, MIN(events.event_at) AS first_event_at
  FROM {{ ref('stg_mkt_identities') }} AS identities
  JOIN {{ ref('stg_mkt_events') }} AS events ON events.anonymous_id = identities.anonymous_id
  GROUP BY identities.user_id
),

activity AS (
  SELECT user_id, MIN(first_event_at) AS first_event_at
  FROM (
    SELECT user_id, first_event_at FROM device_activity
    UNION ALL
    SELECT user_id, first_identified_at AS first_event_at FROM identifying_events
  ) AS seen
  GROUP BY user_id
),

first_sessions AS (
  SELECT
    user_key,
    channel,
    ROW_NUMBER() OVER (PARTITION BY user_key ORDER BY started_at ASC, session_key ASC) AS session_number
  FROM {{ ref('fct_sessions') }}
  WHERE user_key IS NOT NULL
),

leads AS (
  SELECT
    user_key,
    event_at,
    opportunity_id,
    ROW_NUMBER() OVER (PARTITION BY user_key ORDER BY event_at ASC, message_id ASC) AS lead_number,
    ROW_NUMBER() OVER (
      PARTITION BY user_key
      ORDER BY CASE WHEN opportunity_id IS NULL THEN 1 ELSE 0 END ASC, event_at ASC, message_id ASC
    ) AS opportunity_number
  FROM {{ ref('fct_events') }}
  WHERE event_name = 'Lead Submitted' AND user_key IS NOT NULL
),

first_leads AS (
  SELECT user_key, event_at AS became_lead_at FROM leads WHERE lead_number = 1
),

first_opportunities AS (
  SELECT user_key, opportunity_id FROM leads WHERE opportunity_number = 1 AND opportunity_id IS NOT NULL
)

SELECT
  keyed.user_key,
  CASE
    WHEN activity.first_event_at IS NULL THEN users.created_at
    WHEN users.created_at IS NULL OR activity.first_event_at <= users.created_at THEN activity.first_event_at
    ELSE users.created_at
  END AS first_seen_at,
  CASE
    WHEN identifying_events.first_identified_at IS NULL THEN users.created_at
    WHEN users.created_at IS NULL OR identifying_events.first_identified_at <= users.created_at THEN identifying_events.first_identified_at
    ELSE users.created_at
  END AS identified_at,
  COALESCE(users.acquisition_channel, first_sessions.channel) AS acquisition_channel,
  users.marketing_opt_in,
  users.postal_area,
  first_leads.became_lead_at IS NOT NULL AS is_lead,
  first_leads.became_lead_at,
  first_opportunities.opportunity_id
FROM keyed
LEFT JOIN users ON users.user_id = keyed.user_id
LEFT JOIN identifying_events ON identifying_events.user_id = keyed.user_id
LEFT JOIN activity ON activity.user_id = keyed.user_id
LEFT JOIN first_sessions ON first_sessions.user_key = keyed.user_key AND first_sessions.session_number = 1
LEFT JOIN first_leads ON first_leads.user_key = keyed.user_key
LEFT JOIN first_opportunities ON first_opportunities.user_key = keyed.user_key

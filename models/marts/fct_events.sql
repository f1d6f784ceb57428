-- One row per distinct website event, with its visitor and session. The visitor is the user when the
-- device was ever identified (stg_mkt_identities: from the device's first event on), else the
-- device; both appear only as salted hashes (@pseudonym_salt, a run parameter). A visitor's events,
-- in device-time order (then message_id), start a new session after more than 30 minutes without an
-- event (exactly 30 minutes continues it); the session key is a hash of the visitor key and the
-- session's first message_id, so it is the same on every rebuild.
-- An incremental run reads the dates to rebuild and the day before each: an event's session started
-- on its date or the day before (sessions are assumed shorter than 24 hours).
WITH events AS (
  SELECT * FROM {{ ref('stg_mkt_events') }}
  WHERE {{ incremental_filter('event_date') }} OR {{ incremental_filter(date_add('event_date', 1, 'day')) }}
),

identities AS (
  SELECT anonymous_id, user_id FROM {{ ref('stg_mkt_identities') }}
),

keyed AS (
  SELECT
    events.*,
    CASE
      WHEN identities.user_id IS NOT NULL THEN {{ sha256_hex("@pseudonym_salt || 'user:' || identities.user_id") }}
    END AS user_key,
    {{ sha256_hex("@pseudonym_salt || 'device:' || events.anonymous_id") }} AS device_key
  FROM events
  LEFT JOIN identities ON identities.anonymous_id = events.anonymous_id
),

visitors AS (
  SELECT
    *,
    COALESCE(user_key, device_key) AS visitor_key
  FROM keyed
),

gaps AS (
  SELECT
    *,
    LAG(event_at) OVER (PARTITION BY visitor_key ORDER BY event_at ASC, message_id ASC) AS previous_event_at
  FROM visitors
),

starts AS (
  SELECT
    *,
    CASE
      WHEN previous_event_at IS NULL THEN message_id
      WHEN {{ unix_micros('event_at') }} - {{ unix_micros('previous_event_at') }} > 1800000000 THEN message_id
    END AS starting_message_id
  FROM gaps
),

numbered AS (
  -- The running count of session starts numbers each event's session (portable where LAST_VALUE
  -- ... IGNORE NULLS is not: the BigQuery emulator ignores IGNORE NULLS).
  SELECT
    *,
    COUNT(starting_message_id) OVER (
      PARTITION BY visitor_key
      ORDER BY event_at ASC, message_id ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS session_number
  FROM starts
),

sessioned AS (
  SELECT
    *,
    MAX(starting_message_id) OVER (PARTITION BY visitor_key, session_number) AS session_first_message_id
  FROM numbered
)

SELECT
  message_id,
  event_date,
  event_at,
  received_at,
  event_type,
  event_name,
  page_name,
  page_path,
  page_title,
  referrer_host,
  utm_source,
  utm_medium,
  utm_campaign,
  utm_term,
  utm_content,
  locale,
  cta_id,
  cta_label,
  simulation_type,
  loan_amount,
  duration_years,
  simulated_rate,
  project_type,
  opportunity_id,
  visitor_key,
  user_key,
  {{ sha256_hex("visitor_key || ':' || session_first_message_id") }} AS session_key
FROM sessioned
WHERE {{ incremental_filter('event_date') }}

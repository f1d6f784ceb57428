-- One row per distinct website event, with its visitor and session. The visitor is the user when the
-- event is at or after its device's stitched_from (stg_mkt_identities: 24 hours before the event
-- that identified the device), else the device; both appear only as salted hashes (@pseudonym_salt,
-- a run parameter). A visitor's events, in device-time order (then message_id), start a new session
-- after more than 30 minutes without an event (exactly 30 minutes continues it); the session key is
-- a hash of the visitor key and the session's first message_id, so it is the same on every rebuild.
-- An incremental run reads the dates to rebuild and the day before each: an event's session started
-- on its date or the day before (sessions are assumed shorter than 24 hours). A scheduled run
-- (row-level) recomputes there only the visitors of the devices the new loads touched, with all
-- their events (another device of the same user can merge into their sessions); a backfill
-- recomputes whole dates.
WITH events AS (
  SELECT * FROM {{ ref('stg_mkt_events') }}
  WHERE {{ incremental_filter('event_date') }} OR {{ incremental_filter(date_add('event_date', 1, 'day')) }}
),

identities AS (
  SELECT anonymous_id, user_id, stitched_from
  FROM {{ ref('stg_mkt_identities') }}
  WHERE stitched_from IS NOT NULL
),

keyed AS (
  SELECT
    events.*,
    CASE
      WHEN identities.user_id IS NOT NULL THEN {{ sha256_hex("@pseudonym_salt || 'user:' || identities.user_id") }}
    END AS user_key,
    {{ sha256_hex("@pseudonym_salt || 'device:' || events.anonymous_id") }} AS device_key
  FROM events
  LEFT JOIN identities ON identities.anonymous_id = events.anonymous_id AND events.event_at >= identities.stitched_from
),

visitors AS (
  SELECT
    *,
    COALESCE(user_key, device_key) AS visitor_key
  FROM keyed
),

{% if is_merge() %}
touched_devices AS (
  SELECT DISTINCT anonymous_id
  FROM {{ ref('stg_mkt_affected_dates') }}
  WHERE {{ loaded_since('loaded_at') }}
),

touched_visitors AS (
  SELECT DISTINCT visitor_key
  FROM visitors
  WHERE anonymous_id IN (SELECT anonymous_id FROM touched_devices)
),

scoped AS (
  SELECT * FROM visitors WHERE visitor_key IN (SELECT visitor_key FROM touched_visitors)
),
{% else %}
scoped AS (
  SELECT * FROM visitors
),
{% endif %}

gaps AS (
  SELECT
    *,
    LAG(event_at) OVER (PARTITION BY visitor_key ORDER BY event_at ASC, message_id ASC) AS previous_event_at
  FROM scoped
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

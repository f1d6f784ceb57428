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
{% if is_merge() %}
-- A scheduled run: the devices whose events the new loads changed (stg_mkt_affected_dates), and
-- every device of the users they belong to (their sessions may merge).
WITH touched_devices AS (
  SELECT DISTINCT anonymous_id
  FROM {{ ref('stg_mkt_affected_dates') }}
  WHERE {{ loaded_since('loaded_at') }}
),

touched_users AS (
  SELECT DISTINCT user_id
  FROM {{ ref('stg_mkt_identities') }}
  WHERE stitched_from IS NOT NULL AND anonymous_id IN (SELECT anonymous_id FROM touched_devices)
),

candidate_devices AS (
  SELECT anonymous_id FROM touched_devices
  UNION DISTINCT
  SELECT anonymous_id
  FROM {{ ref('stg_mkt_identities') }}
  WHERE stitched_from IS NOT NULL AND user_id IN (SELECT user_id FROM touched_users)
),

events AS (
  SELECT * FROM {{ ref('stg_mkt_events') }}
  WHERE {{ incremental_filter('event_date', 1, 0) }}
    AND anonymous_id IN (SELECT anonymous_id FROM candidate_devices)
),
{% else %}
WITH events AS (
  SELECT * FROM {{ ref('stg_mkt_events') }}
  WHERE {{ incremental_filter('event_date', 1, 0) }}
),
{% endif %}

identities AS (
  SELECT anonymous_id, user_id, stitched_from
  FROM {{ ref('stg_mkt_identities') }}
  WHERE stitched_from IS NOT NULL
),

linked AS (
  SELECT
    events.*,
    identities.user_id AS stitched_user_id
  FROM events
  LEFT JOIN identities ON identities.anonymous_id = events.anonymous_id AND events.event_at >= identities.stitched_from
),

{% if is_merge() %}
-- Only the visitors of the touched devices: a candidate device's events before its stitched_from
-- are another visitor (the device's), untouched unless the device itself is.
touched_visitors AS (
  SELECT DISTINCT COALESCE(stitched_user_id, anonymous_id) AS visitor
  FROM linked
  WHERE anonymous_id IN (SELECT anonymous_id FROM touched_devices)
),

scoped AS (
  SELECT * FROM linked
  WHERE (stitched_user_id IS NOT NULL AND stitched_user_id IN (SELECT visitor FROM touched_visitors))
    OR (stitched_user_id IS NULL AND anonymous_id IN (SELECT visitor FROM touched_visitors))
),
{% else %}
scoped AS (
  SELECT * FROM linked
),
{% endif %}

visitors AS (
  SELECT
    *,
    CASE
      WHEN stitched_user_id IS NOT NULL THEN {{ sha256_hex("@pseudonym_salt || 'user:' || stitched_user_id") }}
    END AS user_key,
    COALESCE(
      {{ sha256_hex("@pseudonym_salt || 'user:' || stitched_user_id") }},
      {{ sha256_hex("@pseudonym_salt || 'device:' || anonymous_id") }}
    ) AS visitor_key
  FROM scoped
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

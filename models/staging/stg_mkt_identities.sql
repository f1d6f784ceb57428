-- Which user each identified device (anonymous_id) belongs to. A device belongs to the user of its
-- earliest event carrying a user_id (device time, then message_id); a device that no event
-- identified but that a user's profile lists in anonymous_ids belongs to that user (the smallest
-- user_id if several do).
-- stitched_from bounds what the date-partitioned marts re-key: a device identified by an event is
-- the user's visitor from 24 hours before that event on (the visit that led to a login, sign-up or
-- lead form, and everything after); its older anonymous visits keep the device's key, so that an
-- identification never rewrites old dates and an hourly run's work does not grow with the history.
-- A link from the profile alone carries no time: it is kept for dim_users, not for the events.
-- loaded_at is when the row that made the link was loaded: the incremental marts rebuild the dates
-- of the device's events from stitched_from on when it changes (see stg_mkt_affected_dates).
WITH identified_events AS (
  SELECT anonymous_id, user_id, event_at, message_id, loaded_at
  FROM {{ ref('stg_mkt_events') }}
  WHERE user_id IS NOT NULL
),

users AS (
  SELECT user_id, anonymous_ids, loaded_at
  FROM {{ ref('stg_mkt_users') }}
),

profile_devices AS (
  SELECT anonymous_id, users.user_id, users.loaded_at
  FROM users
  CROSS JOIN {{ unnest(json_string_array('users.anonymous_ids'), 'anonymous_id') }}
),

candidates AS (
  SELECT
    anonymous_id,
    user_id,
    'event' AS identified_by,
    event_at AS identified_at,
    message_id,
    loaded_at
  FROM identified_events
  UNION ALL
  SELECT
    anonymous_id,
    user_id,
    'profile' AS identified_by,
    CAST(NULL AS TIMESTAMP) AS identified_at,
    CAST(NULL AS {{ type('STRING') }}) AS message_id,
    loaded_at
  FROM profile_devices
  WHERE anonymous_id IS NOT NULL
),

ranked AS (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY anonymous_id
      ORDER BY
        CASE WHEN identified_by = 'event' THEN 0 ELSE 1 END ASC,
        identified_at ASC NULLS LAST,
        message_id ASC NULLS LAST,
        user_id ASC
    ) AS link_rank
  FROM candidates
)

SELECT
  anonymous_id,
  user_id,
  identified_by,
  identified_at,
  {{ timestamp_add('identified_at', -24, 'hour') }} AS stitched_from,
  loaded_at
FROM ranked
WHERE link_rank = 1

-- The event dates whose marketing marts a load makes stale, with the load time that makes them
-- stale: the incremental marts (fct_events, fct_sessions, traffic_daily, funnel_daily) rebuild the
-- dates of the rows loaded since their last build. Three causes:
--   - an event loaded (on time, late or a first copy): its date;
--   - a device identified by an event: every date the device has events on (their visitor key
--     changes from the device's to the user's, and their sessions may merge with the user's);
--   - a device linked by a user's profile only: idem, at each load of a profile listing it.
-- Each date comes with the day before and the day after: a session is cut by 30 minutes of
-- inactivity and attributed to the date it starts, so an event (or a change of visitor) just after
-- midnight can extend or merge a session of the day before, and one just before midnight a session
-- of the day after. Sessions are assumed shorter than 24 hours.
WITH events AS (
  SELECT anonymous_id, event_date, loaded_at
  FROM {{ ref('stg_mkt_events') }}
),

identities AS (
  SELECT anonymous_id, identified_by, loaded_at
  FROM {{ ref('stg_mkt_identities') }}
),

users AS (
  SELECT anonymous_ids, loaded_at
  FROM {{ ref('stg_mkt_users') }}
),

profile_links AS (
  SELECT anonymous_id, users.loaded_at
  FROM users
  CROSS JOIN {{ unnest(json_string_array('users.anonymous_ids'), 'anonymous_id') }}
),

changes AS (
  SELECT DISTINCT event_date, loaded_at, 'event_loaded' AS reason
  FROM events
  UNION ALL
  SELECT DISTINCT events.event_date, identities.loaded_at, 'device_identified' AS reason
  FROM identities
  JOIN events ON events.anonymous_id = identities.anonymous_id
  WHERE identities.identified_by = 'event'
  UNION ALL
  SELECT DISTINCT events.event_date, profile_links.loaded_at, 'device_linked_by_profile' AS reason
  FROM profile_links
  JOIN identities ON identities.anonymous_id = profile_links.anonymous_id AND identities.identified_by = 'profile'
  JOIN events ON events.anonymous_id = profile_links.anonymous_id
),

neighbours AS (
  SELECT CAST(-1 AS {{ type('INT64') }}) AS day_offset
  UNION ALL
  SELECT CAST(0 AS {{ type('INT64') }}) AS day_offset
  UNION ALL
  SELECT CAST(1 AS {{ type('INT64') }}) AS day_offset
)

SELECT DISTINCT
  {{ date_add('changes.event_date', 'neighbours.day_offset', 'day') }} AS event_date,
  changes.loaded_at,
  changes.reason
FROM changes
CROSS JOIN neighbours

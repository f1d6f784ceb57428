-- The event dates (and the devices on them) whose marketing marts a load makes stale, with the load
-- time that makes them stale: the incremental marts (fct_events, fct_sessions, traffic_daily,
-- funnel_daily) rebuild the dates of the rows loaded since their last build (fct_events only the
-- events of the visitors of those devices). Two causes:
--   - an event loaded (on time, late or a first copy): its date;
--   - a device identified by an event: the dates of its events from its stitched_from on (their
--     visitor key changes from the device's to the user's, and their sessions may merge with the
--     user's). stitched_from is 24 hours before the identification, so these are the dates of the
--     identifying event and the day before: an identification never reaches old dates.
-- Each date comes with the day before and the day after: a session is cut by 30 minutes of
-- inactivity and attributed to the date it starts, so an event (or a change of visitor) just after
-- midnight can extend or merge a session of the day before, and one just before midnight a session
-- of the day after. Sessions are assumed shorter than 24 hours.
-- An incremental table by load date, row-level by load time: a scheduled run adds the rows of the
-- loads since its last build (replacing them if a crash made it run twice), so that neither it nor
-- the marts reading its recent rows grow with the history.
WITH events AS (
  SELECT anonymous_id, event_date, loaded_at
  FROM {{ ref('stg_mkt_events') }}
  WHERE {{ incremental_filter('DATE(loaded_at)') }} AND {{ loaded_since('loaded_at') }}
),

identities AS (
  SELECT anonymous_id, stitched_from, loaded_at
  FROM {{ ref('stg_mkt_identities') }}
  WHERE stitched_from IS NOT NULL AND {{ incremental_filter('DATE(loaded_at)') }} AND {{ loaded_since('loaded_at') }}
),

identified_device_events AS (
  SELECT anonymous_id, event_date, event_at
  FROM {{ ref('stg_mkt_events') }}
  WHERE anonymous_id IN (SELECT anonymous_id FROM identities)
),

changes AS (
  SELECT DISTINCT event_date, anonymous_id, loaded_at, 'event_loaded' AS reason
  FROM events
  UNION ALL
  SELECT DISTINCT device_events.event_date, device_events.anonymous_id, identities.loaded_at, 'device_identified' AS reason
  FROM identities
  JOIN identified_device_events AS device_events
    ON device_events.anonymous_id = identities.anonymous_id AND device_events.event_at >= identities.stitched_from
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
  changes.anonymous_id,
  changes.loaded_at,
  changes.reason,
  DATE(changes.loaded_at) AS loaded_date
FROM changes
CROSS JOIN neighbours

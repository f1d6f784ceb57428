-- One row per distinct website event (message_id), typed, without personal data. Deliveries are
-- at least once: of the copies of a message_id, the first received is kept (ties: earlier load, then
-- load id, then the record text, so the pick is the same on every run and engine). Copies of one
-- message carry the same device timestamp, so they fall on the same event_date and an incremental run
-- that rebuilds a date sees them all. ip, user agent, context, traits and the full URL (its query
-- string can carry anything) stay in raw; the referrer is kept as its host only, and only when it is
-- another site.
WITH source AS (
  SELECT deliveries.*
  FROM {{ source('raw', 'mkt_events') }} AS deliveries
  {% if is_merge() %}
  -- A scheduled run rebuilds only the messages with a delivery loaded since the last build (with
  -- all their deliveries, so that the first received is still the one kept): a late event costs
  -- its own row, not a rebuild of its whole date. Joined on the timestamp too, which the copies of
  -- a message share: the engine then reads only the time range of the new deliveries.
  JOIN (
    SELECT DISTINCT message_id, timestamp
    FROM {{ source('raw', 'mkt_events') }}
    WHERE {{ loaded_since('_loaded_at') }}
  ) AS touched
    ON touched.message_id = deliveries.message_id AND touched.timestamp = deliveries.timestamp
  {% endif %}
  WHERE {{ incremental_filter('DATE(deliveries.timestamp)') }}
),

ranked AS (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY message_id
      ORDER BY received_at ASC, _loaded_at ASC, _load_id ASC, _raw ASC
    ) AS delivery_rank
  FROM source
),

first_delivery AS (
  SELECT * FROM ranked WHERE delivery_rank = 1
),

hosts AS (
  SELECT
    *,
    LOWER({{ regexp_extract('page_url', "'^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]+)'") }}) AS page_host,
    LOWER({{ regexp_extract('page_referrer', "'^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]+)'") }}) AS page_referrer_host
  FROM first_delivery
),

typed AS (
  SELECT
    message_id,
    DATE(timestamp) AS event_date,
    timestamp AS event_at,
    received_at,
    type AS event_type,
    event AS event_name,
    name AS page_name,
    user_id,
    anonymous_id,
    page_path,
    page_title,
    CASE
      WHEN page_referrer_host IS NULL THEN NULL
      WHEN page_host IS NOT NULL AND page_referrer_host = page_host THEN NULL
      ELSE page_referrer_host
    END AS referrer_host,
    NULLIF({{ trim_whitespace('campaign_source') }}, '') AS utm_source,
    NULLIF(LOWER({{ trim_whitespace('campaign_medium') }}), '') AS utm_medium,
    NULLIF({{ trim_whitespace('campaign_name') }}, '') AS utm_campaign,
    NULLIF({{ trim_whitespace('campaign_term') }}, '') AS utm_term,
    NULLIF({{ trim_whitespace('campaign_content') }}, '') AS utm_content,
    locale,
    {{ json_string('properties', "'$.cta_id'") }} AS cta_id,
    {{ json_string('properties', "'$.label'") }} AS cta_label,
    {{ json_string('properties', "'$.simulation_type'") }} AS simulation_type,
    {{ safe_cast(json_string('properties', "'$.loan_amount'"), 'FLOAT64') }} AS loan_amount,
    {{ safe_cast(json_string('properties', "'$.duration_years'"), 'FLOAT64') }} AS duration_years,
    {{ safe_cast(json_string('properties', "'$.rate'"), 'FLOAT64') }} AS simulated_rate,
    {{ json_string('properties', "'$.project_type'") }} AS project_type,
    {{ json_string('properties', "'$.opportunity_id'") }} AS opportunity_id,
    _loaded_at AS loaded_at
  FROM hosts
)

SELECT * FROM typed

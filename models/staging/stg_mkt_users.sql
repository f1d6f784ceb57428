-- One row per website user: the latest version of the user (greatest updated_at; ties: the later
-- load, then the load id, then the record text). Personal data stays in raw: no email, phone, names,
-- birth year or city here; the postal code is cut to its first two digits (the département, or 97
-- for overseas), and only when it is a 5-digit French postal code.
WITH source AS (
  SELECT * FROM {{ source('raw', 'mkt_users') }}
),

ranked AS (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY user_id
      ORDER BY updated_at DESC NULLS LAST, _loaded_at DESC NULLS LAST, _load_id DESC NULLS LAST, _raw DESC NULLS LAST
    ) AS version_rank
  FROM source
),

latest AS (
  SELECT * FROM ranked WHERE version_rank = 1
),

transformed AS (
  SELECT
    user_id,
    anonymous_ids,
    created_at,
    updated_at,
    marketing_opt_in,
    NULLIF(LOWER({{ trim_whitespace('acquisition_channel') }}), '') AS acquisition_channel,
    CASE
      WHEN {{ regexp_contains(trim_whitespace('postal_code'), "'^[0-9]{5}$'") }} THEN SUBSTR({{ trim_whitespace('postal_code') }}, 1, 2)
    END AS postal_area,
    _loaded_at AS loaded_at
  FROM latest
)

SELECT * FROM transformed

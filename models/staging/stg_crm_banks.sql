-- One row per bank id of the CRM banks export. A bank can have several regional ids, so bank_name
-- is not unique.
WITH source AS (
  SELECT * FROM {{ source('raw', 'crm_banks') }}
),

renamed AS (
  SELECT
    Id AS bank_id,
    Name AS bank_name,
    CreatedDate AS created_at,
    _loaded_at AS loaded_at
  FROM source
)

SELECT * FROM renamed

-- For each opportunity with at least one rated offer, the offer with the lowest interest rate. Offers
-- with no rate are removed first: in an ascending sort NULL comes first on BigQuery (last on DuckDB),
-- so leaving them in would make an offer without a rate "the best". A rate of 0.0 is a rate.
-- Ties: lower insurance rate, then shorter duration, then earlier creation (NULLs last for each),
-- then smaller proposition id, which is unique: the choice is deterministic on both engines.
-- Opportunities absent from the opportunities export are kept (the exports are not taken at the same
-- instant); a bank id with no row in the banks export keeps the offer, with a NULL bank_name.
WITH propositions AS (
  SELECT * FROM {{ ref('stg_crm_propositions') }}
),

banks AS (
  SELECT bank_id, bank_name FROM {{ ref('stg_crm_banks') }}
),

rated AS (
  SELECT *
  FROM propositions
  WHERE interest_rate IS NOT NULL
    AND opportunity_id IS NOT NULL
),

ranked AS (
  SELECT
    opportunity_id,
    proposition_id,
    interest_rate,
    duration_months,
    bank_id,
    ROW_NUMBER() OVER (
      PARTITION BY opportunity_id
      ORDER BY
        interest_rate ASC,
        insurance_rate ASC NULLS LAST,
        duration_months ASC NULLS LAST,
        created_at ASC NULLS LAST,
        proposition_id ASC
    ) AS rank_in_opportunity
  FROM rated
),

best AS (
  SELECT * FROM ranked WHERE rank_in_opportunity = 1
)

SELECT
  best.opportunity_id,
  best.proposition_id,
  best.interest_rate,
  best.duration_months,
  best.bank_id,
  banks.bank_name
FROM best
LEFT JOIN banks ON banks.bank_id = best.bank_id

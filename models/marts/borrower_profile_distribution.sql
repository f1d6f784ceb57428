-- How borrowers spread over each profile dimension: one row per (dimension, value), NULL being a
-- value of its own. Every value is text: booleans as 'true'/'false', ages as bands. An age outside
-- 18 to 100 goes to the band 'invalid'; a missing age has the value NULL.
WITH borrowers AS (
  SELECT
    age_emprunteur,
    age_valid,
    banque_principale,
    deja_souscrit_credit_immo,
    categorie_professionnelle,
    contrat_travail
  FROM {{ ref('stg_crm_opportunities') }}
),

banded AS (
  SELECT
    *,
    CASE
      WHEN age_emprunteur IS NULL THEN NULL
      WHEN NOT age_valid THEN 'invalid'
      WHEN age_emprunteur < 25 THEN '18-24'
      WHEN age_emprunteur < 30 THEN '25-29'
      WHEN age_emprunteur < 35 THEN '30-34'
      WHEN age_emprunteur < 40 THEN '35-39'
      WHEN age_emprunteur < 45 THEN '40-44'
      WHEN age_emprunteur < 50 THEN '45-49'
      WHEN age_emprunteur < 55 THEN '50-54'
      WHEN age_emprunteur < 60 THEN '55-59'
      ELSE '60+'
    END AS age_band
  FROM borrowers
),

dimension_values AS (
  SELECT 'age_band' AS dimension, age_band AS value FROM banded
  UNION ALL
  SELECT 'banque_principale' AS dimension, banque_principale AS value FROM banded
  UNION ALL
  SELECT 'deja_souscrit_credit_immo' AS dimension, CAST(deja_souscrit_credit_immo AS STRING) AS value FROM banded
  UNION ALL
  SELECT 'categorie_professionnelle' AS dimension, categorie_professionnelle AS value FROM banded
  UNION ALL
  SELECT 'contrat_travail' AS dimension, contrat_travail AS value FROM banded
),

counted AS (
  SELECT dimension, value, COUNT(*) AS borrowers
  FROM dimension_values
  GROUP BY dimension, value
),

total AS (
  SELECT COUNT(*) AS borrowers FROM borrowers
)

SELECT
  counted.dimension,
  counted.value,
  counted.borrowers,
  {{ safe_divide('counted.borrowers', 'total.borrowers') }} AS share
FROM counted
CROSS JOIN total

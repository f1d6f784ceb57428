-- The typical borrower, in one row. Age figures use only ages within 18 to 100; the impossible ones
-- are counted in ages_excluded (a missing age is neither used nor counted). The mode of each other
-- dimension ignores NULL and breaks ties by the smaller value; its share is over all borrowers, as in
-- borrower_profile_distribution. share_prior_mortgage is over the borrowers whose flag is known.
WITH borrowers AS (
  SELECT age_emprunteur, age_valid, deja_souscrit_credit_immo
  FROM {{ ref('stg_crm_opportunities') }}
),

distribution AS (
  SELECT dimension, value, borrowers, share
  FROM {{ ref('borrower_profile_distribution') }}
),

counts AS (
  SELECT
    COUNT(*) AS borrowers,
    AVG(CASE WHEN age_valid THEN age_emprunteur END) AS age_mean,
    COUNT(CASE WHEN age_emprunteur IS NOT NULL AND NOT age_valid THEN 1 END) AS ages_excluded,
    {{ safe_divide('COUNT(CASE WHEN deja_souscrit_credit_immo THEN 1 END)', 'COUNT(deja_souscrit_credit_immo)') }}
      AS share_prior_mortgage
  FROM borrowers
),

valid_ages AS (
  SELECT age_emprunteur AS age FROM borrowers WHERE age_valid
),

age_percentiles AS (
  SELECT
    {{ percentile_cont('age', 0.25) }} AS age_p25,
    {{ median('age') }} AS age_median,
    {{ percentile_cont('age', 0.75) }} AS age_p75
  FROM valid_ages
),

-- Every row of age_percentiles holds the same figures; MAX folds them into one row (NULLs when no age is valid).
age_figures AS (
  SELECT
    MAX(age_p25) AS age_p25,
    MAX(age_median) AS age_median,
    MAX(age_p75) AS age_p75
  FROM age_percentiles
),

modes AS (
  SELECT
    dimension,
    value,
    share,
    ROW_NUMBER() OVER (PARTITION BY dimension ORDER BY borrowers DESC, value ASC) AS rank_in_dimension
  FROM distribution
  WHERE value IS NOT NULL
),

banque_mode AS (
  SELECT value, share FROM modes WHERE dimension = 'banque_principale' AND rank_in_dimension = 1
),

credit_mode AS (
  SELECT value, share FROM modes WHERE dimension = 'deja_souscrit_credit_immo' AND rank_in_dimension = 1
),

categorie_mode AS (
  SELECT value, share FROM modes WHERE dimension = 'categorie_professionnelle' AND rank_in_dimension = 1
),

contrat_mode AS (
  SELECT value, share FROM modes WHERE dimension = 'contrat_travail' AND rank_in_dimension = 1
)

SELECT
  counts.borrowers,
  counts.age_mean,
  age_figures.age_median,
  age_figures.age_p25,
  age_figures.age_p75,
  counts.ages_excluded,
  banque_mode.value AS banque_principale_mode,
  banque_mode.share AS banque_principale_share,
  CAST(credit_mode.value AS BOOL) AS deja_souscrit_credit_immo_mode,
  credit_mode.share AS deja_souscrit_credit_immo_share,
  categorie_mode.value AS categorie_professionnelle_mode,
  categorie_mode.share AS categorie_professionnelle_share,
  contrat_mode.value AS contrat_travail_mode,
  contrat_mode.share AS contrat_travail_share,
  counts.share_prior_mortgage
FROM counts
CROSS JOIN age_figures
LEFT JOIN banque_mode ON TRUE
LEFT JOIN credit_mode ON TRUE
LEFT JOIN categorie_mode ON TRUE
LEFT JOIN contrat_mode ON TRUE

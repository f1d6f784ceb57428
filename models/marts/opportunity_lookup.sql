-- What the lookup function serves for one opportunity id: the borrower's record as exported (an
-- impossible age is served as it is: the lookup shows the record, it does not judge it) and the best
-- offer, when there is one.
WITH opportunities AS (
  SELECT * FROM {{ ref('stg_crm_opportunities') }}
),

best AS (
  SELECT * FROM {{ ref('best_proposition') }}
)

SELECT
  opportunities.opportunity_id AS id,
  opportunities.age_emprunteur,
  opportunities.banque_principale,
  opportunities.deja_souscrit_credit_immo,
  opportunities.categorie_professionnelle,
  opportunities.contrat_travail,
  opportunities.revenu_total,
  opportunities.montant_pret_principal,
  opportunities.stage_name,
  opportunities.created_at,
  best.proposition_id AS best_proposition_id,
  best.interest_rate AS best_interest_rate,
  best.duration_months AS best_duration_months,
  best.bank_name AS best_bank_name
FROM opportunities
LEFT JOIN best ON best.opportunity_id = opportunities.opportunity_id

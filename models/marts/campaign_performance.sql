-- Sessions, leads and opportunities per campaign (the UTM source, medium and campaign of the
-- session's first event, '(none)' when absent), and what the CRM made of those opportunities. An
-- opportunity is credited to the session of its first Lead Submitted (device time, then message_id),
-- so each opportunity counts once across campaigns. Stages by their number: 5-... won, 6-... lost.
WITH sessions AS (
  SELECT
    session_key,
    visitor_key,
    reached_lead,
    COALESCE(utm_source, '(none)') AS utm_source,
    COALESCE(utm_medium, '(none)') AS utm_medium,
    COALESCE(utm_campaign, '(none)') AS utm_campaign
  FROM {{ ref('fct_sessions') }}
),

lead_events AS (
  SELECT
    session_key,
    opportunity_id,
    ROW_NUMBER() OVER (PARTITION BY opportunity_id ORDER BY event_at ASC, message_id ASC) AS submission_number
  FROM {{ ref('fct_events') }}
  WHERE event_name = 'Lead Submitted' AND opportunity_id IS NOT NULL
),

opportunities AS (
  SELECT
    lead_events.opportunity_id,
    sessions.utm_source,
    sessions.utm_medium,
    sessions.utm_campaign,
    crm.opportunity_id IS NOT NULL AS in_crm,
    crm.stage_name,
    crm.montant_pret_principal,
    best.interest_rate AS best_rate
  FROM lead_events
  JOIN sessions ON sessions.session_key = lead_events.session_key
  LEFT JOIN {{ ref('stg_crm_opportunities') }} AS crm ON crm.opportunity_id = lead_events.opportunity_id
  LEFT JOIN {{ ref('best_proposition') }} AS best ON best.opportunity_id = lead_events.opportunity_id
  WHERE lead_events.submission_number = 1
),

traffic AS (
  SELECT
    utm_source,
    utm_medium,
    utm_campaign,
    COUNT(*) AS sessions,
    COUNT(DISTINCT visitor_key) AS visitors,
    {{ countif('reached_lead') }} AS leads
  FROM sessions
  GROUP BY utm_source, utm_medium, utm_campaign
),

outcomes AS (
  SELECT
    utm_source,
    utm_medium,
    utm_campaign,
    COUNT(*) AS opportunities,
    {{ countif('in_crm') }} AS opportunities_in_crm,
    {{ countif("STARTS_WITH(stage_name, '5')") }} AS opportunities_won,
    {{ countif("STARTS_WITH(stage_name, '6')") }} AS opportunities_lost,
    {{ countif("in_crm AND NOT COALESCE(STARTS_WITH(stage_name, '5') OR STARTS_WITH(stage_name, '6'), FALSE)") }} AS opportunities_open,
    {{ countif('best_rate IS NOT NULL') }} AS opportunities_with_offer,
    SUM(montant_pret_principal) AS main_loan_amount_total,
    AVG(montant_pret_principal) AS main_loan_amount_avg,
    AVG(best_rate) AS best_rate_avg,
    MIN(best_rate) AS best_rate_min
  FROM opportunities
  GROUP BY utm_source, utm_medium, utm_campaign
)

SELECT
  traffic.utm_source,
  traffic.utm_medium,
  traffic.utm_campaign,
  traffic.sessions,
  traffic.visitors,
  traffic.leads,
  COALESCE(outcomes.opportunities, 0) AS opportunities,
  COALESCE(outcomes.opportunities_in_crm, 0) AS opportunities_in_crm,
  COALESCE(outcomes.opportunities_open, 0) AS opportunities_open,
  COALESCE(outcomes.opportunities_won, 0) AS opportunities_won,
  COALESCE(outcomes.opportunities_lost, 0) AS opportunities_lost,
  COALESCE(outcomes.opportunities_with_offer, 0) AS opportunities_with_offer,
  outcomes.main_loan_amount_total,
  outcomes.main_loan_amount_avg,
  outcomes.best_rate_avg,
  outcomes.best_rate_min
FROM traffic
LEFT JOIN outcomes
  ON outcomes.utm_source = traffic.utm_source
  AND outcomes.utm_medium = traffic.utm_medium
  AND outcomes.utm_campaign = traffic.utm_campaign

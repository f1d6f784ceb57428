-- The funnel per day and channel, from the sessions starting that day: how many sessions reached
-- each step, and the conversion from each step to the next.
WITH sessions AS (
  SELECT *
  FROM {{ ref('fct_sessions') }}
  WHERE {{ incremental_filter('session_date') }}
),

steps AS (
  SELECT
    session_date AS day,
    channel,
    COUNT(*) AS sessions,
    {{ countif('clicked_cta') }} AS cta_clicks,
    {{ countif('reached_simulation') }} AS simulations_started,
    {{ countif('completed_simulation') }} AS simulations_completed,
    {{ countif('reached_lead') }} AS leads,
    {{ countif('opportunity_id IS NOT NULL') }} AS opportunities
  FROM sessions
  GROUP BY session_date, channel
)

SELECT
  *,
  {{ safe_divide('cta_clicks', 'sessions') }} AS cta_click_rate,
  {{ safe_divide('simulations_started', 'cta_clicks') }} AS simulation_start_rate,
  {{ safe_divide('simulations_completed', 'simulations_started') }} AS simulation_completion_rate,
  {{ safe_divide('leads', 'simulations_completed') }} AS lead_rate,
  {{ safe_divide('opportunities', 'leads') }} AS opportunity_rate,
  {{ safe_divide('leads', 'sessions') }} AS session_lead_rate
FROM steps

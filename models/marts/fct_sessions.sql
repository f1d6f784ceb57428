-- One row per session (see fct_events for how sessions are cut), attributed to the date it starts.
-- The session's UTM and referrer are those of its first event; its channel follows from them (the
-- mapping is documented in fct_sessions.yml). An incremental run reads the events of the dates to
-- rebuild and of the day on each side (a session that starts on a date can end the next day, and
-- one that ends on it can have started the day before), and keeps the sessions starting on those
-- dates.
WITH events AS (
  SELECT * FROM {{ ref('fct_events') }}
  WHERE {{ incremental_filter('event_date', 1, 1) }}
),

ordered AS (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY session_key ORDER BY event_at ASC, message_id ASC) AS event_number
  FROM events
),

page_views AS (
  SELECT
    session_key,
    page_path,
    ROW_NUMBER() OVER (PARTITION BY session_key ORDER BY event_at ASC, message_id ASC) AS from_start,
    ROW_NUMBER() OVER (PARTITION BY session_key ORDER BY event_at DESC, message_id DESC) AS from_end
  FROM events
  WHERE event_type = 'page'
),

first_events AS (
  SELECT * FROM ordered WHERE event_number = 1
),

totals AS (
  SELECT
    session_key,
    MIN(event_at) AS started_at,
    MAX(event_at) AS ended_at,
    COUNT(*) AS events,
    {{ countif("event_type = 'page'") }} AS page_views,
    {{ logical_or("COALESCE(event_name = 'CTA Clicked', FALSE)") }} AS clicked_cta,
    {{ logical_or("COALESCE(event_name = 'Simulation Started', FALSE)") }} AS reached_simulation,
    {{ logical_or("COALESCE(event_name = 'Simulation Completed', FALSE)") }} AS completed_simulation,
    {{ logical_or("COALESCE(event_name = 'Lead Submitted', FALSE)") }} AS reached_lead
  FROM events
  GROUP BY session_key
),

lead_opportunities AS (
  SELECT
    session_key,
    opportunity_id,
    ROW_NUMBER() OVER (PARTITION BY session_key ORDER BY event_at ASC, message_id ASC) AS lead_number
  FROM events
  WHERE event_name = 'Lead Submitted' AND opportunity_id IS NOT NULL
),

sessions AS (
  SELECT
    totals.session_key,
    DATE(totals.started_at) AS session_date,
    first_events.visitor_key,
    first_events.user_key,
    totals.started_at,
    totals.ended_at,
    {{ timestamp_diff('totals.ended_at', 'totals.started_at', 'second') }} AS duration_seconds,
    totals.events,
    totals.page_views,
    landing.page_path AS landing_page_path,
    exit_page.page_path AS exit_page_path,
    first_events.utm_source,
    first_events.utm_medium,
    first_events.utm_campaign,
    first_events.utm_term,
    first_events.utm_content,
    first_events.referrer_host,
    CASE
      WHEN first_events.utm_medium IN ('cpc', 'ppc', 'paid', 'paidsearch', 'paid_search', 'sea') THEN 'sea'
      WHEN first_events.utm_medium IN ('email', 'e-mail', 'newsletter') OR LOWER(first_events.utm_source) = 'newsletter' THEN 'newsletter'
      WHEN first_events.utm_medium IN ('partner', 'partenaire', 'affiliate', 'affiliation') THEN 'partner'
      WHEN first_events.utm_medium IN ('organic', 'seo') THEN 'seo'
      WHEN first_events.utm_source IS NOT NULL OR first_events.utm_medium IS NOT NULL THEN 'other'
      WHEN first_events.referrer_host IS NULL THEN 'direct'
      WHEN {{ regexp_contains('first_events.referrer_host', "'(^|[.])(google|bing|qwant|ecosia|duckduckgo|yahoo|yandex|baidu|lilo)[.]'") }} THEN 'seo'
      ELSE 'referral'
    END AS channel,
    totals.clicked_cta,
    totals.reached_simulation,
    totals.completed_simulation,
    totals.reached_lead,
    lead_opportunities.opportunity_id
  FROM totals
  JOIN first_events ON first_events.session_key = totals.session_key
  LEFT JOIN page_views AS landing ON landing.session_key = totals.session_key AND landing.from_start = 1
  LEFT JOIN page_views AS exit_page ON exit_page.session_key = totals.session_key AND exit_page.from_end = 1
  LEFT JOIN lead_opportunities ON lead_opportunities.session_key = totals.session_key AND lead_opportunities.lead_number = 1
)

SELECT * FROM sessions
WHERE {{ incremental_filter('session_date') }}

-- Page views per day and page path. A page view is an entrance when it is the first page view of its
-- session; an incremental run also reads the day before each date to rebuild, where that first page
-- view may be (a session crossing midnight).
WITH page_views AS (
  SELECT event_date, event_at, message_id, COALESCE(page_path, '(not set)') AS page_path, visitor_key, session_key
  FROM {{ ref('fct_events') }}
  WHERE event_type = 'page'
    AND {{ incremental_filter('event_date', 1, 0) }}
),

numbered AS (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY session_key ORDER BY event_at ASC, message_id ASC) AS page_view_number
  FROM page_views
)

SELECT
  event_date AS day,
  page_path,
  COUNT(*) AS page_views,
  COUNT(DISTINCT visitor_key) AS visitors,
  COUNT(DISTINCT session_key) AS sessions,
  {{ countif('page_view_number = 1') }} AS entrances
FROM numbered
WHERE {{ incremental_filter('event_date') }}
GROUP BY event_date, page_path

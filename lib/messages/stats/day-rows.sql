-- Day rows for message_stats: the local days of Asia/Shanghai (COUNTER_DAY_ZONE in
-- lib/messages/stats/counter-grains.ts), so month-long reads sum about 30 rows per channel, state and
-- code instead of 720. The same three trigger functions as drizzle/0007_dashboard.sql with a third
-- grain, and the day rows of the messages counted so far, summed from the hour rows (whole hours
-- of a whole-hour zone fall in one day). Run in one transaction (as a migration is), so no write
-- falls between the new functions and the backfill.
CREATE OR REPLACE FUNCTION message_stats_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH d AS (SELECT id, channel_id, send_id, created_at, status, coalesce(error_code, '') AS code, 1 AS n FROM new_rows),
    g AS (
      SELECT gr.grain, gr.bucket, d.channel_id, d.status, d.code, sum(d.n) AS n, max(d.id) FILTER (WHERE d.n > 0) AS last_id
        FROM d CROSS JOIN LATERAL (VALUES
          ('minute', date_trunc('minute', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
          ('hour', date_trunc('hour', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
          ('day', date_trunc('day', d.created_at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')) AS gr(grain, bucket)
       GROUP BY 1, 2, 3, 4, 5
      HAVING sum(d.n) <> 0
    ),
    counted AS (
      INSERT INTO message_stats AS ms (grain, bucket, channel_id, status, code, n, last_message_id)
      SELECT grain, bucket, channel_id, status, code, n, last_id FROM g ORDER BY 1, 2, 3, 4, 5
      ON CONFLICT (grain, bucket, channel_id, status, code)
      DO UPDATE SET n = ms.n + excluded.n, last_message_id = greatest(ms.last_message_id, excluded.last_message_id)
      RETURNING 1
    )
    INSERT INTO send_stats AS ss (send_id, status, code, n, last_message_id)
    SELECT send_id, status, code, sum(n), max(id) FILTER (WHERE n > 0) FROM d
     GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (send_id, status, code)
    DO UPDATE SET n = ss.n + excluded.n, last_message_id = greatest(ss.last_message_id, excluded.last_message_id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION message_stats_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH d AS (SELECT o.id, o.channel_id, o.send_id, o.created_at, o.status, coalesce(o.error_code, '') AS code, -1 AS n
        FROM old_rows o JOIN new_rows nw ON nw.id = o.id
       WHERE o.status IS DISTINCT FROM nw.status OR o.error_code IS DISTINCT FROM nw.error_code
      UNION ALL
      SELECT nw.id, nw.channel_id, nw.send_id, nw.created_at, nw.status, coalesce(nw.error_code, '') AS code, 1 AS n
        FROM old_rows o JOIN new_rows nw ON nw.id = o.id
       WHERE o.status IS DISTINCT FROM nw.status OR o.error_code IS DISTINCT FROM nw.error_code),
    g AS (
      SELECT gr.grain, gr.bucket, d.channel_id, d.status, d.code, sum(d.n) AS n, max(d.id) FILTER (WHERE d.n > 0) AS last_id
        FROM d CROSS JOIN LATERAL (VALUES
          ('minute', date_trunc('minute', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
          ('hour', date_trunc('hour', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
          ('day', date_trunc('day', d.created_at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')) AS gr(grain, bucket)
       GROUP BY 1, 2, 3, 4, 5
      HAVING sum(d.n) <> 0
    ),
    counted AS (
      INSERT INTO message_stats AS ms (grain, bucket, channel_id, status, code, n, last_message_id)
      SELECT grain, bucket, channel_id, status, code, n, last_id FROM g ORDER BY 1, 2, 3, 4, 5
      ON CONFLICT (grain, bucket, channel_id, status, code)
      DO UPDATE SET n = ms.n + excluded.n, last_message_id = greatest(ms.last_message_id, excluded.last_message_id)
      RETURNING 1
    )
    INSERT INTO send_stats AS ss (send_id, status, code, n, last_message_id)
    SELECT send_id, status, code, sum(n), max(id) FILTER (WHERE n > 0) FROM d
     GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (send_id, status, code)
    DO UPDATE SET n = ss.n + excluded.n, last_message_id = greatest(ss.last_message_id, excluded.last_message_id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION message_stats_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH d AS (SELECT id, channel_id, send_id, created_at, status, coalesce(error_code, '') AS code, -1 AS n FROM old_rows),
    g AS (
      SELECT gr.grain, gr.bucket, d.channel_id, d.status, d.code, sum(d.n) AS n, max(d.id) FILTER (WHERE d.n > 0) AS last_id
        FROM d CROSS JOIN LATERAL (VALUES
          ('minute', date_trunc('minute', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
          ('hour', date_trunc('hour', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
          ('day', date_trunc('day', d.created_at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')) AS gr(grain, bucket)
       GROUP BY 1, 2, 3, 4, 5
      HAVING sum(d.n) <> 0
    ),
    counted AS (
      INSERT INTO message_stats AS ms (grain, bucket, channel_id, status, code, n, last_message_id)
      SELECT grain, bucket, channel_id, status, code, n, last_id FROM g ORDER BY 1, 2, 3, 4, 5
      ON CONFLICT (grain, bucket, channel_id, status, code)
      DO UPDATE SET n = ms.n + excluded.n, last_message_id = greatest(ms.last_message_id, excluded.last_message_id)
      RETURNING 1
    )
    INSERT INTO send_stats AS ss (send_id, status, code, n, last_message_id)
    SELECT send_id, status, code, sum(n), max(id) FILTER (WHERE n > 0) FROM d
     GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (send_id, status, code)
    DO UPDATE SET n = ss.n + excluded.n, last_message_id = greatest(ss.last_message_id, excluded.last_message_id);
  RETURN NULL;
END $$;
--> statement-breakpoint
DELETE FROM message_stats WHERE grain = 'day';
--> statement-breakpoint
INSERT INTO message_stats (grain, bucket, channel_id, status, code, n, last_message_id)
SELECT 'day', date_trunc('day', bucket AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai', channel_id, status, code, sum(n), max(last_message_id)
  FROM message_stats WHERE grain = 'hour'
 GROUP BY 1, 2, 3, 4, 5
HAVING sum(n) <> 0;

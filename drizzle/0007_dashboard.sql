CREATE TABLE "channel_live_stats" (
	"process_id" text NOT NULL,
	"channel_id" uuid NOT NULL,
	"snapshot" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "channel_live_stats_process_id_channel_id_pk" PRIMARY KEY("process_id","channel_id")
);
--> statement-breakpoint
CREATE TABLE "message_stats" (
	"grain" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"channel_id" uuid NOT NULL,
	"status" text NOT NULL,
	"code" text DEFAULT '' NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	"last_message_id" bigint,
	CONSTRAINT "message_stats_grain_bucket_channel_id_status_code_pk" PRIMARY KEY("grain","bucket","channel_id","status","code")
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"preset" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "receipt_codes" (
	"provider_id" text NOT NULL,
	"code" text NOT NULL,
	"outcome" text NOT NULL,
	"category" text NOT NULL,
	"description_en" text DEFAULT '' NOT NULL,
	"description_zh" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text,
	CONSTRAINT "receipt_codes_provider_id_code_pk" PRIMARY KEY("provider_id","code")
);
--> statement-breakpoint
CREATE TABLE "send_stats" (
	"send_id" uuid NOT NULL,
	"status" text NOT NULL,
	"code" text DEFAULT '' NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	"last_message_id" bigint,
	CONSTRAINT "send_stats_send_id_status_code_pk" PRIMARY KEY("send_id","status","code")
);
--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "resent_from" uuid;--> statement-breakpoint
ALTER TABLE "receipt_codes" ADD CONSTRAINT "receipt_codes_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "channel_live_stats_channel_idx" ON "channel_live_stats" USING btree ("channel_id","updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "providers_name_lower_idx" ON "providers" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "messages_error_code_idx" ON "messages" USING btree ("error_code","id") WHERE "messages"."error_code" is not null;--> statement-breakpoint
CREATE INDEX "sends_resent_from_idx" ON "sends" USING btree ("resent_from") WHERE "sends"."resent_from" is not null;--> statement-breakpoint
-- The preset providers, so every channel's provider exists from the start; their receipt codes
-- are seeded by the application at start-up (lib/providers).
INSERT INTO providers (id, name, kind, preset) VALUES
  ('china_mobile', 'China Mobile', 'cmpp', true),
  ('china_unicom', 'China Unicom', 'cmpp', true),
  ('china_telecom', 'China Telecom', 'cmpp', true),
  ('other', 'Other', 'cmpp', true),
  ('jsms', 'JSMS', 'jsms', true)
ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- The dashboard's counters (message_stats per channel per minute and hour, send_stats per send),
-- kept by statement triggers with transition tables: every statement that inserts, changes the
-- state or code of, or deletes messages adds its moves to the counters in the same statement, so
-- no writer can forget them and a rolled-back change rolls back its counts. One trigger per event
-- because a trigger with transition tables may have only one.
CREATE FUNCTION message_stats_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH d AS (SELECT id, channel_id, send_id, created_at, status, coalesce(error_code, '') AS code, 1 AS n FROM new_rows),
    g AS (
      SELECT gr.grain, gr.bucket, d.channel_id, d.status, d.code, sum(d.n) AS n, max(d.id) FILTER (WHERE d.n > 0) AS last_id
        FROM d CROSS JOIN LATERAL (VALUES
          ('minute', date_trunc('minute', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
          ('hour', date_trunc('hour', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')) AS gr(grain, bucket)
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
CREATE FUNCTION message_stats_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
          ('hour', date_trunc('hour', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')) AS gr(grain, bucket)
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
CREATE FUNCTION message_stats_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH d AS (SELECT id, channel_id, send_id, created_at, status, coalesce(error_code, '') AS code, -1 AS n FROM old_rows),
    g AS (
      SELECT gr.grain, gr.bucket, d.channel_id, d.status, d.code, sum(d.n) AS n, max(d.id) FILTER (WHERE d.n > 0) AS last_id
        FROM d CROSS JOIN LATERAL (VALUES
          ('minute', date_trunc('minute', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
          ('hour', date_trunc('hour', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')) AS gr(grain, bucket)
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
CREATE TRIGGER message_stats_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION message_stats_on_insert();
--> statement-breakpoint
CREATE TRIGGER message_stats_update AFTER UPDATE ON messages REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION message_stats_on_update();
--> statement-breakpoint
CREATE TRIGGER message_stats_delete AFTER DELETE ON messages REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION message_stats_on_delete();
--> statement-breakpoint
-- Messages written before the counters existed.
INSERT INTO message_stats (grain, bucket, channel_id, status, code, n, last_message_id)
SELECT gr.grain, gr.bucket, m.channel_id, m.status, coalesce(m.error_code, ''), count(*), max(m.id)
  FROM messages m CROSS JOIN LATERAL (VALUES
    ('minute', date_trunc('minute', m.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
    ('hour', date_trunc('hour', m.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')) AS gr(grain, bucket)
 GROUP BY 1, 2, 3, 4, 5;
--> statement-breakpoint
INSERT INTO send_stats (send_id, status, code, n, last_message_id)
SELECT send_id, status, coalesce(error_code, ''), count(*), max(id) FROM messages GROUP BY 1, 2, 3;

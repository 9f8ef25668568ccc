CREATE TABLE "auth_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"window_started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"blocked_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "operator_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"operator_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"address" text,
	"user_agent" text
);
--> statement-breakpoint
DROP INDEX "jsms_callbacks_replay_idx";--> statement-breakpoint
DROP INDEX "jsms_callbacks_pending_idx";--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "address" text;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "lease_owner" text;--> statement-breakpoint
-- Rows stored before the timestamp was kept cannot be re-keyed by it: each gets a value of its own.
ALTER TABLE "jsms_callbacks" ADD COLUMN "timestamp" text;--> statement-breakpoint
UPDATE "jsms_callbacks" SET "timestamp" = 'legacy-' || "id", "signature" = lower("signature");--> statement-breakpoint
ALTER TABLE "jsms_callbacks" ALTER COLUMN "timestamp" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "jsms_callbacks" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jsms_callbacks" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "jsms_callbacks" ADD COLUMN "set_aside_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "operator_sessions" ADD CONSTRAINT "operator_sessions_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "operator_sessions_operator_idx" ON "operator_sessions" USING btree ("operator_id");--> statement-breakpoint
CREATE INDEX "audit_log_actor_at_idx" ON "audit_log" USING btree ("actor","at");--> statement-breakpoint
CREATE INDEX "audit_log_action_at_idx" ON "audit_log" USING btree ("action","at");--> statement-breakpoint
-- Replies stored twice before the unique key existed: keep the first copy.
DELETE FROM "replies" r USING "replies" o
 WHERE o."channel_id" = r."channel_id" AND o."phone" = r."phone" AND o."replied_at" = r."replied_at"
   AND md5(o."content") = md5(r."content") AND o."id" < r."id";--> statement-breakpoint
CREATE UNIQUE INDEX "replies_dedup_idx" ON "replies" USING btree ("channel_id","phone","replied_at",md5("content"));--> statement-breakpoint
CREATE UNIQUE INDEX "jsms_callbacks_replay_idx" ON "jsms_callbacks" USING btree ("channel_id","nonce","timestamp");--> statement-breakpoint
CREATE INDEX "jsms_callbacks_pending_idx" ON "jsms_callbacks" USING btree ("received_at") WHERE "jsms_callbacks"."applied_at" is null and "jsms_callbacks"."set_aside_at" is null;
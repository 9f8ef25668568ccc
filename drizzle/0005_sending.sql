CREATE TABLE "channel_connection_slots" (
	"channel_id" uuid NOT NULL,
	"slot" integer NOT NULL,
	"owner" text,
	"taken_at" timestamp with time zone,
	CONSTRAINT "channel_connection_slots_channel_id_slot_pk" PRIMARY KEY("channel_id","slot")
);
--> statement-breakpoint
CREATE TABLE "dispatcher_workers" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	"last_claim_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "message_segments" (
	"message_id" bigint NOT NULL,
	"part" integer NOT NULL,
	"channel_id" uuid NOT NULL,
	"phone" text NOT NULL,
	"provider_message_id" text NOT NULL,
	"status" text DEFAULT 'submitted' NOT NULL,
	"code" text,
	"category" text,
	"done_at" timestamp with time zone,
	CONSTRAINT "message_segments_message_id_part_pk" PRIMARY KEY("message_id","part")
);
--> statement-breakpoint
ALTER TABLE "message_events" DROP CONSTRAINT "message_events_message_id_messages_id_fk";
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_send_id_sends_id_fk";
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_channel_id_channels_id_fk";
--> statement-breakpoint
DROP INDEX "messages_channel_provider_id_idx";--> statement-breakpoint
DROP INDEX "message_events_message_idx";--> statement-breakpoint
DROP INDEX "messages_send_status_idx";--> statement-breakpoint
DROP INDEX "unmatched_receipts_key_idx";--> statement-breakpoint
ALTER TABLE "message_events" ADD COLUMN "part" integer;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "uncertain" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "claimed_by" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "report_deadline_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "request_hash" text;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "status" text DEFAULT 'preparing' NOT NULL;--> statement-breakpoint
-- Sends stored before sending existed have no audience to prepare: they are history.
UPDATE "sends" SET "status" = 'done';--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "content" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "audience" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "audience_size" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "rejected" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "total" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "queued_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "submitting_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "submitted_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "delivered_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "failed_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "expired_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "unknown_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "cancelled_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "uncertain_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "segments_per_message" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "prepare_cursor" text;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "finished_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "unmatched_receipts" ADD COLUMN "raw" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "channel_connection_slots" ADD CONSTRAINT "channel_connection_slots_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Messages stored with a provider id keep it as their one segment, so later receipts still match.
INSERT INTO "message_segments" ("message_id", "part", "channel_id", "phone", "provider_message_id", "status")
SELECT "id", 1, "channel_id", "phone", "provider_message_id", CASE WHEN "status" IN ('delivered', 'failed', 'expired') THEN "status" ELSE 'submitted' END
  FROM "messages" WHERE "provider_message_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "message_segments_provider_idx" ON "message_segments" USING btree ("channel_id","provider_message_id");--> statement-breakpoint
CREATE INDEX "messages_send_id_idx" ON "messages" USING btree ("send_id","id");--> statement-breakpoint
CREATE INDEX "messages_claimed_idx" ON "messages" USING btree ("claimed_by") WHERE "messages"."status" = 'submitting';--> statement-breakpoint
CREATE INDEX "messages_report_deadline_idx" ON "messages" USING btree ("report_deadline_at") WHERE "messages"."status" = 'submitted';--> statement-breakpoint
CREATE INDEX "messages_phone_idx" ON "messages" USING btree ("phone","id");--> statement-breakpoint
CREATE INDEX "messages_userid_idx" ON "messages" USING btree ("userid","id");--> statement-breakpoint
CREATE INDEX "sends_created_idx" ON "sends" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "sends_preparing_idx" ON "sends" USING btree ("created_at") WHERE "sends"."status" = 'preparing';--> statement-breakpoint
CREATE INDEX "sends_sending_idx" ON "sends" USING btree ("channel_id","created_at") WHERE "sends"."status" = 'sending';--> statement-breakpoint
CREATE INDEX "sends_cancelling_idx" ON "sends" USING btree ("id") WHERE "sends"."status" = 'cancelled' and "sends"."queued_count" > 0;--> statement-breakpoint
CREATE INDEX "message_events_message_idx" ON "message_events" USING btree ("message_id","id");--> statement-breakpoint
CREATE INDEX "messages_send_status_idx" ON "messages" USING btree ("send_id","status","id");--> statement-breakpoint
CREATE UNIQUE INDEX "unmatched_receipts_key_idx" ON "unmatched_receipts" USING btree ("channel_id","provider_message_id",coalesce("phone", ''),"code");
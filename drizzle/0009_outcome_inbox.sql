CREATE TABLE "outcome_inbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"channel_id" uuid NOT NULL,
	"owner" text NOT NULL,
	"outcome" jsonb NOT NULL,
	"kept_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "outcome_inbox" ADD CONSTRAINT "outcome_inbox_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outcome_inbox_owner_idx" ON "outcome_inbox" USING btree ("owner");--> statement-breakpoint
CREATE INDEX "outcome_inbox_kept_idx" ON "outcome_inbox" USING btree ("kept_at");
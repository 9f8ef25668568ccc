CREATE TABLE "dispatcher_handoffs" (
	"worker_id" text NOT NULL,
	"channel_id" uuid NOT NULL,
	"message_ids" bigint[] NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dispatcher_handoffs_worker_id_channel_id_pk" PRIMARY KEY("worker_id","channel_id")
);
--> statement-breakpoint
ALTER TABLE "dispatcher_handoffs" ADD CONSTRAINT "dispatcher_handoffs_worker_id_dispatcher_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."dispatcher_workers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dispatcher_handoffs" ADD CONSTRAINT "dispatcher_handoffs_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "import_issues" ADD COLUMN "reason_key" text;--> statement-breakpoint
ALTER TABLE "import_issues" ADD COLUMN "reason_params" jsonb;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "error_key" text;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "error_params" jsonb;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "error_details" jsonb;
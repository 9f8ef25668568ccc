DROP INDEX "contacts_userid_pattern_idx";--> statement-breakpoint
DROP INDEX "contact_phones_phone_idx";--> statement-breakpoint
ALTER TABLE "contact_phones" ALTER COLUMN "userid" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "contact_phones" ALTER COLUMN "bind_id" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "contact_phones" ALTER COLUMN "phone" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "contacts" ALTER COLUMN "userid" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
CREATE INDEX "contact_phones_phone_idx" ON "contact_phones" USING btree ("phone");
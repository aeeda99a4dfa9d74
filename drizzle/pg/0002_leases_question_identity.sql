CREATE TABLE "leases" (
	"key" text PRIMARY KEY NOT NULL,
	"token" text NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"meta" jsonb,
	"acquired_at" timestamp with time zone NOT NULL,
	"renewed_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
DROP INDEX "questions_key_uq";--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "content_sha256" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "questions_key_uq" ON "questions" USING btree ("task","split","qid","content_sha256");
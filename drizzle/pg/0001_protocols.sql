DROP INDEX "turns_key_uq";--> statement-breakpoint
ALTER TABLE "dataset_rows" ADD COLUMN "chosen" jsonb;--> statement-breakpoint
ALTER TABLE "dataset_rows" ADD COLUMN "rejected" jsonb;--> statement-breakpoint
ALTER TABLE "dataset_rows" ADD COLUMN "ref_chosen_logp" double precision;--> statement-breakpoint
ALTER TABLE "dataset_rows" ADD COLUMN "ref_rejected_logp" double precision;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "format" text DEFAULT 'chat' NOT NULL;--> statement-breakpoint
ALTER TABLE "debates" ADD COLUMN "protocol" text DEFAULT 'debate' NOT NULL;--> statement-breakpoint
ALTER TABLE "turns" ADD COLUMN "node" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "turns" ADD COLUMN "parent_id" text;--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_parent_id_turns_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."turns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "turns_node_uq" ON "turns" USING btree ("debate_id","agent_id","round","node");
CREATE TABLE `leases` (
	`key` text PRIMARY KEY NOT NULL,
	`token` text NOT NULL,
	`host` text NOT NULL,
	`pid` integer NOT NULL,
	`meta` text,
	`acquired_at` integer NOT NULL,
	`renewed_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
DROP INDEX `questions_key_uq`;--> statement-breakpoint
ALTER TABLE `questions` ADD `content_sha256` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `questions_key_uq` ON `questions` (`task`,`split`,`qid`,`content_sha256`);
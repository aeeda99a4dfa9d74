DROP INDEX `turns_key_uq`;--> statement-breakpoint
ALTER TABLE `turns` ADD `node` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `turns` ADD `parent_id` text REFERENCES turns(id) ON DELETE cascade;--> statement-breakpoint
CREATE UNIQUE INDEX `turns_node_uq` ON `turns` (`debate_id`,`agent_id`,`round`,`node`);--> statement-breakpoint
ALTER TABLE `dataset_rows` ADD `chosen` text;--> statement-breakpoint
ALTER TABLE `dataset_rows` ADD `rejected` text;--> statement-breakpoint
ALTER TABLE `dataset_rows` ADD `ref_chosen_logp` real;--> statement-breakpoint
ALTER TABLE `dataset_rows` ADD `ref_rejected_logp` real;--> statement-breakpoint
ALTER TABLE `datasets` ADD `format` text DEFAULT 'chat' NOT NULL;--> statement-breakpoint
ALTER TABLE `debates` ADD `protocol` text DEFAULT 'debate' NOT NULL;
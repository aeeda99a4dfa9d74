CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`method` text NOT NULL,
	`role` text NOT NULL,
	`agent_index` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agents_key_uq` ON `agents` (`run_id`,`method`,`role`,`agent_index`);--> statement-breakpoint
CREATE TABLE `dataset_rows` (
	`dataset_id` text NOT NULL,
	`row_index` integer NOT NULL,
	`source_turn_ids` text NOT NULL,
	`messages` text NOT NULL,
	PRIMARY KEY(`dataset_id`, `row_index`),
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `datasets` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`method` text NOT NULL,
	`agent_id` text NOT NULL,
	`iteration` integer NOT NULL,
	`kind` text NOT NULL,
	`row_count` integer NOT NULL,
	`sha256` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `datasets_key_uq` ON `datasets` (`run_id`,`method`,`agent_id`,`iteration`,`kind`);--> statement-breakpoint
CREATE TABLE `debates` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`method` text NOT NULL,
	`iteration` integer NOT NULL,
	`phase` text NOT NULL,
	`question_id` text NOT NULL,
	`final_answer` text,
	`votes` text,
	`tie_break` text,
	`status` text DEFAULT 'running' NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`question_id`) REFERENCES `questions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `debates_key_uq` ON `debates` (`run_id`,`method`,`iteration`,`phase`,`question_id`);--> statement-breakpoint
CREATE TABLE `iterations` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`method` text NOT NULL,
	`iteration` integer NOT NULL,
	`status` text DEFAULT 'running' NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `iterations_key_uq` ON `iterations` (`run_id`,`method`,`iteration`);--> statement-breakpoint
CREATE TABLE `metrics` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`method` text NOT NULL,
	`iteration` integer NOT NULL,
	`name` text NOT NULL,
	`scope` text NOT NULL,
	`value` real NOT NULL,
	`extra` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `metrics_key_uq` ON `metrics` (`run_id`,`method`,`iteration`,`name`,`scope`);--> statement-breakpoint
CREATE TABLE `model_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`iteration` integer NOT NULL,
	`kind` text NOT NULL,
	`path` text,
	`remote_id` text,
	`sha256` text,
	`parent_id` text,
	`meta` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`parent_id`) REFERENCES `model_versions`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `model_versions_key_uq` ON `model_versions` (`agent_id`,`iteration`);--> statement-breakpoint
CREATE TABLE `questions` (
	`id` text PRIMARY KEY NOT NULL,
	`task` text NOT NULL,
	`split` text NOT NULL,
	`qid` text NOT NULL,
	`text` text NOT NULL,
	`gold` text NOT NULL,
	`meta` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `questions_key_uq` ON `questions` (`task`,`split`,`qid`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`methods` text NOT NULL,
	`config` text NOT NULL,
	`seed` integer NOT NULL,
	`status` text DEFAULT 'created' NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `runs_created_idx` ON `runs` (`created_at`);--> statement-breakpoint
CREATE TABLE `training_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`iteration` integer NOT NULL,
	`trainer` text NOT NULL,
	`dataset_id` text,
	`remote_job_id` text,
	`status` text DEFAULT 'queued' NOT NULL,
	`config` text,
	`loss_curve` text,
	`error` text,
	`output_model_version_id` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`output_model_version_id`) REFERENCES `model_versions`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `training_jobs_remote_uq` ON `training_jobs` (`remote_job_id`);--> statement-breakpoint
CREATE INDEX `training_jobs_agent_idx` ON `training_jobs` (`agent_id`,`iteration`);--> statement-breakpoint
CREATE TABLE `turns` (
	`id` text PRIMARY KEY NOT NULL,
	`debate_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`round` integer NOT NULL,
	`model_version_id` text,
	`prompt` text NOT NULL,
	`completion` text NOT NULL,
	`parsed_answer` text,
	`parse_status` text NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`latency_ms` integer NOT NULL,
	`seed` integer NOT NULL,
	`meta` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`debate_id`) REFERENCES `debates`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`model_version_id`) REFERENCES `model_versions`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `turns_key_uq` ON `turns` (`debate_id`,`agent_id`,`round`);--> statement-breakpoint
CREATE TABLE `units` (
	`run_id` text NOT NULL,
	`key` text NOT NULL,
	`status` text DEFAULT 'done' NOT NULL,
	`result` text,
	`finished_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `key`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);

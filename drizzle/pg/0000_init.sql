CREATE TABLE "agents" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"method" text NOT NULL,
	"role" text NOT NULL,
	"agent_index" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dataset_rows" (
	"dataset_id" text NOT NULL,
	"row_index" integer NOT NULL,
	"source_turn_ids" jsonb NOT NULL,
	"messages" jsonb NOT NULL,
	CONSTRAINT "dataset_rows_pk" PRIMARY KEY("dataset_id","row_index")
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"method" text NOT NULL,
	"agent_id" text NOT NULL,
	"iteration" integer NOT NULL,
	"kind" text NOT NULL,
	"row_count" integer NOT NULL,
	"sha256" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "debates" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"method" text NOT NULL,
	"iteration" integer NOT NULL,
	"phase" text NOT NULL,
	"question_id" text NOT NULL,
	"final_answer" text,
	"votes" jsonb,
	"tie_break" jsonb,
	"status" text DEFAULT 'running' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "iterations" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"method" text NOT NULL,
	"iteration" integer NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"method" text NOT NULL,
	"iteration" integer NOT NULL,
	"name" text NOT NULL,
	"scope" text NOT NULL,
	"value" double precision NOT NULL,
	"extra" jsonb,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"agent_id" text NOT NULL,
	"iteration" integer NOT NULL,
	"kind" text NOT NULL,
	"path" text,
	"remote_id" text,
	"sha256" text,
	"parent_id" text,
	"meta" jsonb,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "questions" (
	"id" text PRIMARY KEY NOT NULL,
	"task" text NOT NULL,
	"split" text NOT NULL,
	"qid" text NOT NULL,
	"text" text NOT NULL,
	"gold" text NOT NULL,
	"meta" jsonb,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"methods" jsonb NOT NULL,
	"config" jsonb NOT NULL,
	"seed" bigint NOT NULL,
	"status" text DEFAULT 'created' NOT NULL,
	"error" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"iteration" integer NOT NULL,
	"trainer" text NOT NULL,
	"dataset_id" text,
	"remote_job_id" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"config" jsonb,
	"loss_curve" jsonb,
	"error" text,
	"output_model_version_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "turns" (
	"id" text PRIMARY KEY NOT NULL,
	"debate_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"round" integer NOT NULL,
	"model_version_id" text,
	"prompt" jsonb NOT NULL,
	"completion" text NOT NULL,
	"parsed_answer" text,
	"parse_status" text NOT NULL,
	"prompt_tokens" integer NOT NULL,
	"completion_tokens" integer NOT NULL,
	"latency_ms" integer NOT NULL,
	"seed" bigint NOT NULL,
	"meta" jsonb,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "units" (
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"status" text DEFAULT 'done' NOT NULL,
	"result" jsonb,
	"finished_at" timestamp with time zone NOT NULL,
	CONSTRAINT "units_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_rows" ADD CONSTRAINT "dataset_rows_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debates" ADD CONSTRAINT "debates_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debates" ADD CONSTRAINT "debates_question_id_questions_id_fk" FOREIGN KEY ("question_id") REFERENCES "public"."questions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iterations" ADD CONSTRAINT "iterations_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metrics" ADD CONSTRAINT "metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_parent_id_model_versions_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_output_model_version_id_model_versions_id_fk" FOREIGN KEY ("output_model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_debate_id_debates_id_fk" FOREIGN KEY ("debate_id") REFERENCES "public"."debates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agents_key_uq" ON "agents" USING btree ("run_id","method","role","agent_index");--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_key_uq" ON "datasets" USING btree ("run_id","method","agent_id","iteration","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "debates_key_uq" ON "debates" USING btree ("run_id","method","iteration","phase","question_id");--> statement-breakpoint
CREATE UNIQUE INDEX "iterations_key_uq" ON "iterations" USING btree ("run_id","method","iteration");--> statement-breakpoint
CREATE UNIQUE INDEX "metrics_key_uq" ON "metrics" USING btree ("run_id","method","iteration","name","scope");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_key_uq" ON "model_versions" USING btree ("agent_id","iteration");--> statement-breakpoint
CREATE UNIQUE INDEX "questions_key_uq" ON "questions" USING btree ("task","split","qid");--> statement-breakpoint
CREATE INDEX "runs_created_idx" ON "runs" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "training_jobs_remote_uq" ON "training_jobs" USING btree ("remote_job_id");--> statement-breakpoint
CREATE INDEX "training_jobs_agent_idx" ON "training_jobs" USING btree ("agent_id","iteration");--> statement-breakpoint
CREATE UNIQUE INDEX "turns_key_uq" ON "turns" USING btree ("debate_id","agent_id","round");
CREATE TYPE "public"."job_item_status" AS ENUM('pending', 'running', 'done', 'failed');--> statement-breakpoint
CREATE TABLE "job_inputs" (
	"job_id" uuid NOT NULL,
	"idx" integer NOT NULL,
	"name" text NOT NULL,
	"sha256" text NOT NULL,
	"content" "bytea" NOT NULL,
	CONSTRAINT "job_inputs_job_id_idx_pk" PRIMARY KEY("job_id","idx")
);
--> statement-breakpoint
CREATE TABLE "job_items" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "job_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"job_id" uuid NOT NULL,
	"input_idx" integer NOT NULL,
	"target" "expression" NOT NULL,
	"copy" integer NOT NULL,
	"status" "job_item_status" DEFAULT 'pending' NOT NULL,
	"claim_token" uuid,
	"lease_until" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"output_name" text,
	"output" "bytea",
	"output_sha256" text,
	"error" text,
	"finished_at" timestamp with time zone,
	CONSTRAINT "job_items_once" UNIQUE("job_id","input_idx","target","copy"),
	CONSTRAINT "job_items_claimed" CHECK (("job_items"."status" = 'running') = ("job_items"."claim_token" is not null)),
	CONSTRAINT "job_items_done_output" CHECK (("job_items"."status" = 'done') = ("job_items"."output" is not null))
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"source" "expression" NOT NULL,
	"targets" "expression"[] NOT NULL,
	"copies" integer NOT NULL,
	"seed" bigint NOT NULL,
	"format" text NOT NULL,
	"size" integer NOT NULL,
	"models" jsonb NOT NULL,
	"input_count" integer NOT NULL,
	"item_count" integer NOT NULL,
	"api_key_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "jobs_copies_positive" CHECK ("jobs"."copies" > 0),
	CONSTRAINT "jobs_targets_nonempty" CHECK (cardinality("jobs"."targets") > 0),
	CONSTRAINT "jobs_format" CHECK ("jobs"."format" in ('png', 'jpeg', 'webp'))
);
--> statement-breakpoint
ALTER TABLE "job_inputs" ADD CONSTRAINT "job_inputs_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_items" ADD CONSTRAINT "job_items_input_fk" FOREIGN KEY ("job_id","input_idx") REFERENCES "public"."job_inputs"("job_id","idx") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "job_items_claimable_idx" ON "job_items" USING btree ("status","lease_until");
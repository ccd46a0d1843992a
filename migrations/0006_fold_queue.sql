CREATE TYPE "public"."fold_arm" AS ENUM('baseline', 'augmented');--> statement-breakpoint
CREATE TABLE "fold_tasks" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "fold_tasks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"validation_id" text NOT NULL,
	"repeat" integer NOT NULL,
	"fold" integer NOT NULL,
	"arm" "fold_arm" NOT NULL,
	"seed" bigint NOT NULL,
	"train" "bytea" NOT NULL,
	"held_out" "bytea" NOT NULL,
	"status" "job_item_status" DEFAULT 'pending' NOT NULL,
	"claim_token" uuid,
	"lease_until" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"worker" text,
	"result" jsonb,
	"error" text,
	"finished_at" timestamp with time zone,
	CONSTRAINT "fold_tasks_once" UNIQUE("validation_id","repeat","fold","arm"),
	CONSTRAINT "fold_tasks_claimed" CHECK (("fold_tasks"."status" = 'running') = ("fold_tasks"."claim_token" is not null)),
	CONSTRAINT "fold_tasks_done_result" CHECK (("fold_tasks"."status" = 'done') = ("fold_tasks"."result" is not null))
);
--> statement-breakpoint
CREATE TABLE "queued_validations" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"data_version" text NOT NULL,
	"target_label" integer NOT NULL,
	"classifier" jsonb NOT NULL,
	"test" "bytea" NOT NULL,
	"synthetic" "bytea" NOT NULL,
	"spec_sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "fold_tasks" ADD CONSTRAINT "fold_tasks_validation_id_queued_validations_id_fk" FOREIGN KEY ("validation_id") REFERENCES "public"."queued_validations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fold_tasks_claimable_idx" ON "fold_tasks" USING btree ("status","lease_until");
CREATE TYPE "public"."expression" AS ENUM('angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral');--> statement-breakpoint
CREATE TYPE "public"."run_status" AS ENUM('running', 'succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."alias_action" AS ENUM('promote', 'rollback');--> statement-breakpoint
CREATE TYPE "public"."model_alias" AS ENUM('champion');--> statement-breakpoint
CREATE TYPE "public"."artifact_kind" AS ENUM('onnx', 'tfjs');--> statement-breakpoint
CREATE TYPE "public"."model_status" AS ENUM('candidate', 'accepted', 'rejected', 'archived');--> statement-breakpoint
CREATE TYPE "public"."api_key_scope" AS ENUM('translate', 'admin');--> statement-breakpoint
CREATE TABLE "dataset_versions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "dataset_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"dataset_id" integer NOT NULL,
	"parent_version_id" integer,
	"filter_method" text NOT NULL,
	"filter_params" jsonb NOT NULL,
	"kept_count" integer NOT NULL,
	"kept_row_ids" "bytea" NOT NULL,
	"kept_scores" "bytea",
	"class_counts" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dataset_versions_ids_length" CHECK (octet_length("dataset_versions"."kept_row_ids") = 4 * "dataset_versions"."kept_count"),
	CONSTRAINT "dataset_versions_scores_length" CHECK ("dataset_versions"."kept_scores" is null or octet_length("dataset_versions"."kept_scores") = 4 * "dataset_versions"."kept_count")
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "datasets_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"source_name" text NOT NULL,
	"sha256" text NOT NULL,
	"row_count" integer NOT NULL,
	"class_counts" jsonb NOT NULL,
	"layout" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "datasets_sha256_layout_unique" UNIQUE("sha256","layout"),
	CONSTRAINT "datasets_sha256_hex" CHECK ("datasets"."sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "datasets_row_count_nonnegative" CHECK ("datasets"."row_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "training_runs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "training_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"dataset_version_id" integer NOT NULL,
	"source" "expression" NOT NULL,
	"target" "expression" NOT NULL,
	"architecture" text NOT NULL,
	"hyperparameters" jsonb NOT NULL,
	"seed" bigint NOT NULL,
	"backend" text NOT NULL,
	"git_sha" text NOT NULL,
	"status" "run_status" DEFAULT 'running' NOT NULL,
	"error" text,
	"loss_history_uri" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	CONSTRAINT "training_runs_distinct_expressions" CHECK ("training_runs"."source" <> "training_runs"."target"),
	CONSTRAINT "training_runs_ended" CHECK (("training_runs"."status" = 'running') = ("training_runs"."ended_at" is null))
);
--> statement-breakpoint
CREATE TABLE "alias_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "alias_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"source" "expression" NOT NULL,
	"target" "expression" NOT NULL,
	"alias" "model_alias" NOT NULL,
	"action" "alias_action" NOT NULL,
	"from_version" integer,
	"to_version" integer NOT NULL,
	"actor" text NOT NULL,
	"reason" text,
	"forced" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alias_events_forced_reason" CHECK (not "alias_events"."forced" or "alias_events"."reason" is not null)
);
--> statement-breakpoint
CREATE TABLE "aliases" (
	"source" "expression" NOT NULL,
	"target" "expression" NOT NULL,
	"alias" "model_alias" NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "aliases_source_target_alias_pk" PRIMARY KEY("source","target","alias")
);
--> statement-breakpoint
CREATE TABLE "model_artifacts" (
	"model_version_id" integer NOT NULL,
	"kind" "artifact_kind" NOT NULL,
	"sha256" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"content" "bytea",
	"uri" text,
	CONSTRAINT "model_artifacts_model_version_id_kind_pk" PRIMARY KEY("model_version_id","kind"),
	CONSTRAINT "model_artifacts_sha256_hex" CHECK ("model_artifacts"."sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "model_artifacts_one_location" CHECK (("model_artifacts"."content" is null) <> ("model_artifacts"."uri" is null))
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "model_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"source" "expression" NOT NULL,
	"target" "expression" NOT NULL,
	"version" integer NOT NULL,
	"run_id" integer,
	"status" "model_status" NOT NULL,
	"metrics" jsonb NOT NULL,
	"report" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_versions_translator_version_unique" UNIQUE("source","target","version"),
	CONSTRAINT "model_versions_version_positive" CHECK ("model_versions"."version" > 0)
);
--> statement-breakpoint
CREATE TABLE "translators" (
	"source" "expression" NOT NULL,
	"target" "expression" NOT NULL,
	"last_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "translators_source_target_pk" PRIMARY KEY("source","target"),
	CONSTRAINT "translators_distinct_expressions" CHECK ("translators"."source" <> "translators"."target")
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "api_keys_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"scopes" "api_key_scope"[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_hash_hex" CHECK ("api_keys"."hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "api_keys_scopes_nonempty" CHECK (cardinality("api_keys"."scopes") > 0)
);
--> statement-breakpoint
ALTER TABLE "dataset_versions" ADD CONSTRAINT "dataset_versions_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_versions" ADD CONSTRAINT "dataset_versions_parent_version_id_dataset_versions_id_fk" FOREIGN KEY ("parent_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_runs" ADD CONSTRAINT "training_runs_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alias_events" ADD CONSTRAINT "alias_events_from_fk" FOREIGN KEY ("source","target","from_version") REFERENCES "public"."model_versions"("source","target","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alias_events" ADD CONSTRAINT "alias_events_to_fk" FOREIGN KEY ("source","target","to_version") REFERENCES "public"."model_versions"("source","target","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "aliases" ADD CONSTRAINT "aliases_version_fk" FOREIGN KEY ("source","target","version") REFERENCES "public"."model_versions"("source","target","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_artifacts" ADD CONSTRAINT "model_artifacts_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_run_id_training_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."training_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_translator_fk" FOREIGN KEY ("source","target") REFERENCES "public"."translators"("source","target") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dataset_versions_dataset_idx" ON "dataset_versions" USING btree ("dataset_id");--> statement-breakpoint
CREATE INDEX "training_runs_translator_idx" ON "training_runs" USING btree ("source","target");--> statement-breakpoint
CREATE INDEX "alias_events_translator_idx" ON "alias_events" USING btree ("source","target","alias","id");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_unique" ON "api_keys" USING btree ("hash");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_active_name_unique" ON "api_keys" USING btree ("name") WHERE "api_keys"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "api_keys_prefix_idx" ON "api_keys" USING btree ("prefix");
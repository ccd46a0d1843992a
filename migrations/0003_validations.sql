CREATE TYPE "public"."validation_verdict" AS ENUM('accepted', 'rejected');--> statement-breakpoint
CREATE TABLE "validations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "validations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"model_version_id" integer NOT NULL,
	"verdict" "validation_verdict" NOT NULL,
	"params" jsonb NOT NULL,
	"metrics" jsonb NOT NULL,
	"report" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "validations" ADD CONSTRAINT "validations_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "validations_model_version_idx" ON "validations" USING btree ("model_version_id","id");--> statement-breakpoint
-- A recorded verdict is history: later validations add rows, none rewrites an earlier one.
CREATE TRIGGER "validations_append_only" BEFORE UPDATE OR DELETE ON "validations"
  FOR EACH ROW EXECUTE FUNCTION "faceaug_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "validations_no_truncate" BEFORE TRUNCATE ON "validations"
  FOR EACH STATEMENT EXECUTE FUNCTION "faceaug_refuse_change"();

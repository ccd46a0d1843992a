ALTER TABLE "job_items" DROP CONSTRAINT "job_items_once";--> statement-breakpoint
ALTER TABLE "job_items" ADD COLUMN "face" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "job_items" ADD COLUMN "face_box" jsonb;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "faces" text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE "job_items" ADD CONSTRAINT "job_items_once" UNIQUE("job_id","input_idx","target","copy","face");--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_faces" CHECK ("jobs"."faces" in ('largest', 'all', 'none'));
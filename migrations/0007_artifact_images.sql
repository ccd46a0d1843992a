ALTER TYPE "public"."artifact_kind" ADD VALUE 'sample-grid';--> statement-breakpoint
ALTER TYPE "public"."artifact_kind" ADD VALUE 'loss-plot';--> statement-breakpoint
ALTER TYPE "public"."artifact_kind" ADD VALUE 'precision-chart';--> statement-breakpoint
ALTER TYPE "public"."artifact_kind" ADD VALUE 'auc-chart';
-- Guards the registry's promises in the database itself, so no writer (a bug, a hand-typed psql
-- session) can break them: registered versions and their artifacts are immutable apart from the
-- version's status, and the alias audit log is append-only.
CREATE FUNCTION "faceaug_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only / immutable: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;--> statement-breakpoint
CREATE FUNCTION "faceaug_model_version_status_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - 'status' - 'status_changed_at') IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'status_changed_at') THEN
    RAISE EXCEPTION 'model version %->% v% is immutable: only its status may change', OLD.source, OLD.target, OLD.version
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "model_versions_status_only" BEFORE UPDATE ON "model_versions"
  FOR EACH ROW EXECUTE FUNCTION "faceaug_model_version_status_only"();--> statement-breakpoint
CREATE TRIGGER "model_versions_no_delete" BEFORE DELETE ON "model_versions"
  FOR EACH ROW EXECUTE FUNCTION "faceaug_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "model_versions_no_truncate" BEFORE TRUNCATE ON "model_versions"
  FOR EACH STATEMENT EXECUTE FUNCTION "faceaug_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "model_artifacts_immutable" BEFORE UPDATE OR DELETE ON "model_artifacts"
  FOR EACH ROW EXECUTE FUNCTION "faceaug_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "model_artifacts_no_truncate" BEFORE TRUNCATE ON "model_artifacts"
  FOR EACH STATEMENT EXECUTE FUNCTION "faceaug_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "alias_events_append_only" BEFORE UPDATE OR DELETE ON "alias_events"
  FOR EACH ROW EXECUTE FUNCTION "faceaug_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "alias_events_no_truncate" BEFORE TRUNCATE ON "alias_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "faceaug_refuse_change"();

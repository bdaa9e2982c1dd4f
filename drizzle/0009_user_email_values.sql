CREATE TABLE "user_email_values" (
	"value" text NOT NULL,
	"user_id" uuid NOT NULL,
	CONSTRAINT "user_email_values_value_user_id_pk" PRIMARY KEY("value","user_id")
);
--> statement-breakpoint
DROP INDEX "users_email_values";--> statement-breakpoint
ALTER TABLE "user_email_values" ADD CONSTRAINT "user_email_values_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "user_email_values_user" ON "user_email_values" USING btree ("user_id");--> statement-breakpoint
INSERT INTO "user_email_values" ("value", "user_id") SELECT DISTINCT v, u."id" FROM "users" u, unnest(u."email_values") AS v;--> statement-breakpoint
-- users.email_values stays the source (written with every user); this keeps its rows here in step, in the
-- writing statement's transaction, whichever code path wrote it.
CREATE FUNCTION "users_email_values_sync"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM "user_email_values" WHERE "user_id" = NEW."id" AND "value" <> ALL (NEW."email_values");
  END IF;
  INSERT INTO "user_email_values" ("value", "user_id")
    SELECT DISTINCT v, NEW."id" FROM unnest(NEW."email_values") AS v
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "users_email_values_insert" AFTER INSERT ON "users" FOR EACH ROW
  WHEN (cardinality(NEW."email_values") > 0) EXECUTE FUNCTION "users_email_values_sync"();--> statement-breakpoint
CREATE TRIGGER "users_email_values_update" AFTER UPDATE OF "email_values" ON "users" FOR EACH ROW
  WHEN (OLD."email_values" IS DISTINCT FROM NEW."email_values") EXECUTE FUNCTION "users_email_values_sync"();

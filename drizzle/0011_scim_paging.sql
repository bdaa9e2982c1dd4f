-- Re-creatable (a lost position costs one OFFSET page): UNLOGGED, so writing it on a read waits for no WAL flush.
CREATE UNLOGGED TABLE "scim_read_positions" (
	"read_key" text NOT NULL,
	"start_index" integer NOT NULL,
	"last_key" text,
	"last_id" uuid NOT NULL,
	"total_results" integer,
	"fenced" boolean DEFAULT true NOT NULL,
	"expires_at" timestamp with time zone DEFAULT now() + interval '1 hour' NOT NULL,
	CONSTRAINT "scim_read_positions_read_key_start_index_pk" PRIMARY KEY("read_key","start_index")
);
--> statement-breakpoint
CREATE TABLE "user_store_counts" (
	"user_store_id" uuid NOT NULL,
	"shard" smallint NOT NULL,
	"users" bigint NOT NULL,
	CONSTRAINT "user_store_counts_user_store_id_shard_pk" PRIMARY KEY("user_store_id","shard")
);
--> statement-breakpoint
ALTER TABLE "user_store_counts" ADD CONSTRAINT "user_store_counts_user_store_id_user_stores_id_fk" FOREIGN KEY ("user_store_id") REFERENCES "public"."user_stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- The counts follow every insert, delete and move of a user, in the writing statement's transaction, whatever code
-- path wrote it (SCIM, admin API, JIT, IdP deletion, bulk): at any snapshot the sum of a store's shards is the
-- count(*) of its users. Statement-level triggers with transition tables: one upsert per statement and store, so a
-- statement deleting 10,000 users adds once. Each session writes its own shard (backend pid modulo 16): concurrent
-- writers do not wait on one row until they commit. Rows are locked in store order within a statement.
CREATE FUNCTION "user_store_counts_add"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "user_store_counts" AS c ("user_store_id", "shard", "users")
    SELECT "user_store_id", pg_backend_pid() % 16, count(*) FROM "counted_rows" GROUP BY "user_store_id" ORDER BY "user_store_id"
    ON CONFLICT ("user_store_id", "shard") DO UPDATE SET "users" = c."users" + excluded."users";
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION "user_store_counts_remove"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "user_store_counts" AS c ("user_store_id", "shard", "users")
    SELECT "user_store_id", pg_backend_pid() % 16, -count(*) FROM "counted_rows" GROUP BY "user_store_id" ORDER BY "user_store_id"
    ON CONFLICT ("user_store_id", "shard") DO UPDATE SET "users" = c."users" + excluded."users";
  RETURN NULL;
END
$$;--> statement-breakpoint
-- A move between stores (an UPDATE of user_store_id; nothing moves users today, but the count must not depend on
-- that): row-level, so that the WHEN clause spares every other UPDATE of a user.
CREATE FUNCTION "user_store_counts_move"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "user_store_counts" AS c ("user_store_id", "shard", "users")
    VALUES (LEAST(OLD."user_store_id", NEW."user_store_id"), pg_backend_pid() % 16,
            CASE WHEN OLD."user_store_id" < NEW."user_store_id" THEN -1 ELSE 1 END),
           (GREATEST(OLD."user_store_id", NEW."user_store_id"), pg_backend_pid() % 16,
            CASE WHEN OLD."user_store_id" < NEW."user_store_id" THEN 1 ELSE -1 END)
    ON CONFLICT ("user_store_id", "shard") DO UPDATE SET "users" = c."users" + excluded."users";
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION "user_store_counts_clear"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "user_store_counts";
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "users_count_insert" AFTER INSERT ON "users" REFERENCING NEW TABLE AS "counted_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "user_store_counts_add"();--> statement-breakpoint
CREATE TRIGGER "users_count_delete" AFTER DELETE ON "users" REFERENCING OLD TABLE AS "counted_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "user_store_counts_remove"();--> statement-breakpoint
CREATE TRIGGER "users_count_move" AFTER UPDATE OF "user_store_id" ON "users" FOR EACH ROW
  WHEN (OLD."user_store_id" IS DISTINCT FROM NEW."user_store_id") EXECUTE FUNCTION "user_store_counts_move"();--> statement-breakpoint
CREATE TRIGGER "users_count_truncate" AFTER TRUNCATE ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION "user_store_counts_clear"();--> statement-breakpoint
-- The users already there, counted after the triggers exist: CREATE TRIGGER holds off writers until this commits.
INSERT INTO "user_store_counts" ("user_store_id", "shard", "users")
  SELECT "user_store_id", 0, count(*) FROM "users" GROUP BY "user_store_id";

CREATE TABLE "pending_provisionings" (
	"id" text PRIMARY KEY NOT NULL,
	"interaction_uid" text NOT NULL,
	"idp_id" uuid NOT NULL,
	"identity" jsonb NOT NULL,
	"answers" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "pending_provisionings_expires" ON "pending_provisionings" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "pending_provisionings_interaction" ON "pending_provisionings" USING btree ("interaction_uid");
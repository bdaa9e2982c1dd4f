CREATE TABLE "rate_limit_windows" (
	"key" text PRIMARY KEY NOT NULL,
	"window_started_at" timestamp with time zone NOT NULL,
	"hits" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "rate_limit_windows_started" ON "rate_limit_windows" USING btree ("window_started_at");--> statement-breakpoint
CREATE INDEX "federation_flows_interaction" ON "federation_flows" USING btree (("context"->>'interactionUid'));
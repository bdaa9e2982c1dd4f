CREATE TABLE "saml_idp_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"application_id" uuid NOT NULL,
	"message_id" text,
	"state" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "saml_idp_sessions" (
	"session_index" text PRIMARY KEY NOT NULL,
	"application_id" uuid NOT NULL,
	"name_id" text NOT NULL,
	"name_id_format" text NOT NULL,
	"account_id" text NOT NULL,
	"login_session_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "applications" ALTER COLUMN "client_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "applications" ALTER COLUMN "oidc_settings" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "protocol" text DEFAULT 'oidc' NOT NULL;--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "saml_entity_id" text;--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "saml_settings" jsonb;--> statement-breakpoint
ALTER TABLE "saml_idp_messages" ADD CONSTRAINT "saml_idp_messages_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "saml_idp_sessions" ADD CONSTRAINT "saml_idp_sessions_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "saml_idp_messages_message" ON "saml_idp_messages" USING btree ("application_id","message_id");--> statement-breakpoint
CREATE INDEX "saml_idp_messages_expires" ON "saml_idp_messages" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "saml_idp_sessions_login_session" ON "saml_idp_sessions" USING btree ("login_session_id");--> statement-breakpoint
CREATE INDEX "saml_idp_sessions_app_name_id" ON "saml_idp_sessions" USING btree ("application_id","name_id");--> statement-breakpoint
CREATE INDEX "saml_idp_sessions_expires" ON "saml_idp_sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "applications_saml_entity_id_unique" ON "applications" USING btree ("saml_entity_id");--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_protocol_settings" CHECK (("applications"."protocol" = 'oidc' and "applications"."client_id" is not null and "applications"."oidc_settings" is not null) or ("applications"."protocol" = 'saml' and "applications"."saml_entity_id" is not null and "applications"."saml_settings" is not null));
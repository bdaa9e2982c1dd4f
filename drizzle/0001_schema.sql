CREATE TABLE "admin_credentials" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "admin_credentials_single_row" CHECK ("admin_credentials"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "key_material" (
	"id" text PRIMARY KEY NOT NULL,
	"purpose" text NOT NULL,
	"algorithm" text NOT NULL,
	"private_encrypted" text NOT NULL,
	"public_jwk" jsonb,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	"publish_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "server_settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"document" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "server_settings_single_row" CHECK ("server_settings"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "user_stores" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"domain" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"username_regex" text,
	"rolename_regex" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "federated_identities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"idp_id" uuid NOT NULL,
	"subject" text NOT NULL,
	"user_id" uuid NOT NULL,
	"locked" boolean DEFAULT false NOT NULL,
	"last_claims" jsonb,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "group_members" (
	"group_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"member_type" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "group_members_group_id_member_id_pk" PRIMARY KEY("group_id","member_id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_store_id" uuid NOT NULL,
	"display_name" text NOT NULL,
	"external_id" text,
	"resource" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "identity_providers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"protocol" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"trust_email" boolean DEFAULT false NOT NULL,
	"protocol_config" jsonb NOT NULL,
	"secrets_encrypted" text,
	"claim_mappings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"role_mappings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"jit" jsonb NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_store_id" uuid NOT NULL,
	"user_name" text NOT NULL,
	"external_id" text,
	"primary_email" text,
	"email_values" text[] DEFAULT '{}'::text[] NOT NULL,
	"display_name" text,
	"given_name" text,
	"family_name" text,
	"active" boolean DEFAULT true NOT NULL,
	"resource" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"provenance" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"jit_idp_id" uuid,
	"password_hash" text,
	"locked" boolean DEFAULT false NOT NULL,
	"locked_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "applications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"client_id" text NOT NULL,
	"client_secret_hash" text,
	"oidc_settings" jsonb NOT NULL,
	"identity_providers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"sign_in_flow" jsonb DEFAULT '{"steps":[]}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consent_purposes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"purpose" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"pii_categories" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consent_receipts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"purpose_id" uuid NOT NULL,
	"purpose_snapshot" jsonb NOT NULL,
	"consented" text[] NOT NULL,
	"declined" text[] NOT NULL,
	"idp_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "scim_clients" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"user_stores" text[],
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"outcome" text NOT NULL,
	"reason" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 10 NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"locked_by" text,
	"last_error" text,
	"dedupe_key" text,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbound_connectors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"type" text DEFAULT 'scim2' NOT NULL,
	"base_url" text NOT NULL,
	"auth_type" text NOT NULL,
	"auth_config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secrets_encrypted" text,
	"user_stores" text[],
	"events" text[],
	"attribute_mapping" jsonb,
	"enabled" boolean DEFAULT true NOT NULL,
	"outbox_cursor" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbound_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"connector_id" uuid NOT NULL,
	"event_id" bigint NOT NULL,
	"resource_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbound_remote_ids" (
	"connector_id" uuid NOT NULL,
	"local_id" uuid NOT NULL,
	"resource_type" text NOT NULL,
	"remote_id" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbound_remote_ids_connector_id_local_id_pk" PRIMARY KEY("connector_id","local_id")
);
--> statement-breakpoint
CREATE TABLE "outbox_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"resource_type" text NOT NULL,
	"resource_id" uuid NOT NULL,
	"user_store_id" uuid,
	"event_type" text NOT NULL,
	"payload" jsonb,
	"resource_version" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "federation_flows" (
	"id" text PRIMARY KEY NOT NULL,
	"idp_id" uuid NOT NULL,
	"protocol" text NOT NULL,
	"nonce" text,
	"code_verifier" text,
	"saml_request_id" text,
	"return_to" text NOT NULL,
	"context" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "login_results" (
	"id" text PRIMARY KEY NOT NULL,
	"flow_id" text NOT NULL,
	"idp_id" uuid NOT NULL,
	"subject" text,
	"user_id" uuid,
	"outcome" text NOT NULL,
	"error_code" text,
	"error_message" text,
	"claims" jsonb,
	"authn_context" jsonb,
	"context" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "oidc_payloads" (
	"model" text NOT NULL,
	"id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"grant_id" text,
	"user_code" text,
	"uid" text,
	"expires_at" timestamp with time zone,
	"consumed_at" timestamp with time zone,
	CONSTRAINT "oidc_payloads_model_id_pk" PRIMARY KEY("model","id")
);
--> statement-breakpoint
CREATE TABLE "saml_assertion_ids" (
	"idp_id" uuid NOT NULL,
	"assertion_id" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "saml_assertion_ids_idp_id_assertion_id_pk" PRIMARY KEY("idp_id","assertion_id")
);
--> statement-breakpoint
ALTER TABLE "federated_identities" ADD CONSTRAINT "federated_identities_idp_id_identity_providers_id_fk" FOREIGN KEY ("idp_id") REFERENCES "public"."identity_providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "federated_identities" ADD CONSTRAINT "federated_identities_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_user_store_id_user_stores_id_fk" FOREIGN KEY ("user_store_id") REFERENCES "public"."user_stores"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_user_store_id_user_stores_id_fk" FOREIGN KEY ("user_store_id") REFERENCES "public"."user_stores"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consent_receipts" ADD CONSTRAINT "consent_receipts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbound_deliveries" ADD CONSTRAINT "outbound_deliveries_connector_id_outbound_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."outbound_connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbound_remote_ids" ADD CONSTRAINT "outbound_remote_ids_connector_id_outbound_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."outbound_connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "user_stores_domain_unique" ON "user_stores" USING btree (upper("domain"));--> statement-breakpoint
CREATE UNIQUE INDEX "federated_identities_idp_subject" ON "federated_identities" USING btree ("idp_id","subject");--> statement-breakpoint
CREATE INDEX "federated_identities_user" ON "federated_identities" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "federated_identities_last_login" ON "federated_identities" USING btree ("idp_id","last_login_at");--> statement-breakpoint
CREATE INDEX "group_members_member" ON "group_members" USING btree ("member_id");--> statement-breakpoint
CREATE UNIQUE INDEX "groups_store_display_name_unique" ON "groups" USING btree ("user_store_id",lower("display_name"));--> statement-breakpoint
CREATE INDEX "groups_display_name_trgm" ON "groups" USING gin (lower("display_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "groups_external_id" ON "groups" USING btree ("external_id");--> statement-breakpoint
CREATE UNIQUE INDEX "identity_providers_name_unique" ON "identity_providers" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "users_store_username_unique" ON "users" USING btree ("user_store_id",lower("user_name"));--> statement-breakpoint
CREATE INDEX "users_username_lower" ON "users" USING btree (lower("user_name"));--> statement-breakpoint
CREATE INDEX "users_username_trgm" ON "users" USING gin (lower("user_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "users_external_id" ON "users" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "users_primary_email" ON "users" USING btree ("primary_email");--> statement-breakpoint
CREATE INDEX "users_email_values" ON "users" USING gin ("email_values");--> statement-breakpoint
CREATE INDEX "users_display_name_lower" ON "users" USING btree (lower("display_name"));--> statement-breakpoint
CREATE INDEX "users_display_name_trgm" ON "users" USING gin (lower("display_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "users_family_name_lower" ON "users" USING btree (lower("family_name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "users_family_name_trgm" ON "users" USING gin (lower("family_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "users_given_name_lower" ON "users" USING btree (lower("given_name"));--> statement-breakpoint
CREATE INDEX "users_created_at" ON "users" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "users_updated_at" ON "users" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "users_jit_idp" ON "users" USING btree ("jit_idp_id");--> statement-breakpoint
CREATE UNIQUE INDEX "applications_client_id_unique" ON "applications" USING btree ("client_id");--> statement-breakpoint
CREATE INDEX "consent_receipts_user" ON "consent_receipts" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "scim_clients_token_hash_unique" ON "scim_clients" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "audit_events_at" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_events_target" ON "audit_events" USING btree ("target_type","target_id");--> statement-breakpoint
CREATE INDEX "jobs_claimable" ON "jobs" USING btree ("queue","run_at") WHERE "jobs"."status" in ('pending', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_dedupe_active" ON "jobs" USING btree ("queue","dedupe_key") WHERE "jobs"."dedupe_key" is not null and "jobs"."status" in ('pending', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX "outbound_deliveries_connector_event" ON "outbound_deliveries" USING btree ("connector_id","event_id");--> statement-breakpoint
CREATE INDEX "outbound_deliveries_due" ON "outbound_deliveries" USING btree ("connector_id","status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "outbound_deliveries_resource" ON "outbound_deliveries" USING btree ("connector_id","resource_id","event_id");--> statement-breakpoint
CREATE INDEX "outbox_events_resource" ON "outbox_events" USING btree ("resource_id","id");--> statement-breakpoint
CREATE INDEX "outbox_events_created" ON "outbox_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "federation_flows_expires" ON "federation_flows" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "federation_flows_saml_request" ON "federation_flows" USING btree ("saml_request_id");--> statement-breakpoint
CREATE INDEX "login_results_expires" ON "login_results" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "oidc_payloads_grant" ON "oidc_payloads" USING btree ("grant_id");--> statement-breakpoint
CREATE INDEX "oidc_payloads_uid" ON "oidc_payloads" USING btree ("uid");--> statement-breakpoint
CREATE INDEX "oidc_payloads_user_code" ON "oidc_payloads" USING btree ("user_code");--> statement-breakpoint
CREATE INDEX "oidc_payloads_expires" ON "oidc_payloads" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "saml_assertion_ids_expires" ON "saml_assertion_ids" USING btree ("expires_at");
ALTER TABLE "federated_identities" ADD COLUMN "sync_fingerprint" text;--> statement-breakpoint
ALTER TABLE "federated_identities" ADD COLUMN "sync_version" integer;
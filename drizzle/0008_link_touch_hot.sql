DROP INDEX "federated_identities_last_login";--> statement-breakpoint
ALTER TABLE "federated_identities" SET (fillfactor = 90);
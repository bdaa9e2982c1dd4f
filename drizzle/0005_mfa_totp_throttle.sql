ALTER TABLE "mfa_totp" ADD COLUMN "failed_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "mfa_totp" ADD COLUMN "blocked_until" timestamp with time zone;
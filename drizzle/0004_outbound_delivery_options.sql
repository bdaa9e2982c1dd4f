ALTER TABLE "outbound_connectors" ADD COLUMN "delivery_options" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "outbound_deliveries" ADD COLUMN "event_type" text;--> statement-breakpoint
ALTER TABLE "outbound_deliveries" ADD COLUMN "payload" jsonb;
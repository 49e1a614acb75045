import { MigrationInterface, QueryRunner } from 'typeorm';

export class StripeIntegration1764780300000 implements MigrationInterface {
  name = 'StripeIntegration1764780300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "stripe_integrations" (
      "id" text NOT NULL, "workspace_id" text NOT NULL,
      "enabled" boolean NOT NULL DEFAULT false,
      "signing_secret_encrypted" text,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_stripe_integrations" PRIMARY KEY ("id"),
      CONSTRAINT "UQ_stripe_integrations_workspace" UNIQUE ("workspace_id"),
      -- An enabled integration always has a secret to verify with.
      CONSTRAINT "CHK_stripe_integrations_enabled_secret" CHECK (NOT "enabled" OR "signing_secret_encrypted" IS NOT NULL))`);
    await q.query(
      `ALTER TABLE "stripe_integrations" ADD CONSTRAINT "FK_stripe_integrations_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE`,
    );
    await q.query(`CREATE TABLE "stripe_events" (
      "id" text NOT NULL, "integration_id" text NOT NULL, "workspace_id" text NOT NULL,
      "event_id" text NOT NULL, "type" text NOT NULL, "livemode" boolean NOT NULL,
      "api_version" text, "stripe_created" bigint NOT NULL,
      "raw_body" bytea NOT NULL, "payload" jsonb NOT NULL,
      "status" text NOT NULL, "contact_event_id" text,
      "lookup_keys" text[] NOT NULL DEFAULT '{}',
      "received_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      "normalized_at" TIMESTAMP(3) WITH TIME ZONE,
      CONSTRAINT "PK_stripe_events" PRIMARY KEY ("id"),
      CONSTRAINT "stripe_events_integration_event_key" UNIQUE ("integration_id", "event_id"),
      CONSTRAINT "CHK_stripe_events_status" CHECK ("status" IN ('pending', 'normalized', 'unsupported', 'unresolved')))`);
    await q.query(
      `CREATE INDEX "stripe_events_workspace_received_idx" ON "stripe_events" ("workspace_id", "received_at", "id")`,
    );
    // Replay of unresolved events looks them up by the Stripe ids they wait on.
    await q.query(
      // Partial: only unresolved rows are looked up by key, and the hot insert (pending) skips the GIN work.
      `CREATE INDEX "stripe_events_lookup_keys_idx" ON "stripe_events" USING GIN ("lookup_keys") WHERE "status" = 'unresolved'`,
    );
    // The sweeper scans only pending rows.
    await q.query(
      `CREATE INDEX "stripe_events_pending_idx" ON "stripe_events" ("received_at") WHERE "status" = 'pending'`,
    );
    // No foreign key to stripe_integrations on purpose: on the ingestion hot path every insert
    // would take a KEY SHARE lock on the one integration row, and concurrent inserts then pile
    // up multixacts on it. Integrations are never deleted on their own; a workspace's deletion
    // removes its events explicitly (workspace_id).
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "stripe_events"`);
    await q.query(`DROP TABLE "stripe_integrations"`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export class Delivery1764780200000 implements MigrationInterface {
  name = 'Delivery1764780200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "webhook_messages" (
      "id" text NOT NULL, "workspace_id" text NOT NULL, "type" text NOT NULL,
      "idempotency_key" text NOT NULL, "body" text NOT NULL,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_webhook_messages" PRIMARY KEY ("id"))`);
    await q.query(
      `CREATE UNIQUE INDEX "webhook_messages_idempotency_uq" ON "webhook_messages" ("workspace_id", "idempotency_key")`,
    );
    await q.query(
      `ALTER TABLE "webhook_messages" ADD CONSTRAINT "FK_webhook_messages_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE`,
    );
    // No foreign key to webhook_endpoints: deliveries outlive a deleted endpoint (still readable).
    await q.query(`CREATE TABLE "webhook_deliveries" (
      "id" text NOT NULL, "workspace_id" text NOT NULL, "message_id" text NOT NULL,
      "endpoint_id" text NOT NULL, "event_type" text NOT NULL, "status" text NOT NULL,
      "attempt_count" integer NOT NULL DEFAULT 0, "retry_step" integer NOT NULL DEFAULT 0,
      "next_attempt_at" TIMESTAMP(3) WITH TIME ZONE, "lease_until" TIMESTAMP(3) WITH TIME ZONE,
      "lease_token" text, "is_test" boolean NOT NULL DEFAULT false,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_webhook_deliveries" PRIMARY KEY ("id"),
      CONSTRAINT "CHK_webhook_deliveries_status" CHECK ("status" IN ('pending', 'succeeded', 'failed', 'cancelled')))`);
    await q.query(
      `CREATE INDEX "webhook_deliveries_endpoint_created_idx" ON "webhook_deliveries" ("endpoint_id", "created_at", "id")`,
    );
    await q.query(`CREATE INDEX "webhook_deliveries_message_idx" ON "webhook_deliveries" ("message_id")`);
    // The sweeper's and the metrics' scan: only pending rows, which stay few.
    await q.query(
      `CREATE INDEX "webhook_deliveries_pending_due_idx" ON "webhook_deliveries" ("next_attempt_at") WHERE "status" = 'pending'`,
    );
    await q.query(
      `ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "FK_webhook_deliveries_message" FOREIGN KEY ("message_id") REFERENCES "webhook_messages"("id") ON DELETE CASCADE`,
    );
    await q.query(`CREATE TABLE "webhook_attempts" (
      "id" text NOT NULL, "delivery_id" text NOT NULL, "workspace_id" text NOT NULL,
      "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "status_code" integer, "duration_ms" integer NOT NULL,
      "response_excerpt" text, "error" text,
      CONSTRAINT "PK_webhook_attempts" PRIMARY KEY ("id"))`);
    await q.query(
      `CREATE INDEX "webhook_attempts_delivery_at_idx" ON "webhook_attempts" ("delivery_id", "at", "id")`,
    );
    await q.query(
      `ALTER TABLE "webhook_attempts" ADD CONSTRAINT "FK_webhook_attempts_delivery" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "webhook_attempts"`);
    await q.query(`DROP TABLE "webhook_deliveries"`);
    await q.query(`DROP TABLE "webhook_messages"`);
  }
}

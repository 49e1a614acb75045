import { MigrationInterface, QueryRunner } from 'typeorm';

export class WebhookEndpoints1764780100000 implements MigrationInterface {
  name = 'WebhookEndpoints1764780100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "webhook_endpoints" (
      "id" text NOT NULL, "workspace_id" text NOT NULL, "url" text NOT NULL, "description" text,
      "status" text NOT NULL, "disabled_reason" text, "event_types" jsonb NOT NULL,
      "failing_since" TIMESTAMP(3) WITH TIME ZONE,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_webhook_endpoints" PRIMARY KEY ("id"),
      CONSTRAINT "CHK_webhook_endpoints_status" CHECK ("status" IN ('active', 'disabled')),
      CONSTRAINT "CHK_webhook_endpoints_disabled_reason" CHECK ("disabled_reason" IN ('manual', 'failing', 'gone')))`);
    await q.query(
      `CREATE INDEX "webhook_endpoints_workspace_created_idx" ON "webhook_endpoints" ("workspace_id", "created_at", "id")`,
    );
    await q.query(
      `ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "FK_webhook_endpoints_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE`,
    );
    await q.query(`CREATE TABLE "webhook_endpoint_secrets" (
      "id" text NOT NULL, "endpoint_id" text NOT NULL, "workspace_id" text NOT NULL,
      "secret_encrypted" text NOT NULL,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      "expires_at" TIMESTAMP(3) WITH TIME ZONE,
      CONSTRAINT "PK_webhook_endpoint_secrets" PRIMARY KEY ("id"))`);
    await q.query(
      `CREATE INDEX "webhook_endpoint_secrets_endpoint_idx" ON "webhook_endpoint_secrets" ("endpoint_id", "created_at")`,
    );
    // Secrets live and die with their endpoint (DELETE is a hard delete).
    await q.query(
      `ALTER TABLE "webhook_endpoint_secrets" ADD CONSTRAINT "FK_webhook_endpoint_secrets_endpoint" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "webhook_endpoint_secrets"`);
    await q.query(`DROP TABLE "webhook_endpoints"`);
  }
}

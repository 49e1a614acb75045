import { MigrationInterface, QueryRunner } from 'typeorm';

export class Contacts1764780400000 implements MigrationInterface {
  name = 'Contacts1764780400000';

  public async up(q: QueryRunner): Promise<void> {
    // A contact exists only once we know an email, so email is required; it is stored trimmed and lower-cased.
    await q.query(`CREATE TABLE "contacts" (
      "id" text NOT NULL, "workspace_id" text NOT NULL, "email" text NOT NULL, "name" text,
      "stripe_customer_id" text,
      "last_customer_event_at" TIMESTAMP(3) WITH TIME ZONE,
      "last_customer_event_rank" smallint,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_contacts" PRIMARY KEY ("id"))`);
    await q.query(
      `CREATE UNIQUE INDEX "contacts_workspace_email_key" ON "contacts" ("workspace_id", "email")`,
    );
    await q.query(
      `CREATE INDEX "contacts_workspace_created_idx" ON "contacts" ("workspace_id", "created_at", "id")`,
    );
    await q.query(
      `ALTER TABLE "contacts" ADD CONSTRAINT "FK_contacts_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE`,
    );

    await q.query(`CREATE TABLE "contact_keys" (
      "workspace_id" text NOT NULL, "kind" text NOT NULL, "value" text NOT NULL, "contact_id" text NOT NULL,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_contact_keys" PRIMARY KEY ("workspace_id", "kind", "value"),
      CONSTRAINT "CHK_contact_keys_kind" CHECK ("kind" IN ('customer', 'charge', 'payment_intent')))`);
    await q.query(`CREATE INDEX "contact_keys_contact_idx" ON "contact_keys" ("contact_id")`);
    await q.query(
      `ALTER TABLE "contact_keys" ADD CONSTRAINT "FK_contact_keys_contact" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE`,
    );

    await q.query(`CREATE TABLE "contact_events" (
      "id" text NOT NULL, "workspace_id" text NOT NULL, "contact_id" text NOT NULL, "name" text NOT NULL,
      "source" text NOT NULL, "source_event_id" text NOT NULL,
      "occurred_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
      "properties" jsonb NOT NULL,
      "effects" jsonb NOT NULL DEFAULT '{}'::jsonb,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_contact_events" PRIMARY KEY ("id"))`);
    // A re-run of the same source event stores nothing twice.
    await q.query(
      `CREATE UNIQUE INDEX "contact_events_source_key" ON "contact_events" ("workspace_id", "source", "source_event_id")`,
    );
    await q.query(
      `CREATE INDEX "contact_events_contact_occurred_idx" ON "contact_events" ("contact_id", "occurred_at", "id")`,
    );
    await q.query(
      `ALTER TABLE "contact_events" ADD CONSTRAINT "FK_contact_events_contact" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "contact_events"`);
    await q.query(`DROP TABLE "contact_keys"`);
    await q.query(`DROP TABLE "contacts"`);
  }
}

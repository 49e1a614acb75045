import { MigrationInterface, QueryRunner } from 'typeorm';

export class Auth1764780000000 implements MigrationInterface {
  name = 'Auth1764780000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "workspaces" (
      "id" text NOT NULL, "name" text NOT NULL,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_workspaces" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "users" (
      "id" text NOT NULL, "email" text NOT NULL, "password_hash" text NOT NULL,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_users" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "users_email_key" ON "users" ("email")`);
    await q.query(`CREATE TABLE "memberships" (
      "workspace_id" text NOT NULL, "user_id" text NOT NULL, "role" text NOT NULL,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_memberships" PRIMARY KEY ("workspace_id", "user_id"))`);
    await q.query(`CREATE INDEX "memberships_user_idx" ON "memberships" ("user_id")`);
    await q.query(`CREATE TABLE "sessions" (
      "id" text NOT NULL, "token_hash" bytea NOT NULL, "user_id" text NOT NULL, "workspace_id" text NOT NULL,
      "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
      "revoked_at" TIMESTAMP(3) WITH TIME ZONE,
      "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_sessions" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions" ("token_hash")`);
    await q.query(`CREATE INDEX "sessions_user_idx" ON "sessions" ("user_id")`);
    await q.query(
      `ALTER TABLE "memberships" ADD CONSTRAINT "FK_memberships_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE`,
    );
    await q.query(
      `ALTER TABLE "memberships" ADD CONSTRAINT "FK_memberships_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE`,
    );
    await q.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "FK_sessions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "sessions"`);
    await q.query(`DROP TABLE "memberships"`);
    await q.query(`DROP TABLE "users"`);
    await q.query(`DROP TABLE "workspaces"`);
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { Batcher } from '../common/batching';
import { hotQuery } from '../common/database/hot-path';
import { DeliveryTargetRow, deliveryTargetSql } from '../webhook-endpoints/delivery-target';
import { newId } from '../common/ids';
import { CursorCodec, ListQueryDto, paginate } from '../common/pagination';
import {
  DeliveryStatus,
  WebhookAttemptEntity,
  WebhookDeliveryEntity,
  WebhookMessageEntity,
} from './delivery.entity';

export const DELIVERY_CURSOR_SCOPE = 'webhook-deliveries';

/** A sorted copy: batches that lock rows in one order cannot deadlock each other (successes). */
function byKey<T>(items: T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** TypeORM's pg driver answers UPDATE/DELETE with [rows, rowCount] and everything else with rows. */
function rowsOf<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

export interface NewMessage {
  id: string;
  type: string;
  idempotencyKey: string;
  body: string;
  createdAt: Date;
}

/** A delivery whose attempt lease this runner holds, with the stored body to send. */
export interface LeasedDelivery {
  id: string;
  workspaceId: string;
  endpointId: string;
  messageId: string;
  retryStep: number;
  body: string;
  /** Its endpoint as read in the lease's own statement (WebhookEndpoints' expression), or null when gone. */
  endpoint: DeliveryTargetRow | null;
}

export interface AttemptRecord {
  at: Date;
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/** What recording a scheduled attempt decided; the caller queues the next attempt after commit. */
export interface ScheduledOutcome {
  status: DeliveryStatus;
  /** The next scheduled attempt, when this runner still owned the delivery and one remains. */
  next: { step: number; delayMs: number } | null;
}

interface LeaseRequest {
  workspaceId: string;
  deliveryId: string;
  step: number | null;
  leaseMs: number;
  token: string;
}

interface SuccessToRecord {
  workspaceId: string;
  deliveryId: string;
  token: string;
  attempt: AttemptRecord;
}

export interface FailurePlan {
  /** The 1-based scheduled attempt number that just failed → the delay before the next, or null. */
  delayAfter(step: number): number | null;
  /** 410 Gone: no further attempts. */
  gone: boolean;
}

/** The SQL of messages, deliveries and attempts. Methods name the workspace, except the processor's by-id loads. */
@Injectable()
export class DeliveryRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly cursors: CursorCodec,
  ) {}

  private deliveries(m?: EntityManager) {
    return (m ?? this.ds.manager).getRepository(WebhookDeliveryEntity);
  }

  /**
   * The message and one pending delivery per endpoint, in one transaction. The idempotency key is
   * the unique (workspace, key) index: a repeat inserts nothing and returns the first message.
   */
  async insertMessageWithDeliveries(
    workspaceId: string,
    msg: NewMessage,
    endpointIds: string[],
  ): Promise<{ messageId: string; duplicate: boolean; deliveryIds: string[] }> {
    // A new message and its deliveries in one statement (one implicit transaction); the
    // deliveries' foreign key is checked at its end, when the message row is there.
    const deliveryIds = endpointIds.map(() => newId('dlv'));
    const [row] = await hotQuery<{ inserted: boolean }>(
      this.ds,
      'mk_delivery_insert_message',
      `WITH msg AS (
           INSERT INTO webhook_messages (id, workspace_id, type, idempotency_key, body, created_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (workspace_id, idempotency_key) DO NOTHING RETURNING id),
         dl AS (
           INSERT INTO webhook_deliveries (id, workspace_id, message_id, endpoint_id, event_type, status, next_attempt_at)
           SELECT u.d, $2, msg.id, u.e, $3, 'pending', now() FROM msg, unnest($7::text[], $8::text[]) AS u(d, e)
           RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM msg) AS inserted, (SELECT count(*) FROM dl) AS deliveries`,
      [msg.id, workspaceId, msg.type, msg.idempotencyKey, msg.body, msg.createdAt, deliveryIds, endpointIds],
    );
    if (row?.inserted) return { messageId: msg.id, duplicate: false, deliveryIds };
    // The same key again: the first message and its deliveries (ON CONFLICT waited for its commit).
    const [first] = rowsOf<{ id: string }>(
      await this.ds.query(
        `SELECT id FROM webhook_messages WHERE workspace_id = $1 AND idempotency_key = $2`,
        [workspaceId, msg.idempotencyKey],
      ),
    );
    if (!first) throw new Error('webhook message vanished after an idempotency conflict');
    const existing = rowsOf<{ id: string }>(
      await this.ds.query(
        `SELECT id FROM webhook_deliveries WHERE workspace_id = $1 AND message_id = $2 AND NOT is_test ORDER BY id`,
        [workspaceId, first.id],
      ),
    );
    return { messageId: first.id, duplicate: true, deliveryIds: existing.map((r) => r.id) };
  }

  /** A send-test: message, final delivery and its one attempt, recorded together after the send. */
  async insertTestDelivery(
    workspaceId: string,
    msg: NewMessage,
    delivery: { id: string; endpointId: string; status: DeliveryStatus },
    attempt: AttemptRecord,
  ): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query(
        `INSERT INTO webhook_messages (id, workspace_id, type, idempotency_key, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [msg.id, workspaceId, msg.type, msg.idempotencyKey, msg.body, msg.createdAt],
      );
      await m.query(
        `INSERT INTO webhook_deliveries (id, workspace_id, message_id, endpoint_id, event_type, status, attempt_count, retry_step, is_test, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, 1, true, $7)`,
        [delivery.id, workspaceId, msg.id, delivery.endpointId, msg.type, delivery.status, msg.createdAt],
      );
      await this.insertAttempt(m, workspaceId, delivery.id, attempt);
    });
  }

  private async insertAttempt(
    m: EntityManager,
    workspaceId: string,
    deliveryId: string,
    a: AttemptRecord,
  ): Promise<void> {
    await m.query(
      `INSERT INTO webhook_attempts (id, delivery_id, workspace_id, at, status_code, duration_ms, response_excerpt, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        newId('att', a.at.getTime()),
        deliveryId,
        workspaceId,
        a.at,
        a.statusCode,
        a.durationMs,
        a.responseExcerpt,
        a.error,
      ],
    );
  }

  findById(workspaceId: string, id: string): Promise<WebhookDeliveryEntity | null> {
    return this.deliveries().findOneBy({ workspaceId, id });
  }

  async messageBody(workspaceId: string, messageId: string): Promise<string | null> {
    const msg = await this.ds.manager
      .getRepository(WebhookMessageEntity)
      .findOneBy({ workspaceId, id: messageId });
    return msg?.body ?? null;
  }

  /**
   * Takes the attempt lease for a scheduled attempt and reads what the attempt needs — the body
   * and the endpoint as it is now — in one statement: only a pending, due, unleased delivery still
   * at the job's schedule step (any step when the job names none). A job that runs twice, or late,
   * finds nothing and backs off. Leases asked for at the same moment share the statement.
   */
  leaseScheduled(
    workspaceId: string,
    deliveryId: string,
    step: number | null,
    leaseMs: number,
    token: string,
  ): Promise<LeasedDelivery | null> {
    return this.leases.submit({ workspaceId, deliveryId, step, leaseMs, token });
  }

  private readonly leases = new Batcher<LeaseRequest, LeasedDelivery | null>(
    (items) => this.leaseMany(items),
    { maxBatch: 100, maxInFlight: 2, key: (i) => i.deliveryId },
  );

  private async leaseMany(requests: LeaseRequest[]): Promise<Array<LeasedDelivery | null>> {
    const rows = await hotQuery<{
      id: string;
      lease_token: string;
      endpoint_id: string;
      message_id: string;
      retry_step: number;
      body: string;
      endpoint: DeliveryTargetRow | null;
    }>(
      this.ds,
      'mk_delivery_lease_scheduled',
      // SKIP LOCKED: a row another transaction holds (a duplicate job's lease, a cancellation) is
      // not ours to take now, and never waiting keeps the endpoint read below as current as the
      // lease: after a lock wait, Postgres would re-check the delivery row but read the endpoint
      // from the statement's older snapshot. Never waiting, two batches cannot deadlock either.
      `WITH v AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[])
             AS v(id, workspace_id, step, lease_ms, token)),
         owed AS (
           SELECT d.id, v.token, v.lease_ms FROM v
             JOIN webhook_deliveries d ON d.id = v.id AND d.workspace_id = v.workspace_id
            WHERE d.status = 'pending' AND NOT d.is_test
              AND (v.step IS NULL OR d.retry_step = v.step)
              AND d.next_attempt_at <= now() + interval '1 second'
              AND (d.lease_until IS NULL OR d.lease_until < now())
              FOR UPDATE OF d SKIP LOCKED)
         UPDATE webhook_deliveries d
            SET lease_until = now() + owed.lease_ms * interval '1 millisecond', lease_token = owed.token
           FROM owed, webhook_messages m
         WHERE d.id = owed.id AND m.id = d.message_id AND m.workspace_id = d.workspace_id
         RETURNING d.id, d.lease_token, d.endpoint_id, d.message_id, d.retry_step, m.body,
                   ${deliveryTargetSql('d.workspace_id', 'd.endpoint_id')} AS endpoint`,
      [
        requests.map((i) => i.deliveryId),
        requests.map((i) => i.workspaceId),
        requests.map((i) => i.step),
        requests.map((i) => Math.round(i.leaseMs)),
        requests.map((i) => i.token),
      ],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return requests.map((i) => {
      const r = byId.get(i.deliveryId);
      if (!r || r.lease_token !== i.token) return null;
      return {
        id: i.deliveryId,
        workspaceId: i.workspaceId,
        endpointId: r.endpoint_id,
        messageId: r.message_id,
        retryStep: r.retry_step,
        body: r.body,
        endpoint: r.endpoint,
      };
    });
  }

  /** The endpoint's concurrency cap is full: give the lease back and come back shortly. */
  async postponeLeased(
    workspaceId: string,
    deliveryId: string,
    token: string,
    delayMs: number,
  ): Promise<void> {
    await this.ds.query(
      `UPDATE webhook_deliveries SET next_attempt_at = now() + $4 * interval '1 millisecond', lease_until = NULL, lease_token = NULL
       WHERE id = $1 AND workspace_id = $2 AND lease_token = $3 AND status = 'pending'`,
      [deliveryId, workspaceId, token, delayMs],
    );
  }

  /** A manual retry's lease: whatever the status, as long as no other attempt is running. */
  async leaseManual(
    workspaceId: string,
    deliveryId: string,
    leaseMs: number,
    token: string,
  ): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await this.ds.query(
        `UPDATE webhook_deliveries SET lease_until = now() + $3 * interval '1 millisecond', lease_token = $4
         WHERE id = $1 AND workspace_id = $2 AND (lease_until IS NULL OR lease_until < now()) RETURNING id`,
        [deliveryId, workspaceId, leaseMs, token],
      ),
    );
    return rows.length === 1;
  }

  async releaseLease(workspaceId: string, deliveryId: string, token: string): Promise<void> {
    await this.ds.query(
      `UPDATE webhook_deliveries SET lease_until = NULL, lease_token = NULL WHERE id = $1 AND workspace_id = $2 AND lease_token = $3`,
      [deliveryId, workspaceId, token],
    );
  }

  /** The endpoint is gone or disabled: nothing more is owed. */
  async cancelLeased(workspaceId: string, deliveryId: string, token: string): Promise<void> {
    await this.ds.query(
      `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, lease_until = NULL, lease_token = NULL, updated_at = now()
       WHERE id = $1 AND workspace_id = $2 AND lease_token = $3 AND status = 'pending'`,
      [deliveryId, workspaceId, token],
    );
  }

  /** Endpoint deleted or disabled: its pending deliveries are cancelled at once. */
  async cancelPendingForEndpoint(workspaceId: string, endpointId: string): Promise<number> {
    const rows = rowsOf<{ id: string }>(
      await this.ds.query(
        `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, updated_at = now()
         WHERE workspace_id = $1 AND endpoint_id = $2 AND status = 'pending' RETURNING id`,
        [workspaceId, endpointId],
      ),
    );
    return rows.length;
  }

  /**
   * Records a scheduled attempt and moves the delivery on, under a row lock. A runner whose lease
   * was taken over (it was presumed dead) still records its attempt, and a success still counts,
   * but it does not schedule: the runner that holds the lease now does.
   */
  async recordScheduled(
    workspaceId: string,
    deliveryId: string,
    token: string,
    attempt: AttemptRecord,
    plan: FailurePlan | null,
  ): Promise<ScheduledOutcome> {
    if (plan === null) return this.recordSuccess(workspaceId, deliveryId, token, attempt);
    return this.ds.transaction(async (m) => {
      const [row] = rowsOf<{ status: DeliveryStatus; lease_token: string | null; retry_step: number }>(
        await m.query(
          `SELECT status, lease_token, retry_step FROM webhook_deliveries WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
          [deliveryId, workspaceId],
        ),
      );
      if (!row) return { status: 'cancelled', next: null };
      await this.insertAttempt(m, workspaceId, deliveryId, attempt);
      const own = row.lease_token === token;
      const step = own ? row.retry_step + 1 : row.retry_step;
      let status: DeliveryStatus = row.status;
      let next: ScheduledOutcome['next'] = null;
      let nextMode: 'keep' | 'null' | 'set' = 'keep';
      let nextDelay = 0;
      if (plan === null) {
        status = 'succeeded';
        nextMode = 'null';
      } else if (own && row.status === 'pending') {
        const delayMs = plan.gone ? null : plan.delayAfter(step);
        if (delayMs === null) {
          status = 'failed';
          nextMode = 'null';
        } else {
          next = { step, delayMs };
          nextMode = 'set';
          nextDelay = delayMs;
        }
      }
      await m.query(
        `UPDATE webhook_deliveries SET attempt_count = attempt_count + 1, retry_step = $3, status = $4,
           next_attempt_at = CASE WHEN $5::text = 'keep' THEN next_attempt_at WHEN $5::text = 'null' THEN NULL
                                  ELSE now() + $7::int * interval '1 millisecond' END,
           lease_until = CASE WHEN lease_token = $6 THEN NULL ELSE lease_until END,
           lease_token = CASE WHEN lease_token = $6 THEN NULL ELSE lease_token END,
           updated_at = now()
         WHERE id = $1 AND workspace_id = $2`,
        [deliveryId, workspaceId, step, status, nextMode, token, nextDelay],
      );
      return { status, next };
    });
  }

  /**
   * A success, the common case: the attempt row and the delivery made succeeded, in one statement
   * shared by the successes recorded at the same moment (group commit: fewer, larger statements
   * under load, one row alone when quiet). A runner whose lease was taken over still counts its
   * success.
   */
  private recordSuccess(
    workspaceId: string,
    deliveryId: string,
    token: string,
    attempt: AttemptRecord,
  ): Promise<ScheduledOutcome> {
    return this.successes.submit({ workspaceId, deliveryId, token, attempt });
  }

  private readonly successes = new Batcher<SuccessToRecord, ScheduledOutcome>(
    (items) => this.recordSuccesses(items),
    { maxBatch: 100, maxInFlight: 2, key: (i) => i.deliveryId },
  );

  private async recordSuccesses(successes: SuccessToRecord[]): Promise<ScheduledOutcome[]> {
    const items = byKey(successes, (i) => i.deliveryId);
    const rows = await hotQuery<{ id: string; status: DeliveryStatus }>(
      this.ds,
      'mk_delivery_record_successes',
      `WITH v AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],
                                $6::int[], $7::int[], $8::text[], $9::text[])
             AS v(delivery_id, workspace_id, token, attempt_id, at, status_code, duration_ms, response_excerpt, error)),
         attempt AS (
           INSERT INTO webhook_attempts (id, delivery_id, workspace_id, at, status_code, duration_ms, response_excerpt, error)
           SELECT attempt_id, delivery_id, workspace_id, at, status_code, duration_ms, response_excerpt, error FROM v)
         UPDATE webhook_deliveries d SET attempt_count = d.attempt_count + 1,
           retry_step = CASE WHEN d.lease_token = v.token THEN d.retry_step + 1 ELSE d.retry_step END,
           status = 'succeeded', next_attempt_at = NULL,
           lease_until = CASE WHEN d.lease_token = v.token THEN NULL ELSE d.lease_until END,
           lease_token = CASE WHEN d.lease_token = v.token THEN NULL ELSE d.lease_token END,
           updated_at = now()
           FROM v
         WHERE d.id = v.delivery_id AND d.workspace_id = v.workspace_id
         RETURNING d.id, d.status`,
      [
        items.map((i) => i.deliveryId),
        items.map((i) => i.workspaceId),
        items.map((i) => i.token),
        items.map((i) => newId('att', i.attempt.at.getTime())),
        items.map((i) => i.attempt.at.toISOString()),
        items.map((i) => i.attempt.statusCode),
        items.map((i) => i.attempt.durationMs),
        items.map((i) => i.attempt.responseExcerpt),
        items.map((i) => i.attempt.error),
      ],
    );
    const status = new Map(rows.map((r) => [r.id, r.status]));
    return successes.map((i) => ({ status: status.get(i.deliveryId) ?? 'cancelled', next: null }));
  }

  /**
   * A manual retry: success makes the delivery succeeded (pending retries then find nothing to
   * do); a failure changes nothing but the count, except a 410, which ends a pending delivery.
   */
  async recordManual(
    workspaceId: string,
    deliveryId: string,
    token: string,
    attempt: AttemptRecord,
    outcome: 'ok' | 'failed' | 'gone',
  ): Promise<void> {
    await this.ds.transaction(async (m) => {
      await this.insertAttempt(m, workspaceId, deliveryId, attempt);
      await m.query(
        `UPDATE webhook_deliveries SET attempt_count = attempt_count + 1,
           status = CASE WHEN $4 = 'ok' THEN 'succeeded' WHEN $4 = 'gone' AND status = 'pending' THEN 'failed' ELSE status END,
           next_attempt_at = CASE WHEN $4 = 'ok' OR ($4 = 'gone' AND status = 'pending') THEN NULL ELSE next_attempt_at END,
           lease_until = CASE WHEN lease_token = $3 THEN NULL ELSE lease_until END,
           lease_token = CASE WHEN lease_token = $3 THEN NULL ELSE lease_token END,
           updated_at = now()
         WHERE id = $1 AND workspace_id = $2`,
        [deliveryId, workspaceId, token, outcome],
      );
    });
  }

  /**
   * The sweeper's scan across workspaces: pending deliveries due for a while and not leased, which
   * a live queue would already have run.
   */
  async findOverdue(
    graceMs: number,
    limit: number,
  ): Promise<Array<{ id: string; workspaceId: string; retryStep: number }>> {
    const rows = rowsOf<{ id: string; workspace_id: string; retry_step: number }>(
      await this.ds.query(
        `SELECT id, workspace_id, retry_step FROM webhook_deliveries
         WHERE status = 'pending' AND NOT is_test AND next_attempt_at <= now() - $1 * interval '1 millisecond'
           AND (lease_until IS NULL OR lease_until < now())
         ORDER BY next_attempt_at LIMIT $2`,
        [graceMs, limit],
      ),
    );
    return rows.map((r) => ({ id: r.id, workspaceId: r.workspace_id, retryStep: r.retry_step }));
  }

  /** Runs `fn` only if this process wins the session-level advisory lock, on one dedicated connection. */
  async withTryAdvisoryLock(key: number, fn: () => Promise<void>): Promise<boolean> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      const [{ locked }] = (await qr.query(`SELECT pg_try_advisory_lock($1) AS locked`, [key])) as [
        { locked: boolean },
      ];
      if (!locked) return false;
      try {
        await fn();
      } finally {
        await qr.query(`SELECT pg_advisory_unlock($1)`, [key]);
      }
      return true;
    } finally {
      await qr.release();
    }
  }

  async pendingStats(): Promise<{ oldestAgeSeconds: number; pending: number }> {
    const [row] = rowsOf<{ age: string | null; n: string }>(
      await this.ds.query(
        `SELECT EXTRACT(EPOCH FROM now() - min(created_at)) AS age, count(*) AS n FROM webhook_deliveries WHERE status = 'pending'`,
      ),
    );
    return { oldestAgeSeconds: Number(row?.age ?? 0), pending: Number(row?.n ?? 0) };
  }

  listForEndpoint(workspaceId: string, endpointId: string, query: ListQueryDto, status?: DeliveryStatus) {
    const qb = this.deliveries()
      .createQueryBuilder('d')
      .where('d.workspace_id = :workspaceId AND d.endpoint_id = :endpointId', { workspaceId, endpointId });
    if (status) qb.andWhere('d.status = :status', { status });
    return paginate(qb, {
      codec: this.cursors,
      scope: `${DELIVERY_CURSOR_SCOPE}:${endpointId}:${status ?? ''}`,
      query,
      orderColumn: 'd.created_at',
      idColumn: 'd.id',
      orderValue: (d) => d.createdAt,
      idValue: (d) => d.id,
    });
  }

  /** The newest attempt of each delivery. */
  async lastAttempts(workspaceId: string, deliveryIds: string[]): Promise<Map<string, WebhookAttemptEntity>> {
    if (deliveryIds.length === 0) return new Map();
    const rows = await this.ds.manager
      .getRepository(WebhookAttemptEntity)
      .createQueryBuilder('a')
      .distinctOn(['a.delivery_id'])
      .where('a.workspace_id = :workspaceId AND a.delivery_id IN (:...ids)', {
        workspaceId,
        ids: deliveryIds,
      })
      .orderBy('a.delivery_id')
      .addOrderBy('a.at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .getMany();
    return new Map(rows.map((a) => [a.deliveryId, a]));
  }

  /** All attempts of one delivery, oldest first. */
  attempts(workspaceId: string, deliveryId: string): Promise<WebhookAttemptEntity[]> {
    return this.ds.manager.getRepository(WebhookAttemptEntity).find({
      where: { workspaceId, deliveryId: In([deliveryId]) },
      order: { at: 'ASC', id: 'ASC' },
    });
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MembershipEntity, Role } from './membership.entity';
import { SessionEntity } from './session.entity';
import { UserEntity } from './user.entity';
import { WorkspaceEntity } from './workspace.entity';

export interface SessionRow {
  session: SessionEntity;
  user: UserEntity;
  workspace: WorkspaceEntity;
  role: Role;
}

/** The SQL of users, workspaces, memberships and sessions. */
@Injectable()
export class AuthRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  findUserByEmail(email: string): Promise<UserEntity | null> {
    return this.ds.getRepository(UserEntity).findOneBy({ email });
  }

  /** The user's membership in one workspace, or their first one when none is named. */
  async findMembership(
    userId: string,
    workspaceId?: string,
  ): Promise<{ workspace: WorkspaceEntity; role: Role } | null> {
    const qb = this.ds
      .getRepository(MembershipEntity)
      .createQueryBuilder('m')
      .innerJoinAndMapOne('m.workspace', WorkspaceEntity, 'w', 'w.id = m.workspace_id')
      .where('m.user_id = :userId', { userId })
      .orderBy('m.created_at', 'ASC')
      .addOrderBy('m.workspace_id', 'ASC');
    if (workspaceId !== undefined) qb.andWhere('m.workspace_id = :workspaceId', { workspaceId });
    const m = (await qb.getOne()) as (MembershipEntity & { workspace: WorkspaceEntity }) | null;
    return m ? { workspace: m.workspace, role: m.role } : null;
  }

  async insertSession(
    m: EntityManager | null,
    s: Omit<SessionEntity, 'createdAt' | 'revokedAt'>,
  ): Promise<SessionEntity> {
    const repo = (m ?? this.ds.manager).getRepository(SessionEntity);
    return repo.save(repo.create({ ...s, revokedAt: null }));
  }

  /** A live session by its token hash, with the caller's current role (a membership removed ends it). */
  async findLiveSession(tokenHash: Buffer): Promise<SessionRow | null> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT s.id, s.user_id, s.workspace_id, s.expires_at, s.revoked_at, s.created_at,
              u.email, u.created_at AS user_created_at, w.name AS workspace_name, w.created_at AS workspace_created_at, m.role
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         JOIN workspaces w ON w.id = s.workspace_id
         JOIN memberships m ON m.workspace_id = s.workspace_id AND m.user_id = s.user_id
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
      [tokenHash],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      session: Object.assign(new SessionEntity(), {
        id: r.id,
        tokenHash,
        userId: r.user_id,
        workspaceId: r.workspace_id,
        expiresAt: r.expires_at,
        revokedAt: r.revoked_at,
        createdAt: r.created_at,
      }),
      user: Object.assign(new UserEntity(), { id: r.user_id, email: r.email, createdAt: r.user_created_at }),
      workspace: Object.assign(new WorkspaceEntity(), {
        id: r.workspace_id,
        name: r.workspace_name,
        createdAt: r.workspace_created_at,
      }),
      role: r.role as Role,
    };
  }

  async extendSession(sessionId: string, expiresAt: Date): Promise<void> {
    await this.ds.getRepository(SessionEntity).update({ id: sessionId }, { expiresAt });
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.ds.query('UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [
      sessionId,
    ]);
  }
}

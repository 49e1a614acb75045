import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppError } from '../common/errors';
import { newId } from '../common/ids';
import { RateLimiter } from '../common/redis/rate-limiter.service';
import type { AuthContext } from './auth-context';
import { AuthResponseDto, SessionInfoDto, UserDto, WorkspaceDto } from './auth.dto';
import { AuthRepository } from './auth.repository';
import { MembershipEntity, Role } from './membership.entity';
import { hashPassword, verifyPassword } from './password-hasher';
import { UserEntity } from './user.entity';
import { WorkspaceEntity } from './workspace.entity';

const WRONG_CREDENTIALS = 'email, password or workspace is not right';
const HOUR = 3_600_000;

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

const userDto = (u: UserEntity): UserDto => ({
  id: u.id,
  email: u.email,
  created_at: u.createdAt.toISOString(),
});
const workspaceDto = (w: WorkspaceEntity): WorkspaceDto => ({
  id: w.id,
  name: w.name,
  created_at: w.createdAt.toISOString(),
});

@Injectable()
export class AuthService implements OnModuleInit {
  /** Unknown emails are checked against this, so they cost one hash like real ones. */
  private dummyHash = '';
  private readonly csrfKey: Buffer;

  constructor(
    private readonly repo: AuthRepository,
    private readonly limiter: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.csrfKey = createHash('sha256').update('csrf-key').update(config.secretsKey).digest();
  }

  async onModuleInit(): Promise<void> {
    this.dummyHash = await hashPassword(randomBytes(16).toString('hex'));
  }

  /** The CSRF token is derived from the session id, so it needs no storage and cannot be forged. */
  csrfTokenFor(sessionId: string): string {
    return createHmac('sha256', this.csrfKey).update(sessionId).digest('base64url');
  }

  checkCsrf(sessionId: string, sent: unknown): boolean {
    if (typeof sent !== 'string') return false;
    const want = Buffer.from(this.csrfTokenFor(sessionId));
    const got = Buffer.from(sent);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  async signup(
    input: { email: string; password: string; workspaceName: string },
    ip: string,
  ): Promise<AuthResponseDto> {
    const limit = this.config.auth.signupLimitPerHour;
    if (limit > 0)
      await this.limiter.consume(`signup:ip:${ip}`, limit, HOUR, 'too many signups from this address');
    const email = normalizeEmail(input.email);
    const passwordHash = await hashPassword(input.password);
    const now = new Date();
    try {
      return await this.repo.transaction(async (m) => {
        const workspace = await m.save(
          m.create(WorkspaceEntity, {
            id: newId('ws'),
            name: input.workspaceName,
            createdAt: now,
            updatedAt: now,
          }),
        );
        const user = await m.save(
          m.create(UserEntity, { id: newId('usr'), email, passwordHash, createdAt: now, updatedAt: now }),
        );
        await m.save(
          m.create(MembershipEntity, {
            workspaceId: workspace.id,
            userId: user.id,
            role: 'owner',
            createdAt: now,
          }),
        );
        const session = await this.openSession(m, user.id, workspace.id);
        return { user: userDto(user), workspace: workspaceDto(workspace), role: 'owner' as Role, session };
      });
    } catch (e) {
      if ((e as { code?: string }).code === '23505')
        throw new AppError('conflict', 'an account with this email exists');
      throw e;
    }
  }

  async login(
    input: { email: string; password: string; workspaceId?: string },
    ip: string,
  ): Promise<AuthResponseDto> {
    const { auth } = this.config;
    await this.limiter.consume(
      `login:ip:${ip}`,
      auth.loginIpLimitPerMinute,
      60_000,
      'too many login attempts',
    );
    const email = normalizeEmail(input.email);
    const failKey = `login:fail:${ip}:${createHash('sha256').update(email).digest('hex')}`;
    const failures = await this.limiter.peek(failKey);
    if (failures.count >= auth.loginMaxFailures) {
      throw new AppError(
        'rate_limited',
        'too many failed logins; try again later',
        undefined,
        failures.retryAfterSeconds,
      );
    }
    const user = await this.repo.findUserByEmail(email);
    // Always pay for one hash, so an unknown email takes as long as a wrong password.
    const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? this.dummyHash);
    const membership = user && passwordOk ? await this.repo.findMembership(user.id, input.workspaceId) : null;
    if (!user || !passwordOk || !membership) {
      await this.limiter.hit(failKey, auth.loginFailureWindowMs);
      throw new AppError('unauthenticated', WRONG_CREDENTIALS);
    }
    const session = await this.openSession(null, user.id, membership.workspace.id);
    return {
      user: userDto(user),
      workspace: workspaceDto(membership.workspace),
      role: membership.role,
      session,
    };
  }

  private async openSession(
    m: Parameters<AuthRepository['insertSession']>[0],
    userId: string,
    workspaceId: string,
  ) {
    const token = `mks_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + this.config.auth.sessionTtlMs);
    const s = await this.repo.insertSession(m, {
      id: newId('ses'),
      tokenHash: hashToken(token),
      userId,
      workspaceId,
      expiresAt,
    });
    return { token, csrf_token: this.csrfTokenFor(s.id), expires_at: expiresAt.toISOString() };
  }

  /** Resolves a token to its live session; slides the expiry, at most once an hour. */
  async authenticate(token: string, via: AuthContext['via']): Promise<AuthContext | null> {
    if (!/^mks_[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const row = await this.repo.findLiveSession(hashToken(token));
    if (!row) return null;
    let expiresAt = row.session.expiresAt;
    let extended = false;
    const fresh = Date.now() + this.config.auth.sessionTtlMs;
    if (fresh - expiresAt.getTime() >= Math.min(HOUR, this.config.auth.sessionTtlMs / 2)) {
      expiresAt = new Date(fresh);
      await this.repo.extendSession(row.session.id, expiresAt);
      extended = true;
    }
    return {
      sessionId: row.session.id,
      userId: row.user.id,
      workspaceId: row.workspace.id,
      role: row.role,
      via,
      expiresAt,
      extended,
    };
  }

  async sessionInfo(token: string, auth: AuthContext): Promise<SessionInfoDto> {
    const row = await this.repo.findLiveSession(hashToken(token));
    if (!row) throw new AppError('unauthenticated', 'session is not valid');
    return {
      user: userDto(row.user),
      workspace: workspaceDto(row.workspace),
      role: row.role,
      expires_at: auth.expiresAt.toISOString(),
      csrf_token: this.csrfTokenFor(row.session.id),
    };
  }

  logout(auth: AuthContext): Promise<void> {
    return this.repo.revokeSession(auth.sessionId);
  }
}

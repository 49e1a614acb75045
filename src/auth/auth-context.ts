import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { Role } from './membership.entity';

/** Who is calling, as the session guard established it. */
export interface AuthContext {
  sessionId: string;
  userId: string;
  workspaceId: string;
  role: Role;
  via: 'bearer' | 'cookie';
  expiresAt: Date;
  /** True when this request slid the expiry (a cookie is then re-set with it). */
  extended?: boolean;
}

export const IS_PUBLIC = 'mk:isPublic';
export const REQUIRED_ROLES = 'mk:roles';

/** Opens a route to callers without a session (signup, login, Stripe ingestion, health). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Limits a route to these roles; others get 403 forbidden. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

/** Writes are for owners and admins. */
export const CanWrite = () => Roles('owner', 'admin');

export const CurrentAuth = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthContext => {
  return ctx.switchToHttp().getRequest<{ user: AuthContext }>().user;
});

import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request, Response } from 'express';
import { AppError } from '../common/errors';
import { AuthContext, IS_PUBLIC, REQUIRED_ROLES } from './auth-context';
import { AuthService } from './auth.service';
import type { Role } from './membership.entity';
import { AUTHENTICATOR, sessionTokenOf, setSessionCookie } from './session.strategy';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The one global guard, in the contract's order: session (401), CSRF for cookie writes (403), role (403). */
@Injectable()
export class SessionGuard extends AuthGuard('session') {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<Request & { user: AuthContext }>();
    // Passport keeps one strategy per name for the whole process; hand it this app's
    // authenticator so several apps in one process (tests, a worker beside an api) stay apart.
    (req as Request & { [AUTHENTICATOR]?: AuthService })[AUTHENTICATOR] = this.auth;
    await super.canActivate(context);
    const who = req.user;
    if (who.via === 'cookie' && who.extended) {
      // The expiry slid: the browser's cookie follows it.
      const res = context.switchToHttp().getResponse<Response>();
      setSessionCookie(
        res,
        sessionTokenOf(req)!.token,
        who.expiresAt,
        this.config.publicBaseUrl.startsWith('https:'),
      );
    }
    if (
      who.via === 'cookie' &&
      !SAFE_METHODS.has(req.method) &&
      !this.auth.checkCsrf(who.sessionId, req.headers['x-csrf-token'])
    ) {
      throw new AppError('csrf_failed', 'x-csrf-token is missing or does not match the session');
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (roles && !roles.includes(who.role))
      throw new AppError('forbidden', `this needs the role ${roles.join(' or ')}`);
    return true;
  }

  override handleRequest<T>(err: unknown, user: T): T {
    if (err) throw err;
    if (!user) throw new AppError('unauthenticated', 'a session is required');
    return user;
  }

  override getAuthenticateOptions() {
    return { session: false };
  }
}

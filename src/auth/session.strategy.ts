import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request, Response } from 'express';
import { Strategy } from 'passport-custom';
import { AppError } from '../common/errors';
import type { AuthContext } from './auth-context';
import { AuthService } from './auth.service';

export const SESSION_COOKIE = 'mk_session';

/** The session cookie: HttpOnly, SameSite=Lax, Secure when the public URL is https. */
export function setSessionCookie(res: Response, token: string, expiresAt: Date, secure: boolean): void {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    expires: expiresAt,
  });
}

/** Where the guard leaves its app's AuthService on the request (see SessionGuard). */
export const AUTHENTICATOR = Symbol('mk:authenticator');

/** The token the request carries: a bearer header decides when present, else the cookie. */
export function sessionTokenOf(req: Request): { token: string; via: AuthContext['via'] } | null {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // A malformed or bad bearer header is a 401: never a fall-back to the cookie.
    return { token: m?.[1] ?? '', via: 'bearer' };
  }
  const cookie = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
  return typeof cookie === 'string' && cookie ? { token: cookie, via: 'cookie' } : null;
}

/** Passport strategy `session`: Authorization: Bearer, else the mk_session cookie. */
@Injectable()
export class SessionStrategy extends PassportStrategy(Strategy, 'session') {
  constructor(private readonly auth: AuthService) {
    super();
  }

  async validate(req: Request): Promise<AuthContext> {
    const sent = sessionTokenOf(req);
    if (!sent) throw new AppError('unauthenticated', 'a session is required');
    const auth = (req as Request & { [AUTHENTICATOR]?: AuthService })[AUTHENTICATOR] ?? this.auth;
    const ctx = await auth.authenticate(sent.token, sent.via);
    if (!ctx) throw new AppError('unauthenticated', 'session is not valid or has expired');
    return ctx;
  }
}

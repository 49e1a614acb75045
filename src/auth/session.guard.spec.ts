import type { AppConfig } from '../config/app-config';
import { Controller, ExecutionContext, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '../common/errors';
import { AuthContext, CanWrite, Public, Roles } from './auth-context';
import type { AuthService } from './auth.service';
import type { Role } from './membership.entity';
import { SessionGuard } from './session.guard';

@Controller()
class Routes {
  @Get() read() {}
  @CanWrite() @Post() write() {}
  @Roles('owner') @Post() ownerOnly() {}
  @Public() @Post() open() {}
}

@Roles('admin')
@Controller()
class AdminRoutes {
  @Get() read() {}
  @Roles('owner', 'admin', 'member') @Get() everyone() {}
}

/** A fake HTTP context: the guard reads handler/class metadata through a real Reflector. */
function contextFor(cls: new () => object, handler: string, req: Record<string, unknown>): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => (cls.prototype as Record<string, unknown>)[handler],
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => ({}), getNext: () => undefined }),
  } as unknown as ExecutionContext;
}

const who = (role: Role, via: AuthContext['via'] = 'bearer'): AuthContext => ({
  sessionId: 'ses_x',
  userId: 'usr_x',
  workspaceId: 'ws_x',
  role,
  via,
  expiresAt: new Date(Date.now() + 60_000),
});

describe('SessionGuard', () => {
  const auth = { checkCsrf: (_id: string, sent: unknown) => sent === 'good' } as unknown as AuthService;
  let guard: SessionGuard;
  let authenticated: AuthContext | null;

  beforeEach(() => {
    guard = new SessionGuard(new Reflector(), auth, { publicBaseUrl: 'http://localhost:3000' } as AppConfig);
    authenticated = null;
    // Stand in for passport: what the strategy would have put on the request.
    jest
      .spyOn(Object.getPrototypeOf(SessionGuard.prototype), 'canActivate')
      .mockImplementation(async function (this: SessionGuard, ctx: unknown) {
        const req = (ctx as ExecutionContext).switchToHttp().getRequest<{ user?: AuthContext }>();
        req.user = this.handleRequest(null, authenticated) as AuthContext;
        return true;
      });
  });
  afterEach(() => jest.restoreAllMocks());

  const run = (
    cls: new () => object,
    handler: string,
    method: string,
    headers: Record<string, string> = {},
  ) => guard.canActivate(contextFor(cls, handler, { method, headers }));

  const refusal = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return e as AppError;
    }
    throw new Error('expected a refusal');
  };

  it('lets public routes through without a session', async () => {
    await expect(run(Routes, 'open', 'POST')).resolves.toBe(true);
  });

  it('refuses a missing session with 401 unauthenticated', async () => {
    const e = await refusal(run(Routes, 'read', 'GET'));
    expect(e).toBeInstanceOf(AppError);
    expect(e.code).toBe('unauthenticated');
  });

  it.each<[Role, boolean]>([
    ['owner', true],
    ['admin', true],
    ['member', false],
  ])('@CanWrite(): %s allowed=%p', async (role, allowed) => {
    authenticated = who(role);
    if (allowed) await expect(run(Routes, 'write', 'POST')).resolves.toBe(true);
    else expect((await refusal(run(Routes, 'write', 'POST'))).code).toBe('forbidden');
  });

  it('lets every role read a route without a roles decorator', async () => {
    for (const role of ['owner', 'admin', 'member'] as Role[]) {
      authenticated = who(role);
      await expect(run(Routes, 'read', 'GET')).resolves.toBe(true);
    }
  });

  it('reads roles from the handler before the class', async () => {
    authenticated = who('member');
    expect((await refusal(run(AdminRoutes, 'read', 'GET'))).code).toBe('forbidden');
    await expect(run(AdminRoutes, 'everyone', 'GET')).resolves.toBe(true);
    authenticated = who('admin');
    await expect(run(AdminRoutes, 'read', 'GET')).resolves.toBe(true);
    expect((await refusal(run(Routes, 'ownerOnly', 'POST'))).code).toBe('forbidden');
  });

  it('checks CSRF on cookie writes before the role', async () => {
    authenticated = who('member', 'cookie');
    expect((await refusal(run(Routes, 'write', 'POST'))).code).toBe('csrf_failed');
    expect((await refusal(run(Routes, 'write', 'POST', { 'x-csrf-token': 'bad' }))).code).toBe('csrf_failed');
    expect((await refusal(run(Routes, 'write', 'POST', { 'x-csrf-token': 'good' }))).code).toBe('forbidden');
    authenticated = who('owner', 'cookie');
    await expect(run(Routes, 'write', 'POST', { 'x-csrf-token': 'good' })).resolves.toBe(true);
  });

  it('needs no CSRF token for cookie reads or bearer writes', async () => {
    authenticated = who('owner', 'cookie');
    await expect(run(Routes, 'read', 'GET')).resolves.toBe(true);
    await expect(run(Routes, 'read', 'HEAD')).resolves.toBe(true);
    authenticated = who('owner', 'bearer');
    await expect(run(Routes, 'write', 'POST')).resolves.toBe(true);
  });

  it.each(['PATCH', 'PUT', 'DELETE'])('treats %s as a write for CSRF', async (method) => {
    authenticated = who('owner', 'cookie');
    expect((await refusal(run(Routes, 'write', method))).code).toBe('csrf_failed');
  });
});

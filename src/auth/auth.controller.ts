import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuthContext, CurrentAuth, Public } from './auth-context';
import { AuthResponseDto, LoginDto, SessionInfoDto, SignupDto } from './auth.dto';
import { AuthService } from './auth.service';
import { SESSION_COOKIE, sessionTokenOf, setSessionCookie } from './session.strategy';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private setCookie(res: Response, token: string, expiresAt: string): void {
    setSessionCookie(res, token, new Date(expiresAt), this.config.publicBaseUrl.startsWith('https:'));
  }

  @Public()
  @Post('signup')
  async signup(
    @Body() dto: SignupDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AuthResponseDto> {
    const out = await this.auth.signup(
      { email: dto.email, password: dto.password, workspaceName: dto.workspace_name },
      req.ip ?? '',
    );
    this.setCookie(res, out.session.token, out.session.expires_at);
    return out;
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(
    @Body() dto: LoginDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AuthResponseDto> {
    const out = await this.auth.login(
      { email: dto.email, password: dto.password, workspaceId: dto.workspace_id },
      req.ip ?? '',
    );
    this.setCookie(res, out.session.token, out.session.expires_at);
    return out;
  }

  @ApiBearerAuth()
  @ApiCookieAuth()
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentAuth() who: AuthContext, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.logout(who);
    res.clearCookie(SESSION_COOKIE, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.publicBaseUrl.startsWith('https:'),
    });
  }

  @ApiBearerAuth()
  @ApiCookieAuth()
  @Get('session')
  session(@CurrentAuth() who: AuthContext, @Req() req: Request): Promise<SessionInfoDto> {
    return this.auth.sessionInfo(sessionTokenOf(req)!.token, who);
  }
}

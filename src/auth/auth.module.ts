import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthController } from './auth.controller';
import { AuthRepository } from './auth.repository';
import { AuthService } from './auth.service';
import { MembershipEntity } from './membership.entity';
import { SessionEntity } from './session.entity';
import { SessionGuard } from './session.guard';
import { SessionStrategy } from './session.strategy';
import { UserEntity } from './user.entity';
import { WorkspaceEntity } from './workspace.entity';

/** Users, workspaces, memberships and sessions; the global session guard every route passes. */
@Module({
  imports: [
    PassportModule,
    TypeOrmModule.forFeature([UserEntity, WorkspaceEntity, MembershipEntity, SessionEntity]),
  ],
  controllers: [AuthController],
  providers: [AuthRepository, AuthService, SessionStrategy, { provide: APP_GUARD, useClass: SessionGuard }],
  exports: [AuthService],
})
export class AuthModule {}

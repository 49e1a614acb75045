import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsString, Length, MaxLength } from 'class-validator';
import { IsOptionalNotNull } from '../common/validation.decorators';
import type { Role } from './membership.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class SignupDto {
  @ApiProperty({ example: 'ada@example.test' })
  @Transform(trim)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 12, maxLength: 1024 })
  @IsString()
  @Length(12, 1024, { message: 'password must be 12 to 1024 characters' })
  password: string;

  @ApiProperty({ example: 'Acme' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty({ message: 'workspace_name must not be empty' })
  @MaxLength(200)
  workspace_name: string;
}

export class LoginDto {
  @ApiProperty()
  @IsString()
  @MaxLength(254)
  email: string;

  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  password: string;

  @ApiPropertyOptional({ description: 'Pick one of the user’s workspaces; default: the first joined' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(64)
  workspace_id?: string;
}

export class UserDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty() created_at: string;
}

export class WorkspaceDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() created_at: string;
}

export class SessionTokenDto {
  @ApiProperty({ description: 'Bearer token; shown only here' }) token: string;
  @ApiProperty() csrf_token: string;
  @ApiProperty() expires_at: string;
}

export class AuthResponseDto {
  @ApiProperty() user: UserDto;
  @ApiProperty() workspace: WorkspaceDto;
  @ApiProperty({ enum: ['owner', 'admin', 'member'] }) role: Role;
  @ApiProperty() session: SessionTokenDto;
}

export class SessionInfoDto {
  @ApiProperty() user: UserDto;
  @ApiProperty() workspace: WorkspaceDto;
  @ApiProperty({ enum: ['owner', 'admin', 'member'] }) role: Role;
  @ApiProperty() expires_at: string;
  @ApiProperty() csrf_token: string;
}

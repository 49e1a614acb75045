import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsOptionalNotNull } from '../common/validation.decorators';
import type { WebhookEndpointEntity, EndpointStatus } from './webhook-endpoint.entity';

const STATUSES: EndpointStatus[] = ['active', 'disabled'];
export const MAX_DESCRIPTION_LENGTH = 500;
export const MAX_GRACE_PERIOD_SECONDS = 604_800;
export const DEFAULT_GRACE_PERIOD_SECONDS = 86_400;

// The URL's shape and addresses are checked by the URL policy in the service (it needs DNS).
export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://example.com/hooks', maxLength: 2048 })
  @IsString({ message: 'url must be a string' })
  url: string;

  @ApiPropertyOptional({
    type: String,
    maxLength: MAX_DESCRIPTION_LENGTH,
    nullable: true,
    example: 'CRM sync',
  })
  @IsOptional()
  @IsString({ message: 'description must be a string' })
  @MaxLength(MAX_DESCRIPTION_LENGTH, {
    message: `description must be at most ${MAX_DESCRIPTION_LENGTH} characters`,
  })
  description?: string | null;

  @ApiPropertyOptional({ enum: STATUSES, default: 'disabled' })
  @IsOptionalNotNull()
  @IsIn(STATUSES, { message: 'status must be active or disabled' })
  status?: EndpointStatus;

  @ApiPropertyOptional({ type: [String], default: ['*'], example: ['contact.created'] })
  @IsOptionalNotNull()
  @IsArray({ message: 'event_types must be an array of event type names' })
  @ArrayMaxSize(200, { message: 'event_types must have at most 200 entries' })
  @IsString({ each: true, message: 'event_types must be an array of event type names' })
  event_types?: string[];
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://example.com/hooks', maxLength: 2048 })
  @IsOptionalNotNull()
  @IsString({ message: 'url must be a string' })
  url?: string;

  @ApiPropertyOptional({
    type: String,
    maxLength: MAX_DESCRIPTION_LENGTH,
    nullable: true,
    description: 'null clears it',
  })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsString({ message: 'description must be a string' })
  @MaxLength(MAX_DESCRIPTION_LENGTH, {
    message: `description must be at most ${MAX_DESCRIPTION_LENGTH} characters`,
  })
  description?: string | null;

  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptionalNotNull()
  @IsIn(STATUSES, { message: 'status must be active or disabled' })
  status?: EndpointStatus;

  @ApiPropertyOptional({ type: [String] })
  @IsOptionalNotNull()
  @IsArray({ message: 'event_types must be an array of event type names' })
  @ArrayMaxSize(200, { message: 'event_types must have at most 200 entries' })
  @IsString({ each: true, message: 'event_types must be an array of event type names' })
  event_types?: string[];
}

export class RotateSigningSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_GRACE_PERIOD_SECONDS,
    default: DEFAULT_GRACE_PERIOD_SECONDS,
  })
  @IsOptionalNotNull()
  @IsInt({ message: `grace_period_seconds must be an integer from 0 to ${MAX_GRACE_PERIOD_SECONDS}` })
  @Min(0, { message: `grace_period_seconds must be an integer from 0 to ${MAX_GRACE_PERIOD_SECONDS}` })
  @Max(MAX_GRACE_PERIOD_SECONDS, {
    message: `grace_period_seconds must be an integer from 0 to ${MAX_GRACE_PERIOD_SECONDS}`,
  })
  grace_period_seconds?: number;
}

export class WebhookEndpointResponseDto {
  @ApiProperty({ example: 'ep_01jd…' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: STATUSES }) status: EndpointStatus;
  @ApiProperty({ nullable: true, enum: ['manual', 'failing', 'gone'] }) disabled_reason: string | null;
  @ApiProperty({ type: [String] }) event_types: string[];
  @ApiProperty() has_signing_secret: boolean;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;

  static of(e: WebhookEndpointEntity): WebhookEndpointResponseDto {
    return {
      id: e.id,
      url: e.url,
      description: e.description,
      status: e.status,
      disabled_reason: e.disabledReason,
      event_types: e.eventTypes,
      // Every endpoint is created with a secret and rotation always leaves a current one.
      has_signing_secret: true,
      created_at: e.createdAt.toISOString(),
      updated_at: e.updatedAt.toISOString(),
    };
  }
}

export class CreatedWebhookEndpointResponseDto extends WebhookEndpointResponseDto {
  @ApiProperty({ description: 'whsec_…; shown only here and on rotation' }) signing_secret: string;
}

export class WebhookEndpointListResponseDto {
  @ApiProperty({ type: [WebhookEndpointResponseDto] }) data: WebhookEndpointResponseDto[];
  @ApiProperty() has_more: boolean;
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class RotatedSigningSecretResponseDto {
  @ApiProperty({ description: 'whsec_…; shown only here' }) signing_secret: string;
  @ApiProperty({ nullable: true, type: String }) previous_secret_expires_at: string | null;
}

export class WebhookEventTypeDto {
  @ApiProperty({ example: 'contact.created' }) type: string;
  @ApiProperty() description: string;
}

export class WebhookEventTypeListResponseDto {
  @ApiProperty({ type: [WebhookEventTypeDto] }) data: WebhookEventTypeDto[];
}

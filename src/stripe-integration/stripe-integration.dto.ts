import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsOptionalNotNull } from '../common/validation.decorators';
import { ListQueryDto } from '../common/pagination';
import { ARCHIVE_STATUSES, ArchiveStatus } from './stripe-integration.entity';

export class UpdateStripeIntegrationDto {
  @ApiPropertyOptional({ description: 'Enabling needs a signing secret, stored or sent in the same request' })
  @IsOptionalNotNull()
  @IsBoolean({ message: 'enabled must be a boolean' })
  enabled?: boolean;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "The endpoint's signing secret from Stripe (write-only); null removes it",
    example: 'whsec_…',
  })
  @IsOptional()
  @IsString({ message: 'signing_secret must be a string starting with whsec_, or null' })
  @MaxLength(256, { message: 'signing_secret must be at most 256 characters' })
  @Matches(/^whsec_[\x21-\x7e]+$/, { message: 'signing_secret must start with whsec_ and hold no spaces' })
  signing_secret?: string | null;
}

export class StripeIntegrationResponseDto {
  @ApiProperty({ example: 'int_…' }) id: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty() has_signing_secret: boolean;
  @ApiProperty({ description: 'Give this URL to Stripe as the webhook endpoint' }) webhook_url: string;
  @ApiProperty({ type: [String], description: 'The Stripe event types normalized, in a fixed order' })
  supported_events: string[];
  @ApiProperty() updated_at: string;
}

export class ListStripeEventsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ARCHIVE_STATUSES })
  @IsOptional()
  @IsIn(ARCHIVE_STATUSES, { message: `status must be one of ${ARCHIVE_STATUSES.join(', ')}` })
  status?: ArchiveStatus;
}

export class StripeEventResponseDto {
  @ApiProperty({ example: 'evt_…' }) id: string;
  @ApiProperty() type: string;
  @ApiProperty() livemode: boolean;
  @ApiProperty() received_at: string;
  @ApiProperty({ enum: ARCHIVE_STATUSES }) status: ArchiveStatus;
  @ApiProperty({ type: String, nullable: true }) contact_event_id: string | null;
}

export class StripeEventListDto {
  @ApiProperty({ type: [StripeEventResponseDto] }) data: StripeEventResponseDto[];
  @ApiProperty() has_more: boolean;
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}

export class StripeWebhookResponseDto {
  @ApiProperty({ enum: [true] }) received: true;
  @ApiProperty({ description: 'This event id was archived before; nothing new was done' }) duplicate: boolean;
  @ApiProperty({ description: 'The event type is one MailKatana normalizes' }) supported: boolean;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ListQueryDto } from '../common/pagination';

export class ListContactsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({
    description: 'Exact email, matched after trimming and lower-casing: zero or one contact',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  email?: string;
}

export class ContactResponseDto {
  @ApiProperty({ example: 'con_01hx…' }) id: string;
  @ApiProperty({ example: 'ada@example.test' }) email: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The first Stripe customer linked to the contact',
  })
  stripe_customer_id: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class ContactEventResponseDto {
  @ApiProperty({ example: 'cev_01hx…' }) id: string;
  @ApiProperty() contact_id: string;
  @ApiProperty({ example: 'stripe.invoice.paid' }) name: string;
  @ApiProperty({ example: 'stripe' }) source: string;
  @ApiProperty({ example: 'evt_1Nq…' }) source_event_id: string;
  @ApiProperty({ description: "The source event's time (Stripe's event.created)" }) occurred_at: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) properties: Record<string, unknown>;
}

export class ContactListResponseDto {
  @ApiProperty({ type: [ContactResponseDto] }) data: ContactResponseDto[];
  @ApiProperty() has_more: boolean;
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}

export class ContactEventListResponseDto {
  @ApiProperty({ type: [ContactEventResponseDto] }) data: ContactEventResponseDto[];
  @ApiProperty() has_more: boolean;
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}

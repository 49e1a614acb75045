import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { AuthContext, CurrentAuth } from '../auth/auth-context';
import { ListQueryDto } from '../common/pagination';
import {
  ContactEventListResponseDto,
  ContactListResponseDto,
  ContactResponseDto,
  ListContactsQueryDto,
} from './contacts.dto';
import { ContactsService, toContactResponse } from './contacts.service';

@ApiTags('contacts')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller('v1/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  list(
    @CurrentAuth() who: AuthContext,
    @Query() query: ListContactsQueryDto,
  ): Promise<ContactListResponseDto> {
    return this.contacts.list(who.workspaceId, query);
  }

  @Get(':id')
  async get(@CurrentAuth() who: AuthContext, @Param('id') id: string): Promise<ContactResponseDto> {
    return toContactResponse(await this.contacts.get(who.workspaceId, id));
  }

  @Get(':id/events')
  listEvents(
    @CurrentAuth() who: AuthContext,
    @Param('id') id: string,
    @Query() query: ListQueryDto,
  ): Promise<ContactEventListResponseDto> {
    return this.contacts.listEvents(who.workspaceId, id, query);
  }
}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContactEntity, ContactEventEntity, ContactKeyEntity } from './contact.entity';
import { ContactRepository } from './contact.repository';
import { ContactsController } from './contacts.controller';
import { ContactsService } from './contacts.service';

/** Contacts, their events and their learned Stripe keys (`cus_`, `ch_`, `pi_`); `/v1/contacts*`. */
@Module({
  imports: [TypeOrmModule.forFeature([ContactEntity, ContactKeyEntity, ContactEventEntity])],
  controllers: [ContactsController],
  providers: [ContactRepository, ContactsService],
  exports: [ContactsService],
})
export class ContactsModule {}

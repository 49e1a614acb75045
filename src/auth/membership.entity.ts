import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type Role = 'owner' | 'admin' | 'member';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member'];

@Entity('memberships')
@Index('memberships_user_idx', ['userId'])
export class MembershipEntity {
  @PrimaryColumn('text', { name: 'workspace_id' })
  workspaceId: string;

  @PrimaryColumn('text', { name: 'user_id' })
  userId: string;

  @Column('text')
  role: Role;

  @Column({ type: 'timestamptz', precision: 3, name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}

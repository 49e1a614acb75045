import { Injectable } from '@nestjs/common';

export interface WorkspaceEventType {
  type: string;
  description: string;
}

/**
 * The workspace event catalog. Each producing module registers its types at start; endpoints
 * validate `event_types` against it, so the catalog grows by registration, not by editing a list.
 */
@Injectable()
export class EventTypeRegistry {
  private readonly types = new Map<string, WorkspaceEventType>();

  register(...types: WorkspaceEventType[]): void {
    for (const t of types) this.types.set(t.type, t);
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  list(): WorkspaceEventType[] {
    return [...this.types.values()];
  }
}

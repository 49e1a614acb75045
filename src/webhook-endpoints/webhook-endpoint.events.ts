/**
 * In-process domain events (EventEmitter2). Other modules react to them (Delivery cancels pending
 * work, re-pins URLs); this module knows nothing of who listens.
 */
export const ENDPOINT_DELETED = 'webhook-endpoint.deleted';
export const ENDPOINT_DISABLED = 'webhook-endpoint.disabled';
export const ENDPOINT_URL_CHANGED = 'webhook-endpoint.url-changed';

export type EndpointDisabledReason = 'manual' | 'failing' | 'gone';

export interface EndpointDeletedEvent {
  workspaceId: string;
  endpointId: string;
}

export interface EndpointDisabledEvent {
  workspaceId: string;
  endpointId: string;
  reason: EndpointDisabledReason;
}

export interface EndpointUrlChangedEvent {
  workspaceId: string;
  endpointId: string;
  url: string;
}

/**
 * What a delivery attempt needs of its endpoint — URL, status, failing clock and live secrets
 * (still encrypted, newest first) — as one SQL expression that yields a JSON object, or NULL when
 * the endpoint is gone or belongs to another workspace.
 *
 * WebhookEndpoints owns these tables and this text. Delivery embeds the expression in the
 * statement that leases a delivery, so an attempt re-reads its endpoint in the same round trip
 * (and the same snapshot) as its lease; {@link WebhookEndpointsService.deliveryTargetFrom} turns
 * the result into an `EndpointForDelivery`. The arguments are SQL expressions of the caller's
 * (column references or placeholders), never values.
 */
export function deliveryTargetSql(workspaceIdExpr: string, endpointIdExpr: string): string {
  return `(SELECT json_build_object(
      'id', e.id, 'workspace_id', e.workspace_id, 'url', e.url, 'status', e.status,
      'failing_since', e.failing_since,
      'secrets', (SELECT json_agg(json_build_object('id', s.id, 'secret_encrypted', s.secret_encrypted)
                                  ORDER BY s.created_at DESC, s.id DESC)
                    FROM webhook_endpoint_secrets s
                   WHERE s.workspace_id = e.workspace_id AND s.endpoint_id = e.id
                     AND (s.expires_at IS NULL OR s.expires_at > now())))
    FROM webhook_endpoints e
   WHERE e.workspace_id = ${workspaceIdExpr} AND e.id = ${endpointIdExpr})`;
}

/** The JSON {@link deliveryTargetSql} yields. */
export interface DeliveryTargetRow {
  id: string;
  workspace_id: string;
  url: string;
  status: 'active' | 'disabled';
  /** ISO text: timestamps inside JSON are not parsed into Dates by the driver. */
  failing_since: string | null;
  secrets: Array<{ id: string; secret_encrypted: string }> | null;
}

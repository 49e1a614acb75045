/** "Every event type": an endpoint's filter is either exactly this or a list of catalog names. */
export const ALL_EVENT_TYPES = '*';

export type EventTypeFilterResult = { ok: true; eventTypes: string[] } | { ok: false; message: string };

/**
 * Checks an endpoint's `event_types` against the catalog: exact names, or ["*"] alone; never
 * empty. Duplicates are dropped and the order kept. A refusal lists what is allowed, so the
 * caller can fix the request without a second look-up.
 */
export function checkEventTypeFilter(
  requested: readonly string[],
  catalog: readonly string[],
): EventTypeFilterResult {
  const allowed = [`"${ALL_EVENT_TYPES}"`, ...catalog].join(', ');
  const unique = [...new Set(requested)];
  if (unique.length === 0)
    return { ok: false, message: `event_types must not be empty; allowed: ${allowed}` };
  if (unique.includes(ALL_EVENT_TYPES)) {
    return unique.length === 1
      ? { ok: true, eventTypes: unique }
      : { ok: false, message: `event_types must be ["*"] alone or a list of names; allowed: ${allowed}` };
  }
  const known = new Set(catalog);
  const unknown = unique.filter((t) => !known.has(t));
  if (unknown.length > 0) {
    const names = unknown.map((t) => `"${t}"`).join(', ');
    return {
      ok: false,
      message: `event_types has unknown ${unknown.length === 1 ? 'type' : 'types'} ${names}; allowed: ${allowed}`,
    };
  }
  return { ok: true, eventTypes: unique };
}

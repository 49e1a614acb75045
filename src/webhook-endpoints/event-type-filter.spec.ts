import { checkEventTypeFilter } from './event-type-filter';

const catalog = ['contact.created', 'contact.updated', 'testing.testEvent'];

describe('checkEventTypeFilter', () => {
  it('accepts ["*"] and exact catalog names', () => {
    expect(checkEventTypeFilter(['*'], catalog)).toEqual({ ok: true, eventTypes: ['*'] });
    expect(checkEventTypeFilter(['contact.updated', 'contact.created'], catalog)).toEqual({
      ok: true,
      eventTypes: ['contact.updated', 'contact.created'],
    });
  });

  it('drops duplicates and keeps the first-seen order', () => {
    expect(checkEventTypeFilter(['contact.updated', 'contact.created', 'contact.updated'], catalog)).toEqual({
      ok: true,
      eventTypes: ['contact.updated', 'contact.created'],
    });
    expect(checkEventTypeFilter(['*', '*'], catalog)).toEqual({ ok: true, eventTypes: ['*'] });
  });

  it.each([
    [[], /must not be empty/],
    [['*', 'contact.created'], /\["\*"\] alone/],
    [['contact.created', 'contact.deleted'], /unknown type "contact.deleted"/],
    [['Contact.Created'], /unknown type "Contact.Created"/], // names are exact, case included
    [['a', 'b'], /unknown types "a", "b"/],
    [['contact.*'], /unknown type/], // no wildcards but the lone "*"
  ])('refuses %p, listing the allowed names', (requested, message) => {
    const r = checkEventTypeFilter(requested, catalog);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(message);
    expect(r.message).toContain('allowed: "*", contact.created, contact.updated, testing.testEvent');
  });

  it('with an empty catalog only "*" is allowed', () => {
    expect(checkEventTypeFilter(['*'], [])).toEqual({ ok: true, eventTypes: ['*'] });
    expect(checkEventTypeFilter(['x'], [])).toMatchObject({ ok: false });
  });
});

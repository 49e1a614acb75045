import { sanitizedJson, summarizeEvent, queryableJson } from './stripe-payload';

describe('summarizeEvent', () => {
  const base = { id: 'evt_1', type: 'customer.created', data: { object: {} } };

  it('accepts the event shape and reads its metadata', () => {
    expect(
      summarizeEvent({ ...base, livemode: true, api_version: '2024-06-20', created: 1700000000 }),
    ).toEqual({
      id: 'evt_1',
      type: 'customer.created',
      livemode: true,
      apiVersion: '2024-06-20',
      created: 1700000000,
    });
    expect(summarizeEvent(base)).toMatchObject({ livemode: false, apiVersion: null, created: null });
  });

  it.each([
    ['not an object', []],
    ['null', null],
    ['no evt_ id', { ...base, id: 'cus_1' }],
    ['numeric id', { ...base, id: 1 }],
    ['no type', { ...base, type: undefined }],
    ['empty type', { ...base, type: '' }],
    ['no data', { id: 'evt_1', type: 'x' }],
    ['data.object an array', { ...base, data: { object: [] } }],
    ['data.object null', { ...base, data: { object: null } }],
  ])('refuses %s', (_, v) => {
    expect(summarizeEvent(v)).toBeNull();
  });
});

describe('sanitizedJson', () => {
  it('replaces NUL and lone surrogates, in values and keys', () => {
    const v = { 'k\u0000': 'a\u0000b', lone: 'x\ud800y', low: '\udc00', pair: '😀' };
    const out = JSON.parse(sanitizedJson(v));
    expect(out).toEqual({ 'k\ufffd': 'a\ufffdb', lone: 'x\ufffdy', low: '\ufffd', pair: '😀' });
  });

  it('leaves an escaped backslash followed by u0000 alone', () => {
    const v = { s: '\\u0000', t: '\\\u0000' };
    expect(JSON.parse(sanitizedJson(v))).toEqual({ s: '\\u0000', t: '\\\ufffd' });
  });

  it('keeps other escapes and U+2028', () => {
    const v = { s: 'line\nnext\t\u2028\u0001"q"' };
    expect(JSON.parse(sanitizedJson(v))).toEqual(v);
  });
});

describe('queryableJson', () => {
  it('keeps safe raw text as it is', () => {
    const raw = '{"id":"evt_1", "data": {"object": {"name": "Zoë 😀"}}}';
    expect(queryableJson(raw, JSON.parse(raw))).toBe(raw);
  });

  it('sanitizes when the raw text escapes NUL or a surrogate', () => {
    for (const raw of ['{"a":"x\\u0000y"}', '{"a":"\\ud800"}', '{"a":"\\uD83D\\uDE00"}']) {
      const out = queryableJson(raw, JSON.parse(raw));
      expect(out).not.toMatch(/\\u0000|\\ud[89a-f]/i);
      expect(out).toBe(sanitizedJson(JSON.parse(raw)));
    }
  });
});

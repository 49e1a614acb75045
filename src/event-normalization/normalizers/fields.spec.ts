import { firstPresent, idList, normalizeEmail, readerFor, unixSecondsToIso } from './fields';

function read(value: Record<string, unknown>) {
  const warnings: string[] = [];
  return { reader: readerFor(value, 'data.object', warnings), warnings };
}

describe('fields', () => {
  it('reads strings, integers, booleans and currencies of the right type', () => {
    const { reader, warnings } = read({ s: 'x', n: 2000, b: false, c: 'EUR' });
    expect([reader.string('s'), reader.integer('n'), reader.boolean('b'), reader.currency('c')]).toEqual([
      'x',
      2000,
      false,
      'eur',
    ]);
    expect(warnings).toEqual([]);
  });

  it('treats absent and null fields as null without a warning', () => {
    const { reader, warnings } = read({ nothing: null });
    expect([
      reader.string('nothing'),
      reader.integer('missing'),
      reader.id('missing'),
      reader.object('nothing'),
    ]).toEqual([null, null, null, null]);
    expect(reader.objects('missing')).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('nulls a wrong-typed field and names it in a warning', () => {
    const { reader, warnings } = read({ s: 5, n: 20.5, m: '2000', b: 'true', o: [], a: {} });
    expect(reader.string('s')).toBeNull();
    expect(reader.integer('n')).toBeNull();
    expect(reader.integer('m')).toBeNull();
    expect(reader.boolean('b')).toBeNull();
    expect(reader.object('o')).toBeNull();
    expect(reader.objects('a')).toBeNull();
    expect(warnings).toEqual([
      'data.object.s: expected string',
      'data.object.n: expected integer',
      'data.object.m: expected integer',
      'data.object.b: expected boolean',
      'data.object.o: expected object',
      'data.object.a: expected array',
    ]);
  });

  it('rejects integers that are not exact', () => {
    const { reader, warnings } = read({ big: 2 ** 60, nan: NaN, inf: Infinity });
    expect([reader.integer('big'), reader.integer('nan'), reader.integer('inf')]).toEqual([null, null, null]);
    expect(warnings).toHaveLength(3);
  });

  it('reads an id as a string or as an expanded object', () => {
    const { reader, warnings } = read({
      plain: 'cus_Test123',
      expanded: { id: 'cus_Test456', object: 'customer' },
      empty: '',
      noId: { object: 'customer' },
      numericId: { id: 7 },
      number: 7,
    });
    expect(reader.id('plain')).toBe('cus_Test123');
    expect(reader.id('expanded')).toBe('cus_Test456');
    expect([reader.id('empty'), reader.id('noId'), reader.id('numericId'), reader.id('number')]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(warnings).toEqual([
      'data.object.empty: expected id or expanded object with id',
      'data.object.noId: expected id or expanded object with id',
      'data.object.numericId: expected id or expanded object with id',
      'data.object.number: expected id or expanded object with id',
    ]);
  });

  it('gives an expanded object only when Stripe expanded it, leaving warnings to id()', () => {
    const { reader, warnings } = read({
      customer: 'cus_Test123',
      other: { email: 'a@example.test' },
      odd: 5,
    });
    expect(reader.expanded('customer')).toBeNull();
    expect(reader.expanded('odd')).toBeNull();
    expect(reader.expanded('other')?.email('email')).toBe('a@example.test');
    expect(warnings).toEqual([]);
  });

  it('turns unix seconds into ISO strings and refuses what Date cannot hold', () => {
    const { reader, warnings } = read({
      t: 1735732800,
      huge: 1e15,
      frac: 1735732800.5,
      neg: -1,
      text: '1735732800',
    });
    expect(reader.unixTime('t')).toBe('2025-01-01T12:00:00.000Z');
    expect(reader.unixTime('neg')).toBe('1969-12-31T23:59:59.000Z');
    expect([reader.unixTime('huge'), reader.unixTime('frac'), reader.unixTime('text')]).toEqual([
      null,
      null,
      null,
    ]);
    expect(warnings).toEqual([
      'data.object.huge: expected unix timestamp',
      'data.object.frac: expected unix timestamp',
      'data.object.text: expected unix timestamp',
    ]);
    expect(unixSecondsToIso(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('trims and lower-cases emails, and blank is null', () => {
    expect(normalizeEmail('  Ada@Example.TEST \n')).toBe('ada@example.test');
    expect(normalizeEmail('   ')).toBeNull();
    const { reader, warnings } = read({ e: ' A@B.test ', blank: '', n: 1 });
    expect([reader.email('e'), reader.email('blank'), reader.email('n')]).toEqual(['a@b.test', null, null]);
    expect(warnings).toEqual(['data.object.n: expected string']);
  });

  it('paths nested objects and array elements, skipping elements that are not objects', () => {
    const { reader, warnings } = read({
      items: { data: [{ price: 'price_A' }, 3, { price: { id: 'price_B' } }, null] },
    });
    const items = reader.object('items')?.objects('data') ?? [];
    expect(items.map((item) => item.id('price'))).toEqual(['price_A', 'price_B']);
    expect(items.map((item) => item.path)).toEqual([
      'data.object.items.data[0]',
      'data.object.items.data[2]',
    ]);
    expect(warnings).toEqual([
      'data.object.items.data[1]: expected object',
      'data.object.items.data[3]: expected object',
    ]);
  });

  it('never reads inherited properties', () => {
    const { reader, warnings } = read({});
    expect([reader.string('constructor'), reader.id('toString'), reader.object('__proto__')]).toEqual([
      null,
      null,
      null,
    ]);
    expect(warnings).toEqual([]);
  });

  it('falls back lazily and lists learned ids', () => {
    const second = jest.fn(() => 'b');
    expect(firstPresent(() => 'a', second)).toBe('a');
    expect(second).not.toHaveBeenCalled();
    expect(firstPresent(() => null, second)).toBe('b');
    expect(firstPresent<string>(() => null)).toBeNull();
    expect(idList('ch_Test123')).toEqual(['ch_Test123']);
    expect(idList(null)).toEqual([]);
  });
});

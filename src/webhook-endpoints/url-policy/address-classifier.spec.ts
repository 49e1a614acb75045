import { AddressClass, classifyAddress, isAddressAllowed, isClassAllowed } from './address-classifier';

const cases: Record<AddressClass, string[]> = {
  public: [
    '1.1.1.1',
    '8.8.8.8',
    '93.184.216.34',
    '9.255.255.255', // just below 10/8
    '11.0.0.0', // just above 10/8
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '192.0.1.1', // just above 192.0.0/24
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255', // last address below multicast
    '192.175.48.1', // AS112 anycast is ordinary public unicast
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '2001:200::1', // just above 2001::/23
    '3ffe::1', // global unicast outside the documentation /20
  ],
  private: [
    '10.0.0.0',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '192.168.255.255',
    '169.254.0.1', // link-local
    '169.254.169.253', // next to metadata, still just link-local
    '100.64.0.1', // CGNAT
    '100.127.255.255',
    'fc00::1', // unique-local
    'fd12:3456:789a::1',
    'fd00:ec2::253',
    'fe80::1', // link-local
    'fe80::1%eth0',
    'febf:ffff::1',
  ],
  loopback: ['127.0.0.1', '127.255.255.254', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1'],
  metadata: [
    '169.254.169.254',
    '169.254.170.2',
    '169.254.170.23',
    '100.100.100.200',
    'fd00:ec2::254',
    'FD00:EC2:0:0:0:0:0:254',
    'fd00:ec2::23',
  ],
  forbidden: [
    '0.0.0.0',
    '0.1.2.3',
    '0.255.255.255',
    '224.0.0.1', // multicast
    '239.255.255.250',
    '240.0.0.1', // reserved
    '255.255.255.254',
    '255.255.255.255', // broadcast
    '198.18.0.1', // benchmarking
    '198.19.255.255',
    '192.0.2.1', // TEST-NET-1
    '198.51.100.7', // TEST-NET-2
    '203.0.113.200', // TEST-NET-3
    '192.0.0.1', // IETF protocol assignments
    '192.0.0.170',
    '192.88.99.1', // 6to4 relay anycast
    '::', // unspecified
    '0:0:0:0:0:0:0:0',
    'ff02::1', // multicast
    'ff05::1:3',
    '2001:db8::1', // documentation
    '3fff::1', // documentation (RFC 9637)
    '2001:2::1', // benchmarking
    '2001:10::1', // ORCHID
    '100::1', // discard
    'fec0::1', // deprecated site-local
    '5f00::1', // SRv6
    '4000::1', // unassigned
    // transition forms of public addresses: we cannot see where they really go
    '::ffff:8.8.8.8',
    '::8.8.8.8',
    '64:ff9b::808:808',
    '64:ff9b:1::808:808',
    '2002:808:808::1',
    '2001:0:808:808::1',
    // transition forms of forbidden addresses stay forbidden
    '::ffff:0.0.0.0',
    '::ffff:224.0.0.1',
    '64:ff9b::c612:1', // 198.18.0.1
    '2002:c000:201::1', // 6to4 of 192.0.2.1
    // not canonical IP addresses at all
    '',
    'localhost',
    'example.com',
    '127.1',
    '0x7f000001',
    '2130706433',
    '0177.0.0.1',
    '127.000.0.1',
    '[::1]',
    ' 8.8.8.8',
    '1.2.3.4.5',
    '256.0.0.1',
  ],
};

const embedded: [string, AddressClass][] = [
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::127.0.0.1', 'loopback'], // IPv4-compatible
  ['::ffff:0:7f00:1', 'loopback'], // IPv4-translated
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:192.168.1.1', 'private'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['64:ff9b::a9fe:a9fe', 'metadata'], // NAT64 /96
  ['64:ff9b::7f00:1', 'loopback'],
  ['64:ff9b::a00:1', 'private'],
  ['64:ff9b:1:a9fe:a9:fe00::', 'metadata'], // local NAT64 with a /48 prefix
  ['64:ff9b:1::a9fe:a9fe', 'metadata'], // local NAT64 with a /96 prefix
  ['64:ff9b:1:808:8:808:7f00:1', 'loopback'], // every candidate position is public or loopback
  ['64:ff9b:1::7f00:1', 'forbidden'], // the /48 reading of this one is 0.0.0.0
  ['2002:7f00:1::1', 'loopback'], // 6to4 of 127.0.0.1
  ['2002:a9fe:a9fe::1', 'metadata'],
  ['2002:c0a8:101::1', 'private'],
  ['2001:0:7f00:1::f7f7:f7f7', 'loopback'], // Teredo server 127.0.0.1, client 8.8.8.8
  ['2001:0:7f00:1::', 'forbidden'], // Teredo client reads as 255.255.255.255
];

describe('classifyAddress', () => {
  for (const [expected, addresses] of Object.entries(cases)) {
    it.each(addresses)(`classifies %p as ${expected}`, (ip) => {
      expect(classifyAddress(ip)).toBe(expected);
    });
  }

  it.each(embedded)('classifies the embedded-IPv4 form %p as %p', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it('reads the Teredo client address bit-inverted', () => {
    // Client 169.254.169.254 is stored as its complement 0x5601:5601.
    expect(classifyAddress('2001:0:808:808:0:0:5601:5601')).toBe('metadata');
    // Client 127.0.0.1 is stored as 0x80ff:fffe.
    expect(classifyAddress('2001:0:808:808::80ff:fffe')).toBe('loopback');
  });

  it('treats non-strings as forbidden', () => {
    expect(classifyAddress(undefined as unknown as string)).toBe('forbidden');
  });
});

describe('isAddressAllowed', () => {
  it('always allows public addresses', () => {
    expect(isAddressAllowed('8.8.8.8', { allowPrivate: false })).toBe(true);
    expect(isAddressAllowed('2606:4700:4700::1111', { allowPrivate: true })).toBe(true);
  });

  it.each([
    '127.0.0.1',
    '::1',
    '10.0.0.1',
    'fd12::1',
    'fe80::1',
    '100.64.0.1',
    '169.254.1.1',
    '::ffff:127.0.0.1',
  ])('allows %p only with allowPrivate', (ip) => {
    expect(isAddressAllowed(ip, { allowPrivate: false })).toBe(false);
    expect(isAddressAllowed(ip, { allowPrivate: true })).toBe(true);
  });

  it.each([
    '169.254.169.254',
    'fd00:ec2::254',
    '64:ff9b::a9fe:a9fe',
    '0.0.0.0',
    '::',
    '224.0.0.1',
    '::ffff:8.8.8.8',
    'nope',
  ])('never allows %p', (ip) => {
    expect(isAddressAllowed(ip, { allowPrivate: false })).toBe(false);
    expect(isAddressAllowed(ip, { allowPrivate: true })).toBe(false);
  });

  it('maps classes to decisions', () => {
    expect(isClassAllowed('loopback', { allowPrivate: true })).toBe(true);
    expect(isClassAllowed('metadata', { allowPrivate: true })).toBe(false);
    expect(isClassAllowed('forbidden', { allowPrivate: true })).toBe(false);
  });
});

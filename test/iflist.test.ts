// --iflist's table and its facts (link types, states, default routes of both families) on fixed
// inputs, and the --router-ip option checks; the testbed run is in e2e-iflist.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultRoutes, formatIflist, IfRow, linkName, stateName } from '../shared/iflist';
import { nextHopOptions } from '../shared/blast/options';
import { UsageError } from '../shared/exit';
import { trawl } from './helpers';

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth1\t00000000\t0A00A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
`;
// A default route via fe80::1 on eth0, one on-link on wg0, and eth0's own prefix.
const ROUTE6 = [
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0',
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001      wg0',
  '20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
].join('\n') + '\n';

test('defaultRoutes: both families, lowest metric first within each, on-link ones without a gateway', () => {
  assert.equal(defaultRoutes(ROUTE, ROUTE6), [
    { family: 4, gateway: '192.0.2.1', iface: 'eth0', metric: 100 },
    { family: 4, gateway: '192.168.0.10', iface: 'eth1', metric: 600 },
    { family: 6, gateway: null, iface: 'wg0', metric: 256 },
    { family: 6, gateway: 'fe80::1', iface: 'eth0', metric: 1024 },
  ]);
  assert.equal(defaultRoutes('', ''), []);
});

test('link types and states as a user reads them', () => {
  assert.equal([1, 772, 65534, 768, 512, 32].map(linkName), ['ethernet', 'loopback', 'layer-3', 'layer-3', 'layer-3', 'type 32']);
  assert.equal([stateName(0x1003, 'up'), stateName(0x1002, 'down'), stateName(0x1003, 'down'), stateName(0x49, 'unknown')],
    ['up', 'down', 'no-carrier', 'up']);
});

const IFS: IfRow[] = [
  { name: 'lo', index: 1, link: 'loopback', state: 'up', mtu: 65536, mac: null, addresses: ['127.0.0.1/8', '::1/128'] },
  { name: 'eth0', index: 2, link: 'ethernet', state: 'up', mtu: 1500, mac: '02:fc:00:00:00:01', addresses: ['192.0.2.2/24', '2001:db8::2/64'] },
  { name: 'wg0', index: 3, link: 'layer-3', state: 'no-carrier', mtu: 1420, mac: null, addresses: [] },
];

test('the table: a row per interface, one more per further address, then the default routes and the interface picked', () => {
  assert.is(formatIflist(IFS, defaultRoutes(ROUTE, ROUTE6)), [
    'INTERFACE  LINK      STATE       MTU    MAC                ADDRESS',
    'lo         loopback  up          65536  -                  127.0.0.1/8',
    '                                                           ::1/128',
    'eth0       ethernet  up          1500   02:fc:00:00:00:01  192.0.2.2/24',
    '                                                           2001:db8::2/64',
    'wg0        layer-3   no-carrier  1420   -                  -',
    '',
    'DEFAULT ROUTE  GATEWAY       INTERFACE  METRIC',
    'IPv4           192.0.2.1     eth0       100',
    'IPv4           192.168.0.10  eth1       600',
    'IPv6           on-link       wg0        256',
    'IPv6           fe80::1       eth0       1024',
    '',
    'without -i, blast and scan send on eth0',
    '',
  ].join('\n'));
  assert.ok(formatIflist(IFS, []).endsWith('\nno default route: give blast and scan -i IFACE\n'));
});

test('--iflist on blast, scan and catch: the table, exit 0, before any other check (no key, no range, no -i)', () => {
  const first = trawl(['blast', '--iflist']);
  assert.equal([first.code, first.stderr], [0, '']);
  assert.match(first.stdout, /^INTERFACE\s+LINK\s+STATE\s+MTU\s+MAC\s+ADDRESS\n/);
  assert.match(first.stdout, /^lo\s+loopback\s+up\s/m);
  for (const args of [['scan', '--iflist'], ['catch', '--iflist']]) {
    const r = trawl(args);
    assert.equal([r.code, r.stderr], [0, ''], args.join(' '));
    assert.match(r.stdout, /^INTERFACE\s+LINK/, args.join(' '));
  }
});

test('--router-ip: one address per family; not with --router-mac; checked at parse time', () => {
  assert.equal(nextHopOptions({ 'router-ip': ['198.19.0.2', '2001:db8:ff::2'] }, undefined), { v4: '198.19.0.2', v6: '2001:db8:ff::2' });
  assert.equal(nextHopOptions({ 'router-ip': [] }, undefined), { v4: null, v6: null });
  assert.throws(() => nextHopOptions({ 'router-ip': ['10.0.0.1', '10.0.0.2'] }, undefined),
    (e: Error) => e instanceof UsageError && e.message === 'option --router-ip: two IPv4 next hops (10.0.0.1, 10.0.0.2): give one per family');
  assert.throws(() => nextHopOptions({ 'router-ip': ['10.0.0.1'], 'router-mac': '02:00:00:00:00:01' }, undefined),
    (e: Error) => e instanceof UsageError && /not both/.test(e.message));
  for (const bad of ['10.0.0.0/24', 'router', '10.0.0.1-10.0.0.2']) {
    const r = trawl(['blast', '--key-file', '/nonexistent', '--router-ip', bad]);
    assert.equal([r.code, r.stdout, r.stderr], [2, '', `trawl blast: option --router-ip: '${bad}' is not an IPv4 or IPv6 address\n`], bad);
  }
});

test.run();

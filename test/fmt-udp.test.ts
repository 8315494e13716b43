// fmt on UDP results as a user compares them with nmap -sU -sV and masscan -pU: catch's records
// (open with the datagram, closed from an ICMP port unreachable) through `trawl banners
// --service-probes` (the real named, ntpd, snmpd and memcached answers), then every format:
// -oX <port protocol="udp"> with reason udp-response / port-unreach and nmap's service names
// (valid against nmap.dtd), grepable 53/open/udp//domain//version/, text, masscan's list, csv
// with its proto column, json's ports; TCP and UDP of one port number kept apart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { runInProcess, trawl } from './helpers';
import { ANSWERS, udpOpen } from './udp-answers';

const NMAP = '/usr/share/nmap/nmap-service-probes';
const DTD = '/usr/share/nmap/nmap.dtd';
const IP = '198.18.0.9', T = 1764900000000000;
const answer = (name: string) => ANSWERS.find((a) => a.name === name)!;
const ndjson = (recs: unknown[]) => recs.map((r) => JSON.stringify(r)).join('\n') + '\n';

// One host: DNS, NTP, SNMP and memcached answering, 137 closed (ICMP port unreachable, code 3),
// and TCP 53 open beside UDP 53.
const catchOut = [
  udpOpen(answer('dns-version'), IP),
  udpOpen(answer('ntp'), IP),
  udpOpen(answer('snmp-v1'), IP),
  udpOpen(answer('memcached'), IP),
  { type: 'closed', ip: IP, port: 137, proto: 'udp', ttl: 64, time_us: T + 1 },
  { type: 'open', ip: IP, port: 53, sport: 40053, ttl: 64, window: 64240, time_us: T + 2 },
];
let banners = '';

function fmt(o: string, input = banners): string {
  const r = trawl(['fmt', '-o', o], input);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  return r.stdout;
}

test.before(async () => {
  const r = await runInProcess('banners', ['--service-probes', NMAP], ndjson(catchOut));
  assert.is(r.code, 0, r.stderr);
  banners = r.stdout;
});

test('xml: udp ports with nmap -sU reasons and nmap -sV service elements; tcp/53 apart; valid against nmap.dtd', () => {
  const x = fmt('xml');
  const port = (proto: string, n: number) => new RegExp(`<port protocol="${proto}" portid="${n}">.*?</port>`).exec(x)?.[0] ?? '';
  assert.is(port('udp', 53),
    '<port protocol="udp" portid="53"><state state="open" reason="udp-response" reason_ttl="64"/>' +
    '<service name="domain" product="ISC BIND" version="9.18.49-1~deb12u3" extrainfo="Debian Linux" ostype="Linux" method="probed" conf="10">' +
    '<cpe>cpe:/a:isc:bind:9.18.49-1~deb12u3</cpe><cpe>cpe:/o:linux:linux_kernel</cpe></service>' +
    port('udp', 53).slice(port('udp', 53).indexOf('<script'), -'</port>'.length) + '</port>');
  assert.match(port('udp', 53), /<script id="banner" output="[^"]*version\\x04bind/);
  assert.match(port('udp', 123), /<state state="open" reason="udp-response" reason_ttl="64"\/><service name="ntp" product="NTP" version="v4" extrainfo="unsynchronized" method="probed" conf="10"\/>/);
  assert.match(port('udp', 161), /<service name="snmp" product="SNMPv1 server" extrainfo="public" ostype="Linux" method="probed" conf="10"\/>/);
  assert.match(port('udp', 11211), /<service name="memcached" product="memcached" version="1.6.18" method="probed" conf="10"\/>/);
  assert.match(port('udp', 137), /^<port protocol="udp" portid="137"><state state="closed" reason="port-unreach" reason_ttl="64"\/><service name="netbios-ns" method="table" conf="3"\/><\/port>$/);
  assert.match(port('tcp', 53), /<state state="open" reason="syn-ack" reason_ttl="64"\/><service name="domain" method="table" conf="3"\/>/);
  assert.ok(fs.existsSync(DTD), 'nmap.dtd missing: apt-get install nmap');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-fmt-udp-')), 'udp.xml');
  fs.writeFileSync(file, x);
  const v = spawnSync('xmllint', ['--noout', '--dtdvalid', DTD, file], { encoding: 'utf8' });
  assert.is(v.status, 0, v.stderr);
});

test('grepable: port/state/udp//service//version/ as nmap -oG writes them', () => {
  const ports = fmt('grepable').split('\n').find((l) => l.includes('\tPorts: '))!.split('\tPorts: ')[1].split(', ');
  assert.equal(ports, [
    '53/open/tcp//domain///',
    '53/open/udp//domain//ISC BIND 9.18.49-1~deb12u3 (Debian Linux)/',
    '123/open/udp//ntp//NTP v4 (unsynchronized)/',
    '137/closed/udp//netbios-ns///',
    '161/open/udp//snmp//SNMPv1 server (public)/',
    '11211/open/udp//memcached//memcached 1.6.18/',
  ]);
});

test('text: PORT column as nmap prints it, 53/tcp and 53/udp two rows', () => {
  const rows = fmt('text').split('\n').filter((l) => /^\d+\/(tcp|udp)/.test(l)).map((l) => l.split(/\s+/).slice(0, 3).join(' '));
  assert.equal(rows, ['53/tcp open domain', '53/udp open domain', '123/udp open ntp', '137/udp closed netbios-ns', '161/udp open snmp', '11211/udp open memcached']);
});

test('list: masscan -oL lines with udp, the banners after their open lines', () => {
  const ls = fmt('list').split('\n').filter((l) => l && !l.startsWith('#'));
  const s = Math.floor(T / 1e6);
  assert.equal(ls.filter((l) => !l.startsWith('banner')), [
    `open udp 53 ${IP} ${s}`, `open udp 123 ${IP} ${s}`, `open udp 161 ${IP} ${s}`, `open udp 11211 ${IP} ${s}`,
    `closed udp 137 ${IP} ${s}`, `open tcp 53 ${IP} ${s}`]);
  assert.equal(ls.filter((l) => l.startsWith('banner')).map((l) => l.split(' ').slice(0, 6).join(' ')), [
    `banner udp 53 ${IP} ${s} dns`, `banner udp 123 ${IP} ${s} ntp`, `banner udp 161 ${IP} ${s} snmp`, `banner udp 11211 ${IP} ${s} memcached`]);
});

test('csv: the proto column tells udp from tcp; json ports carry proto, reason and the banner fields', () => {
  const rows = fmt('csv').trim().split('\n').map((l) => l.split(',').slice(0, 4).join(','));
  assert.is(rows[0], 'type,ip,port,proto');
  assert.ok(rows.includes(`open,${IP},53,udp`));
  assert.ok(rows.includes(`banner,${IP},53,udp`));
  assert.ok(rows.includes(`closed,${IP},137,udp`));
  assert.ok(rows.includes(`open,${IP},53,tcp`), 'a record without proto is tcp');
  const [host] = JSON.parse(fmt('json'));
  const p = host.ports.find((x: any) => x.port === 53 && x.proto === 'udp');
  assert.equal([p.state, p.reason, p.service, p.product, p.version], ['open', 'udp-response', 'dns', 'ISC BIND', '9.18.49-1~deb12u3']);
  assert.is(p.banners[0].dns_version, '9.18.49-1~deb12u3-Debian');
  assert.equal(host.ports.map((x: any) => `${x.port}/${x.proto} ${x.state} ${x.reason}`), [
    '53/tcp open syn-ack', '53/udp open udp-response', '123/udp open udp-response', '137/udp closed port-unreach',
    '161/udp open udp-response', '11211/udp open udp-response']);
});

test('read back: fmt\'s -oX of UDP results, read by fmt, gives the same grepable ports and -oX port lines', () => {
  const x = fmt('xml');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-fmt-udp-')), 'scan.xml');
  fs.writeFileSync(file, x);
  const again = trawl(['fmt', '-o', 'grepable', file]);
  assert.is(again.code, 0, again.stderr);
  const ports = (s: string) => s.split('\n').find((l) => l.includes('\tPorts: '));
  assert.is(ports(again.stdout), ports(fmt('grepable')));
  const xml2 = trawl(['fmt', '-o', 'xml', file]).stdout;
  const states = (s: string) => [...s.matchAll(/<port protocol="(\w+)" portid="(\d+)"><state [^>]*>/g)].map((m) => m[0]);
  assert.equal(states(xml2), states(x));
});

test('catch\'s records straight to fmt (no banners): udp ports open and closed, service from the port table', () => {
  const ports = fmt('grepable', ndjson(catchOut)).split('\n').find((l) => l.includes('\tPorts: '))!.split('\tPorts: ')[1].split(', ');
  assert.equal(ports, ['53/open/tcp//domain///', '53/open/udp//domain///', '123/open/udp//ntp///', '137/closed/udp//netbios-ns///', '161/open/udp//snmp///', '11211/open/udp/////']);   // /etc/services has no 11211
});

test.run();

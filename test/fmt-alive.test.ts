// fmt on alive records (ICMP echo and ARP/NDP answers, no port): hosts up as nmap -sn shows
// them (text "Host is up", grepable Status alone, XML <status state="up"> without <ports>,
// valid against nmap.dtd, the MAC as an address), masscan's list lines, hosts once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { trawl } from './helpers';

const T = 1796417058233000;
const input = [
  { type: 'alive', ip: '198.18.0.5', proto: 'icmp', ttl: 63, rtt_us: 412, time_us: T },
  { type: 'alive', ip: '10.250.0.11', proto: 'arp', mac: '02:aa:00:00:00:11', vendor: 'Acme Ltd', time_us: T },
  { type: 'alive', ip: '198.18.0.5', proto: 'icmp', ttl: 63, rtt_us: 500, time_us: T + 5 },
].map((r) => JSON.stringify(r) + '\n').join('');

const fmt = (o: string) => {
  const r = trawl(['fmt', '-o', o], input);
  assert.is(r.code, 0, r.stderr);
  return r.stdout;
};

test('list: one open line per alive record, port 0 of its proto (masscan --ping / --arpscan), an ARP answer\'s MAC as a banner line', () => {
  assert.equal(fmt('list').split('\n').slice(1, 5), [
    'open icmp 0 198.18.0.5 1796417058', 'open arp 0 10.250.0.11 1796417058', 'banner arp 0 10.250.0.11 1796417058 mac 02:aa:00:00:00:11 (Acme Ltd)',
    'open icmp 0 198.18.0.5 1796417058']);
});

test('grepable: a Status: Up line per host (an ARP answer\'s MAC on it) and no Ports line', () => {
  const lines = fmt('grepable').split('\n').filter((l) => l.startsWith('Host:'));
  assert.equal(lines.sort(), ['Host: 10.250.0.11 ()\tStatus: Up\tMAC: 02:AA:00:00:00:11 (Acme Ltd)', 'Host: 198.18.0.5 ()\tStatus: Up']);
});

test('text: Host is up with the reason, ttl and latency; the MAC and vendor of an ARP answer; no port table', () => {
  const s = fmt('text');
  assert.ok(s.includes('Nmap scan report for 198.18.0.5\nHost is up, received echo-reply ttl 63 (0.00041s latency).\n\n'), s);
  assert.ok(s.includes('Nmap scan report for 10.250.0.11\nHost is up, received arp-response.\nMAC Address: 02:AA:00:00:00:11 (Acme Ltd)\n'), s);
  assert.not.match(s, /PORT/);
  assert.match(s, /2 IP addresses \(2 hosts up\)/);
});

test('xml: <status state="up" reason="echo-reply">, the MAC address with its vendor, no <ports>; valid against nmap.dtd', () => {
  const s = fmt('xml');
  assert.match(s, /<status state="up" reason="echo-reply" reason_ttl="63"\/>/);
  assert.match(s, /<address addr="02:AA:00:00:00:11" addrtype="mac" vendor="Acme Ltd"\/>/);
  assert.not.match(s, /<ports>/);
  assert.match(s, /<hosts up="2" down="0" total="2"\/>/);
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-fmt-alive-')), 'a.xml');
  fs.writeFileSync(f, s);
  const v = spawnSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', f], { encoding: 'utf8' });
  assert.is(v.status, 0, v.stderr);
  fs.rmSync(path.dirname(f), { recursive: true });
});

test('hosts and json: each address once; json keeps the ping answer', () => {
  assert.equal(fmt('hosts').split('\n').filter(Boolean).sort(), ['10.250.0.11', '198.18.0.5']);
  const j = JSON.parse(fmt('json')) as { ip: string; status: string; alive: Record<string, unknown> }[];
  const a = j.find((h) => h.ip === '10.250.0.11')!;
  assert.equal([a.status, a.alive], ['up', { reason: 'arp-response', ttl: 0, mac: '02:aa:00:00:00:11', vendor: 'Acme Ltd' }]);
});

test('a ping or ARP sweep\'s scan record: no TCP scaninfo in xml (valid against nmap.dtd), no Ports scanned line in grepable, as nmap -sn; a mixed one lists its TCP ports only', () => {
  const run = (ports: string, nports: number) => JSON.stringify({ type: 'scan', args: 'trawl scan 10.250.0.0/24 --arp', ports, nports, seed: '1', time_us: T }) + '\n' + input;
  const xml = trawl(['fmt', '-o', 'xml'], run('I:echo,arp', 2));
  assert.is(xml.code, 0, xml.stderr);
  assert.not.match(xml.stdout, /<scaninfo/);
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-fmt-alive-')), 'a.xml');
  fs.writeFileSync(f, xml.stdout);
  const v = spawnSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', f], { encoding: 'utf8' });
  assert.is(v.status, 0, v.stderr);
  fs.rmSync(path.dirname(f), { recursive: true });
  const g = trawl(['fmt', '-o', 'grepable'], run('I:echo,arp', 2));
  assert.not.match(g.stdout, /Ports scanned/);
  const mixed = trawl(['fmt', '-o', 'xml'], run('22,80-81,I:echo', 4));
  assert.match(mixed.stdout, '<scaninfo type="syn" protocol="tcp" numservices="3" services="22,80-81"/>');
  assert.match(trawl(['fmt', '-o', 'grepable'], run('22,80-81,I:echo', 4)).stdout, '# Ports scanned: TCP(3;22,80-81)\n');
});

test.run();

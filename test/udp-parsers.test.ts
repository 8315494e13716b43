// The UDP parsers on real answers: each fixture (captured from Debian's named, ntpd, snmpd and
// memcached by test/fixtures/udp/capture.sh) read by its parser and, as catch writes a UDP answer
// (an open record with proto udp, probe and the datagram in data), by `trawl banners`, checked
// against what the daemons say of themselves (facts.json) and against nmap's own UDP rules.
// SSDP and NetBIOS have no daemon here: their answers are built byte by byte from their specs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { lines, runInProcess, trawl } from './helpers';
import { identifyUdp, UDP_PARSERS } from '../shared/parsers';
import { Fields, parseAll } from '../shared/parsers/types';
import { udpPayloadByName } from '../shared/udp/registry';
import { ANSWERS, UDP_FIXTURES, udpOpen } from './udp-answers';

const NMAP = '/usr/share/nmap/nmap-service-probes';
const FACTS = JSON.parse(fs.readFileSync(path.join(UDP_FIXTURES, 'facts.json'), 'utf8')) as Record<string, string>;
const ndjson = (recs: unknown[]) => recs.map((r) => JSON.stringify(r)).join('\n') + '\n';

const answer = (name: string) => ANSWERS.find((a) => a.name === name)!;
const fields = (name: string): Fields => { const a = answer(name); return identifyUdp(a.bytes, a.probe, a.port).fields; };

test('DNS version.bind: flags, rcode, the question, the TXT answer; dns_version is what named -v says', () => {
  const f = fields('dns-version');
  assert.is(f.dns_flags, 'qr aa');
  assert.is(f.dns_rcode, 'NOERROR');
  assert.is(f.dns_question, 'version.bind. CH TXT');
  assert.is(f.dns_answer_count, 1);
  assert.is(f.dns_authority_count, 1);
  // named -v: "BIND 9.18.49-1~deb12u3-Debian (Extended Support Version) <id:>"
  const named = /^BIND (\S+)/.exec(FACTS.named)![1];
  assert.is(f.dns_version, named);
  assert.equal(f.dns_answers, [`version.bind. 0 CH TXT "${named}"`]);
});

test('DNS A query: the zone named serves, answer as dig prints it, recursion not offered', () => {
  const f = fields('dns-a');
  assert.is(f.dns_flags, 'qr aa rd');        // rd echoed, ra absent: recursion no
  assert.is(f.dns_rcode, 'NOERROR');
  assert.is(f.dns_question, 'example.com. IN A');
  assert.equal(f.dns_answers, ['example.com. 300 IN A 192.0.2.10']);   // capture.sh's zone
  assert.is(f.dns_version, undefined);
});

test('mDNS (built): a legacy unicast answer read as DNS, the DNS-SD service list as PTR answers', () => {
  const f = fields('mdns (built)');
  assert.is(f.dns_flags, 'qr aa');
  assert.is(f.dns_question, '_services._dns-sd._udp.local. IN PTR');
  assert.equal(f.dns_answers, ['_services._dns-sd._udp.local. 10 IN PTR _http._tcp.local.', '_services._dns-sd._udp.local. 10 IN PTR _ssh._tcp.local.']);
});

test('NTP: version 4, server mode, stratum, refid, root delay and dispersion as the bytes say', () => {
  const b = answer('ntp').bytes;
  const f = fields('ntp');
  assert.is(f.ntp_version, 4);
  assert.is(f.ntp_mode, 'server');
  // ntpsec without sources: unsynchronised (leap 3), stratum 0 on the wire, kiss code INIT.
  assert.is(f.ntp_leap, 3);
  assert.is(f.ntp_stratum, 0);
  assert.is(f.ntp_refid, 'INIT');
  const u32 = (o: number) => Buffer.from(b).readUInt32BE(o);
  assert.is(f.ntp_root_delay_us, Math.round(u32(4) * 1e6 / 65536));
  assert.is(f.ntp_root_dispersion_us, Math.round(u32(8) * 1e6 / 65536));
  assert.is(f.ntp_root_delay_us, 0);
  assert.is(f.ntp_precision, (b[3] << 24) >> 24);
  assert.is(f.ntp_reference_time, undefined, 'never synchronised: no reference time');
});

test('SNMP v1 and v2c: sysDescr is the agent\'s uname, community and request-id as sent', () => {
  for (const name of ['snmp-v1', 'snmp-v2c', 'snmp-v2c-negative']) {
    const f = fields(name);
    assert.is(f.snmp_sys_descr, FACTS.sysdescr, name);
    assert.is(f.snmp_community, 'public', name);
    assert.is(f.snmp_pdu, 'response', name);
    assert.is(f.snmp_error_status, 'noError', name);
    assert.equal(f.snmp_varbinds, [`1.3.6.1.2.1.1.1.0 = ${FACTS.sysdescr}`], name);
  }
  assert.is(fields('snmp-v1').snmp_version, '1');
  assert.is(fields('snmp-v2c').snmp_version, '2c');
  // net-snmp re-encodes the request-id minimally: 0xffffff80 comes back as 02 01 80, i.e. -128.
  assert.is(fields('snmp-v2c-negative').snmp_request_id, -128);
});

test('SNMPv3 discovery report: net-snmp\'s engine ID (enterprise 8072), boots, time, usmStatsUnknownEngineIDs', () => {
  const f = fields('snmp-v3');
  assert.is(f.snmp_version, '3');
  assert.is(f.snmp_pdu, 'report');
  assert.match(String(f.snmp_engine_id), /^80001f88/);          // 0x80000000 | 8072 (net-snmp)
  assert.is(typeof f.snmp_engine_boots, 'number');
  assert.is(typeof f.snmp_engine_time, 'number');
  assert.is(f.snmp_request_id, 0x4a69, 'the discovery PDU\'s request-id');
  assert.match(String((f.snmp_varbinds as string[])[0]), /^1\.3\.6\.1\.6\.3\.15\.1\.1\.4\.0 = \d+$/);
});

test('SNMP, a community whose view lacks sysDescr (real snmpd): v1 the error noSuchName, v2c the varbind noSuchObject', () => {
  const v1 = fields('snmp-v1-noview'), v2 = fields('snmp-v2c-noview');
  assert.equal([v1.snmp_community, v1.snmp_error_status, v1.snmp_error_index], ['limited', 'noSuchName', 1]);
  assert.equal(v1.snmp_varbinds, ['1.3.6.1.2.1.1.1.0 = NULL'], 'the varbind echoed as asked');
  assert.equal([v2.snmp_community, v2.snmp_error_status], ['limited', 'noError']);
  assert.equal(v2.snmp_varbinds, ['1.3.6.1.2.1.1.1.0 = noSuchObject']);
  for (const f of [v1, v2]) assert.is(f.snmp_sys_descr, undefined, 'no description without the view');
  // A community snmpd does not know gets no answer at all (capture-snmp-access.sh checks it): the
  // port stays silent, as a filtered one does; there is no answer to parse.
});

test('memcached over UDP: the frame header skipped, the version memcached -V prints', () => {
  const f = fields('memcached');
  assert.is(f.memcached_version, FACTS.memcached.split(' ')[1]);
});

test('SSDP (built): status, SERVER, LOCATION, USN, ST', () => {
  const f = fields('ssdp (built)');
  assert.is(f.ssdp_status, 200);
  assert.is(f.ssdp_server, 'Debian/12 UPnP/1.1 MiniUPnPd/2.3.3');
  assert.is(f.ssdp_location, 'http://198.18.0.9:5000/rootDesc.xml');
  assert.is(f.ssdp_usn, 'uuid:2b1c7a52-6e07-4b5e-9d3c-0242ac110002::upnp:rootdevice');
  assert.is(f.ssdp_st, 'upnp:rootdevice');
});

test('NetBIOS node status (built): the name table, computer name, workgroup, MAC', () => {
  const f = fields('netbios (built)');
  assert.equal(f.netbios_names, ['TRAWLHOST<00>', 'TRAWLHOST<03>', 'TRAWLHOST<20>', 'WORKGROUP<00> group', 'WORKGROUP<1e> group']);
  assert.is(f.netbios_name, 'TRAWLHOST');
  assert.is(f.netbios_workgroup, 'WORKGROUP');
  assert.is(f.netbios_mac, '52:54:00:12:34:56');
});

test('every answer: its service by its module, by the user probe (every parser asked), split byte by byte alike', () => {
  for (const a of ANSWERS) {
    const whole = identifyUdp(a.bytes, a.probe, a.port);
    assert.is(whole.service, a.service, a.name);
    assert.is(identifyUdp(a.bytes, 'user', a.port).service, a.service, `${a.name} as probe user`);
    // Binary answers fit one structure only; SSDP's text is HTTP's and needs its port or probe.
    if (a.service !== 'ssdp') assert.is(identifyUdp(a.bytes, null, 0).service, a.service, `${a.name} with no probe nor port`);
    // Modules name the parsers their answers go to.
    assert.ok(udpPayloadByName(a.probe)!.services.includes(a.service), a.name);
    const p = UDP_PARSERS.find((x) => x.name === a.service)!;
    const s = p.start();
    for (let i = 0; i < a.bytes.length; i++) s.push(a.bytes.subarray(i, i + 1));
    assert.equal(s.result(), parseAll(p, a.bytes), `${a.name} byte by byte`);
  }
});

test('trawl banners on catch\'s UDP open records: the open record without its bytes, then the banner with service, fields and the schema', async () => {
  const input = ANSWERS.map((a, i) => udpOpen(a, `198.18.0.${i + 1}`));
  const r = await runInProcess('banners', ['--no-service-probes'], ndjson(input));
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const out = lines(r.stdout);
  assert.is(out.length, 2 * input.length);
  for (let i = 0; i < input.length; i++) {
    const { data, ...open } = input[i];
    assert.equal(out[2 * i], open, `${ANSWERS[i].name}: open record as it came, less data`);
    const b = out[2 * i + 1];
    assert.is(b.type, 'banner');
    for (const k of ['ip', 'port', 'proto', 'sport', 'ttl', 'time_us', 'probe', 'data']) assert.equal(b[k], (input[i] as any)[k], `${ANSWERS[i].name} ${k}`);
    assert.is(b.service, ANSWERS[i].service, ANSWERS[i].name);
    assert.equal(Object.fromEntries(Object.entries(b).filter(([k]) => k.startsWith(`${b.service}_`))),
      identifyUdp(ANSWERS[i].bytes, ANSWERS[i].probe, ANSWERS[i].port).fields, ANSWERS[i].name);
  }
  const by = (name: string) => out[2 * ANSWERS.findIndex((a) => a.name === name) + 1];
  // What the answers state, in the schema (no nmap): a version from version.bind, NTP's version,
  // SNMP's version and community, the OS its sysDescr names, net-snmp from its engine ID.
  assert.is(by('dns-version').version, '9.18.49-1~deb12u3-Debian');
  assert.equal([by('ntp').product, by('ntp').version, by('ntp').info], ['NTP', 'v4', 'unsynchronized']);
  assert.equal([by('snmp-v1').product, by('snmp-v1').info, by('snmp-v1').os], ['SNMPv1 server', 'public', 'Linux']);
  assert.equal([by('snmp-v2c').product, by('snmp-v2c').info], ['SNMPv2c server', 'public']);
  assert.equal([by('snmp-v3').product, by('snmp-v3').info], ['net-snmp', 'SNMPv3 server']);
  assert.equal([by('memcached').product, by('memcached').version], ['memcached', '1.6.18']);
  assert.equal([by('ssdp (built)').product, by('ssdp (built)').version, by('ssdp (built)').os], ['MiniUPnPd', '2.3.3', 'Debian']);
  assert.equal([by('netbios (built)').hostname, by('netbios (built)').info], ['TRAWLHOST', undefined]);

  // A second run finds nothing to redo: the same records.
  const again = await runInProcess('banners', ['--no-service-probes'], r.stdout);
  assert.is(again.code, 0);
  assert.equal(lines(again.stdout), out);
});

test('trawl banners --jobs 2: the same records, each open before its banner', () => {
  const input = ndjson(ANSWERS.flatMap((a, i) => [udpOpen(a, `198.18.3.${i + 1}`), udpOpen(a, `198.18.4.${i + 1}`)]));
  const one = trawl(['banners', '--no-service-probes'], input), two = trawl(['banners', '--no-service-probes', '--jobs', '2'], input);
  assert.is(two.code, 0, two.stderr);
  assert.equal(lines(two.stdout).map((r) => JSON.stringify(r)).sort(), lines(one.stdout).map((r) => JSON.stringify(r)).sort());
  const out = lines(two.stdout);
  for (const b of out.filter((r) => r.type === 'banner')) {
    const open = out.findIndex((r) => r.type === 'open' && r.ip === b.ip);
    assert.ok(open >= 0 && open < out.indexOf(b), `${b.ip}: open first`);
  }
});

test('trawl banners: a UDP banner record (the older shape) is read alike; closed UDP and bytes-less opens pass through', async () => {
  const a = answer('ntp');
  const closed = { type: 'closed', ip: '198.18.0.20', port: 123, proto: 'udp', ttl: 64, time_us: 1, icmp_code: 3 };
  const bare = { type: 'open', ip: '198.18.0.21', port: 53, proto: 'udp', ttl: 64, time_us: 2 };
  const r = await runInProcess('banners', ['--no-service-probes'], ndjson([{ ...udpOpen(a), type: 'banner' }, closed, bare]));
  assert.is(r.code, 0);
  const out = lines(r.stdout);
  assert.is(out.length, 3);
  assert.is(out[0].service, 'ntp');
  assert.equal(out[1], closed);
  assert.equal(out[2], bare);
});

test('trawl banners: a UDP open record with bad data is named by its line, the open state still written, exit 3', async () => {
  const good = udpOpen(answer('memcached'));
  const r = await runInProcess('banners', ['--no-service-probes'], ndjson([{ ...udpOpen(answer('ntp')), data: 'no base64!' }, good]));
  assert.is(r.code, 3);
  assert.match(r.stderr, /stdin:1: banner "data" is not valid base64/);
  const out = lines(r.stdout);
  assert.equal(out.map((o) => [o.type, o.port]), [['open', 123], ['open', 11211], ['banner', 11211]]);
});

test('--service-probes: nmap\'s UDP rules on the real answers give what nmap -sV would', async () => {
  const names = ['dns-version', 'ntp', 'snmp-v1', 'snmp-v2c', 'snmp-v3', 'memcached', 'dns-a', 'netbios (built)', 'netbios samba (built)', 'mdns (built)'];
  const input = names.map((n) => udpOpen(answer(n)));
  const r = await runInProcess('banners', ['--service-probes', NMAP], ndjson(input));
  assert.is(r.code, 0, r.stderr);
  const out = lines(r.stdout).filter((o) => o.type === 'banner');
  const by = (n: string) => out[names.indexOf(n)];
  // DNSVersionBindReq: match domain ... (\d[-\w.+~]*?)-[Dd]ebian
  const bind = by('dns-version');
  assert.is(bind.nmap_service, 'domain');
  assert.is(bind.nmap_probe, 'DNSVersionBindReq');
  assert.equal([bind.product, bind.version, bind.info, bind.os], ['ISC BIND', '9.18.49-1~deb12u3', 'Debian Linux', 'Linux']);
  assert.equal(bind.cpe, ['cpe:/a:isc:bind:9.18.49-1~deb12u3', 'cpe:/o:linux:linux_kernel']);
  assert.is(bind.dns_version, '9.18.49-1~deb12u3-Debian', 'the parser\'s own field kept beside nmap\'s');
  // NTPRequest: match ntp m|^\xe4[\0\x10]...| p/NTP/ v/v4/ i/unsynchronized/
  assert.equal([by('ntp').product, by('ntp').version, by('ntp').info, by('ntp').nmap_probe], ['NTP', 'v4', 'unsynchronized', 'NTPRequest']);
  // SNMPv1public: match snmp ...public\xa2 p/SNMPv1 server/ i/public/
  assert.equal([by('snmp-v1').product, by('snmp-v1').info, by('snmp-v1').nmap_probe], ['SNMPv1 server', 'public', 'SNMPv1public']);
  // SNMPv3GetRequest's rules anchor on nmap's msgID "Ji" and NBTStat's on its ID 0x80f0: matched
  // against the answer with nmap's ID put back (shared/parsers/udp-nmap.ts); the engine ID's
  // enterprise 8072 is net-snmp's.
  const v3 = by('snmp-v3');
  assert.equal([v3.product, v3.nmap_probe, v3.cpe], ['net-snmp', 'SNMPv3GetRequest', ['cpe:/a:net-snmp:net-snmp']]);
  assert.match(String(v3.snmp_engine_id), /^80001f88/, 'the parser reads the bytes as they came');
  const win = by('netbios (built)'), samba = by('netbios samba (built)');
  assert.equal([win.product, win.info, win.hostname, win.os, win.nmap_service], ['Microsoft Windows netbios-ns', 'workgroup: WORKGROUP', 'TRAWLHOST', 'Windows', 'netbios-ns']);
  assert.equal([samba.product, samba.info, samba.hostname, samba.cpe], ['Samba nmbd netbios-ns', 'workgroup: WORKGROUP', 'TRAWLHOST', ['cpe:/a:samba:samba']]);
  // DNS-SD: match mdns m|^\0\0\x84\0\0\x01..\0\0\0\0\x09_services...| (its ID 0 put back).
  const md = by('mdns (built)');
  assert.equal([md.nmap_service, md.nmap_probe, md.product, md.service], ['mdns', 'DNS-SD', 'DNS-based service discovery', 'dns']);
  // nmap's SNMP rules want version 0 (v1); memcached's, the answer to `stats`: none match ours,
  // and the parser's fields stand.
  for (const n of ['snmp-v2c', 'memcached', 'dns-a']) assert.is(by(n).nmap_probe, undefined, n);
  assert.equal([by('snmp-v2c').product, by('memcached').version], ['SNMPv2c server', '1.6.18']);
});

test.run();

// The nmap-service-probes engine: PCRE to JS conversion, templates, file format, probe chains and first-byte index.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { pcreToJs } from '../shared/service-probes/pcre';
import { fill } from '../shared/service-probes/template';
import { parseProbesFile } from '../shared/service-probes/file';
import { ServiceProbes } from '../shared/service-probes';

const NMAP = '/usr/share/nmap/nmap-service-probes';
const re = (p: string, f = '') => { const c = pcreToJs(p, f); if ('error' in c) throw new Error(c.error); return new RegExp(c.source, c.flags); };
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

test('PCRE semantics JS lacks: . matches \\r, $ before a final \\n, \\s ASCII only, \\0 octal, \\e, leading ] in a class', () => {
  assert.ok(re('^a.b$').test('a\rb\n'));
  assert.not.ok(re('^a.b').test('a\nb'));
  assert.ok(re('^a.b', 's').test('a\nb'));
  assert.not.ok(re('^a\\sb').test('a\xa0b'), 'NBSP is not \\s in PCRE');
  assert.ok(re('^\\0\\x1b\\e\\x{41}\\x4').test('\0\x1b\x1bA\x04'));
  assert.ok(re('^[]x]+$').test(']x]'));
  assert.ok(re('^[^]x]$').test('y'));
  assert.ok(re('^[\\r\\n]+$').test('\r\n'));
  assert.ok(re('^[[:alpha:]]+[[:digit:]]$').test('abc1'));
  assert.ok(re('^a\\Z').test('a\n'));
  assert.not.ok(re('^a\\z').test('a\n'));
  assert.ok(re('^(?i)abc').test('ABC'));
  assert.ok(re('^(?P<v>\\d+)\\.(?P=v)(?#comment)$').test('12.12'));
  assert.ok(re('^a++b').test('aab'), 'possessive read as greedy');
  assert.ok(re('^\\++$').test('++'), 'an escaped + followed by a quantifier');
});

test('constructs JS cannot run are refused with a reason', () => {
  for (const p of ['(?>a)', 'a(?i)b', '(?(1)a|b)', '\\Gx', 'a\\Kb', '\\Qa\\E', '[[:foo:]]', '[a-', '\\p{L}']) {
    const c = pcreToJs(p, '');
    assert.ok('error' in c, p);
  }
});

test('first-byte index: only for a leading literal that must be there', () => {
  const fb = (p: string, f = '') => { const c = pcreToJs(p, f); return 'error' in c ? 'err' : c.firstBytes; };
  assert.equal(fb('^SSH-'), [0x53]);
  assert.equal(fb('^\\x16\\x03'), [0x16]);
  assert.equal(fb('^ssh', 'i'), [0x73, 0x53]);
  assert.is(fb('^S?SH'), null);
  assert.is(fb('^S*'), null);
  assert.is(fb('^S{0,2}'), null);
  assert.is(fb('^a|b'), null);
  assert.equal(fb('^(?:a|b)'), null);
  assert.is(fb('SSH'), null);
  assert.is(fb('^[Ss]'), null);
  const px = (p: string, f = '') => { const c = pcreToJs(p, f); return 'error' in c ? 'err' : c.prefix; };
  assert.is(px('^HTTP/1\\.[01] 200'), 'HTTP/1.');
  assert.is(px('^SSH-2\\.0-Open?SSH'), 'SSH-2.0-Ope');
  assert.is(px('^ab+c'), 'ab');
  assert.is(px('^ab{2}c'), 'ab');
  assert.is(px('^ab{0,2}c'), 'a');
  assert.is(px('^\\x16\\x03\\0'), '\x16\x03\x00');
  assert.is(px('^abc', 'i'), '');
  assert.is(px('^ab|cd'), '');
  assert.is(px('^a(b)c'), 'a');
  assert.is(px('abc'), '');
});

test('templates: $1-$9, $P(), $SUBST(), $I()', () => {
  const m = /^(\w+) (.+) (..)$/.exec('OpenSSH 9.2p1_x \x01\x02')!;
  assert.is(fill('$1 v$2', m), 'OpenSSH v9.2p1_x');
  assert.is(fill('$SUBST(2,"_"," ")', m), '9.2p1 x');
  assert.is(fill('$I(3,">")', m), '258');
  assert.is(fill('$I(3,"<")', m), '513');
  assert.is(fill('$P(3)x', m), 'x');
  assert.is(fill('$9', m), '');
});

test('probe file: Probe, match with any delimiter and flags, softmatch, templates, cpe with a flag, fallback', () => {
  const probes = parseProbesFile([
    '# comment', 'Probe TCP NULL q||', 'match ssh m|^SSH-([\\d.]+)-(\\S+)| p/Any SSH/ v/$2/ i/proto $1/ cpe:/a:x:y:$2/a',
    'softmatch ftp m=^220 .*ftp=i', 'Probe TCP GetRequest q|GET / HTTP/1.0\\r\\n\\r\\n|', 'rarity 1', 'ports 80', 'fallback NULL',
    'match http m%^HTTP/1\\.[01] \\d\\d\\d %s p|plain|', 'Probe UDP Foo q|x|', 'match foo m/x/',
  ].join('\n'));
  assert.is(probes.length, 3);
  assert.equal(probes[0].rules[0], { soft: false, service: 'ssh', pattern: '^SSH-([\\d.]+)-(\\S+)', flags: '', line: 3,
    templates: [{ key: 'p', value: 'Any SSH' }, { key: 'v', value: '$2' }, { key: 'i', value: 'proto $1' }, { key: 'cpe', value: 'a:x:y:$2' }] });
  assert.equal(probes[0].rules[1].soft, true);
  assert.is(probes[0].rules[1].flags, 'i');
  assert.equal(probes[1].fallback, ['NULL']);
  assert.is(probes[1].rules[0].flags, 's');
  const sp = new ServiceProbes(probes.length ? [
    'Probe TCP NULL q||', 'match ssh m|^SSH-([\\d.]+)-(\\S+)| p/Any SSH/ v/$2/ i/proto $1/ cpe:/a:x:y:$2/a',
    'softmatch ftp m=^220 .*ftp=i', 'match ftp m=^220 vsftpd (\\S+)= p/vsftpd/ v/$1/',
    'Probe TCP GetRequest q|GET / HTTP/1.0\\r\\n\\r\\n|', 'match http m%^HTTP/1\\.[01] \\d\\d\\d %s p|plain|',
  ].join('\n') : '');
  assert.equal(sp.match(bytes('SSH-2.0-Foo_1\r\n'), 'http'), { nmap_service: 'ssh', nmap_product: 'Any SSH', nmap_version: 'Foo_1', nmap_info: 'proto 2.0', nmap_cpe: 'cpe:/a:x:y:Foo_1', nmap_probe: 'NULL', nmap_line: 2 });
  assert.equal(sp.match(bytes('HTTP/1.1 200 OK\r\n'), 'http'), { nmap_service: 'http', nmap_product: 'plain', nmap_probe: 'GetRequest', nmap_line: 6 });
  assert.is(sp.match(bytes('HTTP/1.1 200 OK\r\n'), 'null'), null, 'GetRequest rules are not tried for a null-probe banner');
  assert.equal(sp.match(bytes('220 my FTP server\r\n'), 'null'), { nmap_service: 'ftp', nmap_softmatch: true, nmap_probe: 'NULL', nmap_line: 3 });
  assert.equal(sp.match(bytes('220 vsftpd 3.0.3\r\n'), 'null')!.nmap_version, '3.0.3', 'a hard match after a softmatch still wins');
  assert.is(sp.match(new Uint8Array(0), 'null'), null);
});

test('the real nmap file: loads, converts nearly every rule, and matches what nmap would', () => {
  if (!fs.existsSync(NMAP)) throw new Error(`${NMAP} missing: install nmap (make test-deps)`);
  const sp = ServiceProbes.fromFile(NMAP);
  assert.ok(sp.stats.rules > 10000, String(sp.stats.rules));
  for (const probe of Object.keys(require('../shared/service-probes').PROBE_MAP)) sp.chain(probe);
  assert.ok(sp.stats.converted > 5000);
  assert.ok(sp.stats.skipped < sp.stats.converted / 100, `skipped ${sp.stats.skipped}: ${[...sp.stats.reasons]}`);
  const m = sp.match(bytes('SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u1\r\n'), 'null')!;
  assert.is(m.nmap_product, 'OpenSSH');
  assert.is(m.nmap_version, '8.4p1 Debian 5+deb11u1');
  const r = sp.match(bytes('*1\r\n$4\r\n'), 'redis');
  assert.ok(r === null || typeof r.nmap_service === 'string');
  const red = sp.match(new Uint8Array(fs.readFileSync(`${__dirname}/../../test/fixtures/banners/redis-info.bin`)), 'redis')!;
  assert.is(red.nmap_product, 'Redis key-value store');
  assert.is(red.nmap_version, '7.0.15');
  assert.is(red.nmap_probe, 'redis-server');
});

test.run();

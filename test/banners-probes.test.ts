// The nmap-service-probes engine: PCRE parsing, its two back ends (RE2, the budgeted backtracker), templates, file format, probe chains.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import RE2 from 're2';
import { literalPrefix, parsePcre } from '../shared/service-probes/pcre';
import { toRe2Source } from '../shared/service-probes/re2';
import { GiveUp, compileBacktracker } from '../shared/service-probes/backtrack';
import { fill } from '../shared/service-probes/template';
import { parseProbesFile } from '../shared/service-probes/file';
import { PROBE_MAP, ServiceProbes } from '../shared/service-probes';

const NMAP = '/usr/share/nmap/nmap-service-probes';
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const parse = (p: string, f = '') => { const c = parsePcre(p, f); if ('error' in c) throw new Error(c.error); return c; };

/** Whether a pattern matches, on the backtracker and (when RE2 can run it) on RE2: both must agree. */
function matches(p: string, s: string, f = ''): boolean {
  const pat = parse(p, f);
  const bt = compileBacktracker(pat).exec(bytes(s), 1e6) !== null;
  const src = toRe2Source(pat, false);
  if (src !== null) assert.is(new RE2(src).test(Buffer.from(s, 'utf8')), bt, `RE2 and the backtracker disagree on ${p}`);
  // The relaxed form, a prefilter, must match whatever the pattern matches.
  if (bt) assert.ok(new RE2(toRe2Source(pat, true)!).test(Buffer.from(s, 'utf8')), `relaxed form of ${p}`);
  return bt;
}

test('PCRE semantics: . matches \\r not \\n, $ before a final \\n, \\s with \\v, ASCII-only case folding, \\0 octal, \\e, leading ] in a class', () => {
  assert.ok(matches('^a.b$', 'a\rb\n'));
  assert.not.ok(matches('^a.b', 'a\nb'));
  assert.ok(matches('^a.b', 'a\nb', 's'));
  assert.not.ok(matches('^a\\sb', 'a\xa0b'), 'NBSP is not \\s in PCRE');
  assert.ok(matches('^a\\sb', 'a\x0bb'), 'VT is \\s in PCRE2');
  assert.ok(matches('^\\0\\x1b\\e\\x{41}\\x4', '\0\x1b\x1bA\x04'));
  assert.ok(matches('^[]x]+$', ']x]'));
  assert.ok(matches('^[^]x]$', 'y'));
  assert.ok(matches('^[\\r\\n]+$', '\r\n'));
  assert.ok(matches('^[[:alpha:]]+[[:digit:]]$', 'abc1'));
  assert.ok(matches('^a\\Z', 'a\n'));
  assert.not.ok(matches('^a\\z', 'a\n'));
  assert.ok(matches('^(?i)abc', 'ABC'));
  assert.ok(matches('^a(?i)bc', 'aBC'));
  assert.not.ok(matches('^a(?i)bc', 'ABC'));
  assert.not.ok(matches('^\\xe9', '\xc9', 'i'), 'PCRE folds ASCII letters only');
  assert.ok(matches('^[a-c]+$', 'AbC', 'i'));
  assert.not.ok(matches('^[^a]', 'A', 'i'));
  assert.ok(matches('^\\xff\\x80(.)$', '\xff\x80\xfe'));
  assert.ok(matches('^(?P<v>\\d+)\\.\\1(?#comment)$', '12.12'));
  assert.ok(matches('^(\\d+)\\.\\1$', '12.12'));
  assert.not.ok(matches('^(\\d+)\\.\\1$', '12.13'));
  assert.ok(matches('^\\++$', '++'), 'an escaped + followed by a quantifier');
  assert.not.ok(matches('^a*+a', 'aaa'), 'possessive: never gives back');
  assert.ok(matches('^(?>a+)b', 'aab'));
  assert.not.ok(matches('^(?>a|ab)c', 'abc'), 'atomic: the first alternative that matched is kept');
  assert.ok(matches('^foo(?!bar)', 'foobaz'));
  assert.not.ok(matches('^foo(?!bar)', 'foobar'));
  assert.ok(matches('(?<=.)IOS', 'xIOS'));
  assert.not.ok(matches('(?<=.)IOS', 'IOS'));
  assert.ok(matches('^a{2,3}$', 'aaa'));
  assert.ok(matches('^a{,3}$', 'a{,3}'), 'a brace that starts no quantifier is a literal');
  assert.ok(matches('\\bfoo\\b', 'a foo.'));
});

test('groups: RE2 gives the groups PCRE\'s backtracking gives (greedy, lazy, $ with a final \\n)', () => {
  const groups = (p: string, s: string, f = '') => {
    const pat = parse(p, f);
    const m = compileBacktracker(pat).exec(bytes(s), 1e6)!;
    const bt = Array.from({ length: m.length / 2 }, (_, g) => (m[2 * g] < 0 ? undefined : s.slice(m[2 * g], m[2 * g + 1]))).slice(1);
    const src = toRe2Source(pat, false);
    if (src !== null) {
      const r = (new RE2(src).exec(Buffer.from(s, 'utf8')) as unknown as (Buffer | undefined)[]).slice(1).map((b) => b?.toString('utf8'));
      assert.equal(r, bt, p);
    }
    return bt;
  };
  assert.equal(groups('^(.*)$', 'abc\n'), ['abc']);
  assert.equal(groups('^(.*)$', 'abc\n', 's'), ['abc\n']);
  assert.equal(groups('^(.*?)$', 'abc\n', 's'), ['abc']);
  assert.equal(groups('^(a+)(a*)', 'aaa'), ['aaa', '']);
  assert.equal(groups('^(a+?)(a*)', 'aaa'), ['a', 'aa']);
  assert.equal(groups('^(?:(a)|(b))+', 'ab'), ['a', 'b']);
  assert.equal(groups('^(x)?y', 'y'), [undefined]);
  assert.equal(groups('^SSH-([\\d.]+)-([^\\r\\n]+)\\r?\\n', 'SSH-2.0-Open\xe9SSH\r\n'), ['2.0', 'Open\xe9SSH']);
  assert.equal(groups('^(foo$)', 'foo\n'), ['foo'], 'a $ inside a group is backtracked, never consumes the \\n');
});

test('hostile banners: RE2 runs nested quantifiers in linear time; the backtracker gives up at its budget', () => {
  const src = toRe2Source(parse('^Agent Ready v([\\w._]+)+\\.\\.\\.'), false)!;
  const t = Date.now();
  assert.is(new RE2(src).test(Buffer.from('Agent Ready v' + 'a'.repeat(5000))), false);
  assert.ok(Date.now() - t < 100, `${Date.now() - t} ms`);
  const bt = compileBacktracker(parse('^(?:[^<]+|<(?!/head>))*?<style>'));
  const hostile = bytes('a'.repeat(3000) + '</head>');
  assert.throws(() => bt.exec(hostile, 10_000), (e: unknown) => e instanceof GiveUp);
  assert.ok(bt.steps() > 10_000);
  assert.is(bt.exec(bytes('ab<style>'), 10_000)![1], 9);
  // Recursion deeper than the stack is given up on too, not a crash.
  const deep = compileBacktracker(parse('^(?:a(?!b))*c'));
  assert.throws(() => deep.exec(bytes('a'.repeat(200_000)), 1e9), (e: unknown) => e instanceof GiveUp);
});

test('constructs neither engine runs are refused with a reason', () => {
  for (const p of ['(?(1)a|b)', '\\Gx', 'a\\Kb', '\\Qa\\E', '[[:foo:]]', '[a-', '\\p{L}', '(?|a)', 'a)', '(a', '*a', '\\2(a)', '(?m)a']) {
    const c = parsePcre(p, '');
    assert.ok('error' in c, p);
  }
});

test('literal prefix: the bytes an anchored match must start with, checked before RE2', () => {
  const px = (p: string, f = '') => literalPrefix(parse(p, f).root);
  assert.is(px('^HTTP/1\\.[01] 200'), 'HTTP/1.');
  assert.is(px('^SSH-2\\.0-Open?SSH'), 'SSH-2.0-Ope');
  assert.is(px('^ab+c'), 'a');
  assert.is(px('^\\x16\\x03\\0'), '\x16\x03\x00');
  assert.is(px('^abc', 'i'), '');
  assert.is(px('^ab|cd'), '');
  assert.is(px('^(?:a|b)'), '');
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

test('a rule too large for RE2 (and for its set) still runs, on the backtracker, in file order', () => {
  const sp = new ServiceProbes([
    'Probe TCP NULL q||',
    'match big m%^(?:x{1000}){1000}|^q(r)% p/big $1/',
    'match small m%^q(.)% p/small $1/',
  ].join('\n'));
  assert.equal(sp.match(bytes('qr'), 'null'), { nmap_service: 'big', nmap_product: 'big r', nmap_probe: 'NULL', nmap_line: 2 });
  assert.equal(sp.match(bytes('qs'), 'null'), { nmap_service: 'small', nmap_product: 'small s', nmap_probe: 'NULL', nmap_line: 3 });
  assert.equal([sp.stats.re2, sp.stats.backtracked], [2, 0], 'both are RE2 syntax; RE2 refused the big one when compiling');
});

test('the real nmap file: loads, converts nearly every rule, and matches what nmap would', () => {
  if (!fs.existsSync(NMAP)) throw new Error(`${NMAP} missing: install nmap (make test-deps)`);
  const sp = ServiceProbes.fromFile(NMAP);
  assert.ok(sp.stats.rules > 10000, String(sp.stats.rules));
  sp.prepareAll();
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

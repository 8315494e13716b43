// The index in front of nmap's rules (shared/service-probes/prefilter.ts): what a rule must start
// with or contain, and that leaving rules out by it changes no match, nor the file order of matches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePcre } from '../shared/service-probes/pcre';
import { firstBytes, requiredLiteral, textFirstBytes } from '../shared/service-probes/prefilter';
import { anchored } from '../shared/service-probes/pcre';
import { parseProbesFile } from '../shared/service-probes/file';
import * as fs from 'fs';
import { ServiceProbes } from '../shared/service-probes';

const root = (p: string, f = '') => { const c = parsePcre(p, f); if ('error' in c) throw new Error(c.error); return c.root; };
const chars = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

test('firstBytes: the bytes an anchored match can start with, or null when any banner may match', () => {
  assert.equal(firstBytes(root('^SSH-(\\d)'), 16), chars('S'));
  assert.equal(firstBytes(root('^ssh', 'i'), 16), chars('Ss'), 'case-insensitive: both cases');
  assert.equal(firstBytes(root('^(?:220|421) '), 16), chars('24'));
  assert.equal(firstBytes(root('^x?y'), 16), chars('xy'), 'an optional first item lets the next one start');
  assert.equal(firstBytes(root('^(?=a)b'), 16), chars('b'), 'a lookahead consumes nothing');
  assert.equal(firstBytes(root('^\\bQ'), 16), chars('Q'));
  assert.is(firstBytes(root('^\\w+'), 16), null, 'more than 16 bytes');
  assert.is(firstBytes(root('^a*'), 16), null, 'matches the empty string');
  assert.is(firstBytes(root('^$'), 16), null);
  assert.is(firstBytes(root('^(a)\\1'), 16)?.length, 1);
  assert.is(firstBytes(root('^(a?)\\1b'), 16), null, 'a backreference may be any bytes');
});

test('textFirstBytes: the first bytes the text of a simple anchored rule shows, as its parse gives them', () => {
  assert.equal(textFirstBytes('^SSH-(\\d)', ''), chars('S'));
  assert.equal(textFirstBytes('^ssh', 'i'), chars('Ss'));
  assert.equal(textFirstBytes('^\\x16\\x03', ''), [0x16]);
  assert.equal(textFirstBytes('^\\.x', ''), chars('.'));
  assert.equal(textFirstBytes('^a(b|c)', ''), chars('a'), 'an alternation inside parentheses');
  assert.equal(textFirstBytes('^a[|]', ''), chars('a'), 'a bar in a class');
  assert.is(textFirstBytes('^a|b', ''), null, 'an alternation at the top');
  assert.is(textFirstBytes('^x?y', ''), null);
  assert.is(textFirstBytes('^a{0,1}b', ''), null);
  assert.is(textFirstBytes('^\\d', ''), null);
  assert.is(textFirstBytes('^(a)', ''), null);
  assert.is(textFirstBytes('a', ''), null, 'not anchored');
  // Over nmap's whole file: every rule the text files under some bytes parses (when it parses) to
  // an anchored pattern starting with exactly those.
  const NMAP = '/usr/share/nmap/nmap-service-probes';
  if (!fs.existsSync(NMAP)) throw new Error(`${NMAP} missing: install nmap (make test-deps)`);
  let simple = 0, all = 0;
  for (const p of parseProbesFile(fs.readFileSync(NMAP, 'latin1'))) for (const r of p.rules) {
    all++;
    const t = textFirstBytes(r.pattern, r.flags);
    if (t === null) continue;
    simple++;
    const c = parsePcre(r.pattern, r.flags);
    if ('error' in c) continue;
    assert.ok(anchored(c.root), `line ${r.line}`);
    assert.equal(t, firstBytes(c.root, 16), `line ${r.line}: ${r.pattern}`);
  }
  assert.ok(simple > all * 0.8, `${simple} of ${all}`);
});

test('requiredLiteral: the longest run of literal bytes every match holds', () => {
  assert.is(requiredLiteral(root('HTTP/1\\.[01] \\d+ .*Server: (\\S+)'), 2), 'Server: ', 'the longer of HTTP/1. and Server: ');
  assert.is(requiredLiteral(root('xServer: (\\S+)'), 2), 'xServer: ');
  assert.is(requiredLiteral(root('ab$cd'), 2), 'abcd', 'an assertion consumes nothing');
  assert.is(requiredLiteral(root('Server|Host'), 2), '', 'a top-level alternation has none');
  assert.is(requiredLiteral(root('a(bc)d'), 2), '', 'runs inside groups are not read');
  assert.is(requiredLiteral(root('server', 'i'), 2), '', 'folded letters are not one byte');
});

test('rules left out by the index change no match, and matches keep the order of the file', () => {
  const sp = new ServiceProbes([
    'Probe TCP NULL q||',
    'match wide m|^.(x)| p/wide $1/',                 // may start with any byte: tried on every banner
    'match q m|^Q(x)| p/q $1/',                       // only on banners starting with Q
    'match r m|^R(.)| p/r $1/',
    'match lit m|Server: (\\w+)| p/lit $1/',          // unanchored, with a literal
    'match alt m%Foo(\\d)|Bar(\\d)% p/alt $1$2/',     // unanchored, no literal
  ].join('\n'));
  assert.is(sp.match(bytes('Qx'), 'null')!.nmap_product, 'wide x', 'the earlier rule in the file wins across the index');
  assert.is(sp.match(bytes('Ry'), 'null')!.nmap_product, 'r y');
  assert.is(sp.match(bytes('Sy'), 'null'), null);
  assert.is(sp.match(bytes('zzz Server: nginx'), 'null')!.nmap_product, 'lit nginx');
  assert.is(sp.match(bytes('zzz Bar7'), 'null')!.nmap_product, 'alt 7');
  assert.is(sp.match(bytes('zzz Server- nginx'), 'null'), null);
});

test.run();

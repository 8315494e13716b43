// Module declarations are load-bearing (ZMap's module fields): the probe registry against
// trawl-probes(7), parser fields against trawl-banners(1), probes' services against the parsers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';
import { PROBES, USER_NAME, USER_SLOT } from '../shared/probes';
import { PARSERS, UDP_PARSERS, UNKNOWN, identify } from '../shared/parsers';
import { UDP_PAYLOADS } from '../shared/udp/registry';
import { http } from '../shared/parsers/http';
import './declared-fields';

/** The .TP entries of a man page section: the entry's first line and the rest, roff undone. */
function entries(page: string, section: string): { head: string; body: string }[] {
  const text = fs.readFileSync(path.join(ROOT, 'man', page), 'utf8').replace(/\\-/g, '-').replace(/\\\(dq/g, '"');
  const start = text.indexOf(`.SH ${section}\n`);
  assert.ok(start >= 0, `${page} has no ${section} section`);
  const end = text.indexOf('\n.SH ', start + 1);
  return text.slice(start, end).split('\n.TP\n').slice(1).map((e) => {
    const [head, ...rest] = e.split('\n');
    const body = rest.map((l) => l.replace(/^\.(BR|IB|B|I|RB|BI|IR)\s/, '').replace(/"/g, '')).join(' ');
    return { head, body };
  });
}

test('trawl-probes(7) lists every probe of the registry with its slot and default ports, and no other', () => {
  const listed = new Map<string, { slot: number; body: string }>();
  for (const e of entries('trawl-probes.7', 'CATALOG')) {
    const m = /^\.BR (\S+) " \(slot (\d+)\)"$/.exec(e.head);
    assert.ok(m, `catalog entry heading ${e.head}`);
    listed.set(m![1], { slot: Number(m![2]), body: e.body });
  }
  const want = [...PROBES.map((p) => [p.name, p.slot] as const), [USER_NAME, USER_SLOT] as const];
  assert.equal([...listed.keys()].sort(), want.map(([n]) => n).sort());
  for (const [name, slot] of want) assert.is(listed.get(name)!.slot, slot, `slot of ${name}`);
  for (const p of PROBES) {
    const m = /Default ports?: ([\d, ]+)\./.exec(listed.get(p.name)!.body);
    if (p.ports.length === 0) { assert.is(m, null, `${p.name} has no default ports`); continue; }
    assert.ok(m, `trawl-probes(7) gives no default ports for ${p.name}`);
    assert.equal(m![1].split(/,\s*/).map(Number), p.ports, `default ports of ${p.name}`);
  }
});

test('trawl-banners(1) documents every field each parser declares, and only those', () => {
  const byName = new Map<string, Set<string>>();
  for (const e of entries('trawl-banners.1', 'FIELDS')) {
    const names = e.head.replace(/^\.BR?\s/, '').replace(/[",]/g, ' ').trim().split(/\s+/);
    // ".IB p _code" under ".BR ftp , smtp" documents ftp_code and smtp_code.
    const words = new Set<string>();
    for (const n of names) {
      const body = e.body.replace(/\bp _(\w+)/g, `${n}_$1`);
      for (const w of body.match(/\b[a-z0-9]+(?:_[a-z0-9]+)+\b/g) ?? []) words.add(w);
    }
    for (const n of names) byName.set(n, words);
  }
  for (const p of [...PARSERS, ...UDP_PARSERS, UNKNOWN]) {
    const words = byName.get(p.name);
    assert.ok(words, `trawl-banners(1) FIELDS has no entry for ${p.name}`);
    for (const f of p.fields) assert.ok(words!.has(f), `trawl-banners(1) does not document ${f} (declared by ${p.name})`);
    const own = [...words!].filter((w) => w.startsWith(`${p.name}_`) || (p.name === 'tls' && w.startsWith('cert_')));
    for (const w of own) assert.ok(p.fields.includes(w), `trawl-banners(1) documents ${w}, which ${p.name} does not declare`);
  }
});

test('each probe expects answers from services the parsers name', () => {
  const names = new Set(PARSERS.map((p) => p.name));
  for (const p of PROBES) {
    assert.ok(p.services.length > 0, `${p.name} expects no service`);
    for (const s of p.services) assert.ok(names.has(s), `probe ${p.name} expects ${s}, which no parser names`);
  }
});

test('each UDP payload module expects answers from services the UDP parsers name', () => {
  const names = new Set(UDP_PARSERS.map((p) => p.name));
  for (const m of UDP_PAYLOADS) {
    assert.ok(m.services.length > 0, `${m.name} expects no service`);
    for (const s of m.services) assert.ok(names.has(s), `UDP payload ${m.name} expects ${s}, which no UDP parser names`);
  }
});

test('a parser that emits a field it does not declare fails the parser tests', () => {
  const fields = http.fields;
  (http as { fields: readonly string[] }).fields = fields.filter((f) => f !== 'http_status');
  try {
    assert.throws(() => identify(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), 'http', 80), /http emits http_status/);
  } finally {
    (http as { fields: readonly string[] }).fields = fields;
  }
  assert.is(identify(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), 'http', 80).fields.http_status, 200);
});

test.run();

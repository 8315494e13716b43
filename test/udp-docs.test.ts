// trawl-probes(7) UDP PAYLOADS against the UDP module registry: every module with its slot, its
// default ports (or how to ask for it), the cookie bits its echoed field adds and its parsers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';
import { UDP_PAYLOADS, udpPayloadForPort } from '../shared/udp/registry';
import { UDP_USER_NAME, UDP_USER_SLOT } from '../shared/udp/nmap-payloads';

function section(page: string, name: string): { head: string; body: string }[] {
  const text = fs.readFileSync(path.join(ROOT, 'man', page), 'utf8').replace(/\\-/g, '-').replace(/\\\(dq/g, '"');
  const start = text.indexOf(`.SH ${name}\n`);
  assert.ok(start >= 0, `${page} has no ${name} section`);
  const end = text.indexOf('\n.SH ', start + 1);
  return text.slice(start, end).split('\n.PP\n')[0].split('\n.TP\n').slice(1).map((e) => {
    const [head, ...rest] = e.split('\n');
    return { head, body: rest.map((l) => l.replace(/^\.(BR|IB|B|I|RB|BI|IR)\s/, '').replace(/"/g, '')).join(' ') };
  });
}

test('trawl-probes(7) UDP PAYLOADS: every module, its slot, default ports, keyed bits and parsers', () => {
  const listed = new Map<string, { slot: number; body: string }>();
  for (const e of section('trawl-probes.7', 'UDP PAYLOADS')) {
    const m = /^\.BR (\S+) " \(slot (\d+)\)"$/.exec(e.head);
    assert.ok(m, `entry heading ${e.head}`);
    listed.set(m![1], { slot: Number(m![2]), body: e.body });
  }
  assert.equal([...listed.keys()].sort(), [...UDP_PAYLOADS.map((m) => m.name), UDP_USER_NAME].sort());
  assert.is(listed.get(UDP_USER_NAME)!.slot, UDP_USER_SLOT);
  assert.match(listed.get(UDP_USER_NAME)!.body, /Keyed: nothing \(0 bits\)/);
  for (const m of UDP_PAYLOADS) {
    const e = listed.get(m.name)!;
    assert.is(e.slot, m.slot, `slot of ${m.name}`);
    const id = m.payload({ snmpCommunity: 'public' }).id;
    const bits = /\((\d+) bits[;:)]/.exec(e.body);
    assert.ok(bits, `${m.name}: no keyed bits`);
    assert.is(Number(bits![1]), id ? id.len * 8 : 0, `keyed bits of ${m.name}`);
    for (const svc of m.services) assert.match(e.body, new RegExp(`Parser: ${svc}\\b`), `${m.name} parser ${svc}`);
    const defaults = m.ports.filter((p) => udpPayloadForPort(p) === m);
    if (defaults.length) {
      const d = /Default ports?: ([\d, ]+)\./.exec(e.body);
      assert.ok(d, `${m.name}: no default ports`);
      assert.equal(d![1].split(/,\s*/).map(Number), defaults, `default ports of ${m.name}`);
    } else assert.match(e.body, new RegExp(`Sent with --probe U:${m.ports[0]}:${m.name} ?\\.`), `${m.name}: how to send it`);
  }
});

test.run();

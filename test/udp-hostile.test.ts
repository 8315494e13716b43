// Hostile UDP answers (test/fuzz/udp.ts): every truncation and byte flip of the real answers,
// lengths and counts at their maximum, DNS pointer loops and chains, BER lengths past the bytes
// and nesting 10,000 deep. No parser throws or gives a field of the wrong shape, none takes over
// LIMIT_MS of CPU, and through `trawl banners` the good answers around them come out unchanged.
// make fuzz runs the random version long (test/fuzz/udp.fuzz.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lines, runInProcess } from './helpers';
import { identifyUdp } from '../shared/parsers';
import { Rng, summaryLine } from './fuzz/common';
import { Case, LIMIT_MS, crafted, deterministicCases, randomCases, runCases } from './fuzz/udp';
import { ANSWERS, udpOpen } from './udp-answers';
import './declared-fields';   // every parse also checks the parser's declared fields

const CASES = deterministicCases();
const CRAFTED = crafted();

function check(name: string, cases: Iterable<Case>) {
  const log: string[] = [];
  const sum = runCases(cases, null, (s) => log.push(s));
  console.log(`  ${summaryLine(name, sum, 'answers, captured and built')}`);
  assert.equal(log.slice(0, 3), []);
  assert.is(sum.crashes + sum.hangs, 0);
  return sum;
}

test(`${CASES.length} deterministic mutations: no throw, fields well-formed, none over ${LIMIT_MS} ms of CPU`, () => {
  const sum = check('udp deterministic', CASES);
  assert.is(sum.units, CASES.length);
  // Every answer's every length and byte is in the set.
  for (const a of ANSWERS) assert.ok(CASES.filter((c) => c.answer === a).length >= 2 * a.bytes.length, a.name);
});

test('2,000 random mutations (fixed seed): no throw, fields well-formed', () => {
  check('udp random', randomCases(2000, new Rng(20261205)));
});

test('what the crafted attacks give: pointer loops refused, chains cut at the label limit, deep BER not followed', () => {
  const by = (what: string) => { const c = CRAFTED.find((x) => x.what.endsWith(what))!; return identifyUdp(c.bytes, c.answer.probe, c.answer.port); };
  for (const w of ['pointer to itself', 'two pointers to each other', 'forward pointer', 'label then pointer back into itself']) {
    const r = by(w);
    assert.is(r.service, 'dns', w);
    assert.is(r.fields.dns_question, undefined, `${w}: no question read`);
    assert.is(r.fields.dns_flags, 'qr rd ra', `${w}: the header still read`);
  }
  const list = (r: { fields: Record<string, unknown> }) => (r.fields.dns_answers ?? []) as string[];
  // The chain's holder is shown in hex; the answer named 8,000 pointers down is past the label
  // limit (128), so it ends the list; 100 pointers down is still read.
  const long = by('a name 8,000 pointers long');
  assert.is(list(long).length, 1);
  assert.match(list(long)[0], /^a\. 1 IN TYPE99 \\# 16000 c00cc01f/);
  const many = by('3,000 answers, each name 100 pointers long');
  assert.is(list(many).length, 32, 'answers kept: at most 32');
  assert.is(list(many)[1], 'a. 1 IN A 192.0.2.1');
  assert.is(many.fields.dns_answer_count, 65535, 'the count as claimed');
  assert.is(list(by('65535 answers each a pointer to the question')).length, 32);
  assert.is(by('TXT strings longer than their record').fields.dns_answers, undefined);
  // BER: a value's nesting is not followed (shown as its tag and first bytes), lists are capped,
  // lengths past the bytes and oversized INTEGERs give no field.
  assert.is(by('SEQUENCE nested 10,000 deep').service, 'unknown', 'no version INTEGER: not SNMP');
  const deep = by('varbind value nested 10,000 deep');
  assert.is(deep.fields.snmp_request_id, 1);
  assert.match((deep.fields.snmp_varbinds as string[])[0], /^1\.3\.6\.1\.2\.1\.1\.1\.0 = \[30\] 30840000/);
  assert.is((by('4,000 varbinds').fields.snmp_varbinds as string[]).length, 16, 'varbinds kept: at most 16');
  assert.is(by('OID of 120 sub-identifiers past 2^53').fields.snmp_varbinds, undefined, 'a broken OID ends the list');
  assert.is(by('INTEGERs of 4 GB claimed').fields.snmp_pdu, undefined);
  assert.is(by('request-id of 100 bytes').fields.snmp_request_id, undefined);
  assert.is(by('request-id of 100 bytes').fields.snmp_error_status, 'noError', 'the fields after it still read');
  assert.is(by('high tag number').service, 'unknown');
  const nb = by('netbios: 255 names, then the MAC');
  assert.is((nb.fields.netbios_names as string[]).length, 64, 'names kept: at most 64');
  assert.is(nb.fields.netbios_mac, '02:00:00:00:00:01', 'the MAC after all 255 still read');
});

test('trawl banners: every hostile answer between good ones; the good ones come out as from a clean run, every record written', async () => {
  const goods = ANSWERS.map((a, i) => udpOpen(a, `198.18.1.${i + 1}`));
  const clean = await runInProcess('banners', ['--no-service-probes'], goods.map((r) => JSON.stringify(r)).join('\n') + '\n');
  assert.is(clean.code, 0);
  const want = lines(clean.stdout);
  const hostile = [...CASES, ...randomCases(500, new Rng(7))].map((c, i) => udpOpen({ ...c.answer, bytes: c.bytes }, `198.18.2.${i % 250}`));
  // Good answers at the start, between every 200 hostile ones, and at the end.
  const input: object[] = [...goods];
  for (let i = 0; i < hostile.length; i += 200) input.push(...hostile.slice(i, i + 200), ...goods);
  const r = await runInProcess('banners', ['--no-service-probes'], input.map((x) => JSON.stringify(x)).join('\n') + '\n');
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const out = lines(r.stdout);
  assert.is(out.length, 2 * input.length, 'an open and a banner record for each');
  const good = out.filter((o) => o.ip.startsWith('198.18.1.'));
  assert.is(good.length, want.length * (1 + Math.ceil(hostile.length / 200)));
  for (let i = 0; i < good.length; i++) assert.equal(good[i], want[i % want.length], `good record ${i}`);
});

test.run();

// --udp-payloads: nmap's nmap-payloads read byte-exact, the first payload per port, errors at FILE:LINE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UsageError } from '../shared/exit';
import { parseUdpPayloads, readUdpPayloads, userUdpPayload } from '../shared/udp/nmap-payloads';

const NMAP = '/usr/share/nmap/nmap-payloads';
const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');

function fails(text: string, re: RegExp) {
  try { parseUdpPayloads(Buffer.from(text), 'p.txt'); } catch (e) {
    assert.instance(e, UsageError);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`accepted: ${text}`);
}

test("Debian's nmap-payloads reads whole, byte-exact", () => {
  if (!fs.existsSync(NMAP)) { console.log(`  (no ${NMAP}: nmap not installed)`); return; }
  const f = readUdpPayloads(NMAP);
  const expected = fs.readFileSync(NMAP, 'latin1').split('\n').filter((l) => /^udp\s/.test(l)).length;
  assert.is(f.entries, expected);
  assert.is(hex(f.byPort.get(7)), '0d0a0d0a');
  // DNSStatusRequest comes before "DNS VER" in the file, so it is port 53's.
  assert.is(hex(f.byPort.get(53)), '000010000000000000000000');
  assert.is(Buffer.from(f.byPort.get(11211)!).toString('latin1'), '\0\x01\0\0\0\x01\0\0version\r\n');
  assert.is(f.byPort.get(1900)!.length > 0, true);
  assert.ok(f.byPort.has(40000), '32768-65535 is a range');
  // Ports with a built-in module keep it; the others take the file's payload, with no id.
  assert.is(userUdpPayload(f, 53), undefined);
  assert.equal(userUdpPayload(f, 7), { bytes: f.byPort.get(7)! });
  assert.is(userUdpPayload(f, 9), undefined, 'a port the file does not name');
});

test('escapes, comments between strings, several lines, keywords', () => {
  const f = parseUdpPayloads(Buffer.from([
    '# a comment', 'udp 9,10-11 "a\\x41\\0\\r\\n\\t\\\\\\"" # trailing', '  # between',
    '  "\\a\\b\\f\\v" "é"', 'source 500', 'udp 9 "second"', 'later keyword with data', 'udp 12', '"x"', '',
  ].join('\n')), 'p.txt');
  assert.is(f.entries, 3);
  assert.is(hex(f.byPort.get(9)), '6141000d0a095c22' + '07080c0b' + 'c3a9');
  assert.is(hex(f.byPort.get(11)), hex(f.byPort.get(9)));
  assert.is(hex(f.byPort.get(12)), '78');
  assert.is(parseUdpPayloads(Buffer.from('udp 5 ""'), 'p').byPort.get(5)!.length, 0, 'an empty payload is a datagram');
});

test('malformed entries name the file and line', () => {
  fails('udp 53 "abc', /^p\.txt:1: the string opened in column 8 does not close/);
  fails('\n\nudp 53 "\\q"', /^p\.txt:3: unknown escape \\q/);
  fails('udp 53 "\\x4"', /^p\.txt:1: \\x needs two hex digits/);
  fails('udp 70000 "a"', /^p\.txt:1: bad port list '70000'/);
  fails('udp 9-3 "a"', /^p\.txt:1: bad port list/);
  fails('tcp 80 "a"', /^p\.txt:1: expected an entry/);
  fails('udp 53\n# nothing', /^p\.txt:1: 'udp 53' has no quoted payload/);
  fails('udp 53 "a"\nsource', /^p\.txt:2: 'source' needs a port/);
  fails('udp', /^p\.txt:1: 'udp' without a port list/);
  fails(`udp 9 "${'\\x00'.repeat(1401)}"`, /^p\.txt:1: payload is 1401 bytes, more than 1400/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'udpp-'));
  try {
    assert.throws(() => readUdpPayloads(path.join(dir, 'none')), /none: cannot read UDP payload file: no such file/);
  } finally { fs.rmSync(dir, { recursive: true }); }
});

test.run();

// --source-ip ranges in the Sender (pcap mode): each target's SYN from its keyed address of the
// range (shared/cookie.ts sourceIndex), checksums right after the address is patched in (both
// recomputed here), cookies over that address, and reply requests only from it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inetChecksum, readPcapFile } from './packets';
import { a6, checkSeg6, t6 } from './packets6';
import { loadNative } from '../native/index';
import { isn, isn6, sourceIndex, sourcePort } from '../shared/cookie';
import { encodeReply, ReplyRequest, REPLY_MAX_FRAME, REPLY_RST } from '../shared/replies';
import { parseSources, sourceArgs } from '../shared/source-ip';

const native = loadNative();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-srcrange-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x70 + i);
const BASE = 32768, COUNT = 61000 - 32768 + 1;
const SRC4 = 0xc6130040;   // 198.19.0.64, 8 addresses
const SRC6 = '2001:db8:ff::fffe';   // 8 addresses: ::fffe to ::1:5, across a 16-bit word

function sender(file: string) {
  return new native.Sender({
    pcapFile: file, srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', srcIp: '198.19.0.64', srcCount: 8,
    srcIp6: SRC6, srcCount6: 8, ttl: 64, synOptions: 'linux', key: KEY, sportBase: BASE, sportCount: COUNT,
  });
}

const addOne6 = (a: string, k: number) => {
  const b = a6(a);
  const low = ((b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15]) >>> 0;
  new DataView(b.buffer).setUint32(12, low + k);
  return b;
};

test('SYNs from the keyed address of an 8-address range, both families; checksums right; every address used', () => {
  const file = path.join(dir, 'syn.pcap');
  const s = sender(file);
  const n = 400;
  const ips = new Uint32Array(n), fam = new Uint8Array(n), a = new Uint8Array(16 * n), ports = new Uint16Array(n).fill(80);
  for (let i = 0; i < n; i++) {
    fam[i] = i % 2 ? 6 : 4; ips[i] = 0xc6120000 + i;
    a.set(a6(`2001:db8:1::${(i + 1).toString(16)}`), 16 * i);
  }
  assert.is(s.sendSyns(ips, ports, new Uint8Array(n), n, fam, a), n);
  s.close();
  const used4 = new Set<number>(), used6 = new Set<string>();
  readPcapFile(file).forEach((f, i) => {
    if (fam[i] === 4) {
      const ip = f.data.subarray(14, 34), tcp = f.data.subarray(34);
      assert.is(inetChecksum(ip), 0, `IPv4 header checksum ${i}`);
      const pseudo = new Uint8Array(12);
      pseudo.set(ip.subarray(12, 20)); pseudo[9] = 6; pseudo[10] = tcp.length >> 8; pseudo[11] = tcp.length & 255;
      assert.is(inetChecksum(pseudo, tcp), 0, `TCP checksum ${i}`);
      const sa = f.data.readUInt32BE(26);
      assert.is(sa, SRC4 + sourceIndex(KEY, ips[i], 80, 8), `keyed source ${i}`);
      const sport = f.data.readUInt16BE(34);
      assert.is(sport, sourcePort(KEY, sa, ips[i], 80, 0, BASE, COUNT));
      assert.is(f.data.readUInt32BE(38), isn(KEY, sa, ips[i], sport, 80));
      used4.add(sa);
    } else {
      const p = checkSeg6(f.data);   // recomputes the TCP checksum over the pseudo header
      const d = a.subarray(16 * i, 16 * i + 16);
      assert.is(p.src, t6(addOne6(SRC6, sourceIndex(KEY, d, 80, 8))), `keyed source ${i}`);
      assert.is(p.seq, isn6(KEY, a6(p.src), d, p.sport, 80));
      used6.add(p.src);
    }
  });
  assert.is(used4.size, 8, 'the 200 IPv4 targets spread over all 8 addresses');
  assert.is(used6.size, 8, 'and the IPv6 ones too (the last 32 bits carried past a 16-bit word)');
});

test('reply requests: accepted from the target\'s keyed address only, sent from it', () => {
  const file = path.join(dir, 'replies.pcap');
  const s = sender(file);
  const daddr = 0xc6120101, k = sourceIndex(KEY, daddr, 443, 8);
  const req = (sa: number): ReplyRequest => {
    const sport = sourcePort(KEY, sa, daddr, 443, 0, BASE, COUNT);
    return { kind: REPLY_RST, slot: 0, daddr, saddr: sa, dport: 443, sport, seq: (isn(KEY, sa, daddr, sport, 443) + 1) >>> 0, ack: 7 };
  };
  const reqs = [req(SRC4 + k), req(SRC4 + ((k + 1) % 8)), req(SRC4 + 8)];
  const buf = new Uint8Array(reqs.length * REPLY_MAX_FRAME);
  let o = 0;
  for (const r of reqs) o += encodeReply(r, buf, o);
  s.sendReplies(buf.subarray(0, o), reqs.length);
  const st = s.stats();
  s.close();
  assert.equal([st.replies_sent, st.replies_rejected], [1, 2], 'another address of the range, or past it: refused');
  const [f] = readPcapFile(file);
  assert.is(f.data.readUInt32BE(26), SRC4 + k);
});

test('--source-ip parses an address, a-b and a CIDR per family, and gives scan\'s children the same range', () => {
  const s = parseSources(['198.19.0.64/29', '2001:db8:ff::40-2001:db8:ff::47']);
  assert.equal(s, { v4: '198.19.0.64', v6: '2001:db8:ff::40', n4: 8, n6: 8 });
  assert.equal(sourceArgs(s as any), ['--source-ip', '198.19.0.64-198.19.0.71', '--source-ip', '2001:db8:ff::40-2001:db8:ff::47']);
  assert.equal(parseSources(['198.19.0.1']), { v4: '198.19.0.1', v6: null });
  assert.match(parseSources(['10.0.0.0/8']) as string, 'a source range has at most 65536');
  assert.match(parseSources(['2001:db8::/64']) as string, 'at most 65536');
  assert.match(parseSources(['2001:db8::ffff:ffff-2001:db8::1:0:1']) as string, 'may only vary the last 32 bits');
  assert.match(parseSources(['198.19.0.1', '198.19.0.2/31']) as string, 'two IPv4 sources');
  assert.throws(() => new native.Sender({
    pcapFile: path.join(dir, 'x.pcap'), srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', srcIp: '255.255.255.250',
    srcCount: 8, ttl: 64, synOptions: 'linux', key: KEY, sportBase: BASE, sportCount: COUNT,
  }), /runs past 255\.255\.255\.255/);
});

test.run();

// The ssh parser's KEXINIT (after the ssh probe sent our identification first): the name-lists
// and the HASSH server fingerprint, in any split of the bytes; hostile lengths named, not read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'crypto';
import { ssh } from '../shared/parsers/ssh';
import { parseAll } from '../shared/parsers/types';
import { EndDetector } from '../shared/reassembly/ended';
import { Stream } from '../shared/reassembly/stream';

const nameList = (s: string) => { const b = Buffer.alloc(4); b.writeUInt32BE(s.length); return Buffer.concat([b, Buffer.from(s)]); };
const LISTS = ['curve25519-sha256,ecdh-sha2-nistp256', 'ssh-ed25519,rsa-sha2-512', 'aes128-ctr,aes256-gcm@openssh.com',
  'chacha20-poly1305@openssh.com,aes128-ctr', 'hmac-sha2-256', 'umac-64-etm@openssh.com,hmac-sha2-256', 'none', 'none,zlib@openssh.com', '', ''];

function packet(payload: Buffer, pad = 6): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(1 + payload.length + pad); head[4] = pad;
  return Buffer.concat([head, payload, Buffer.alloc(pad)]);
}
const KEXINIT = packet(Buffer.concat([Buffer.from([20]), Buffer.alloc(16, 9), ...LISTS.map(nameList), Buffer.from([0, 0, 0, 0, 0])]));
const ID = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n';

test('KEXINIT after the identification: every list, and HASSH = md5(kex;ciphers s2c;macs s2c;compression s2c)', () => {
  const b = Buffer.concat([Buffer.from(ID), KEXINIT]);
  const want = `${LISTS[0]};${LISTS[3]};${LISTS[5]};${LISTS[7]}`;
  const f = parseAll(ssh, b);
  assert.is(f.ssh_software, 'OpenSSH_9.2p1');
  assert.is(f.ssh_kex, LISTS[0]); assert.is(f.ssh_host_key, LISTS[1]);
  assert.is(f.ssh_ciphers_c2s, LISTS[2]); assert.is(f.ssh_ciphers, LISTS[3]);
  assert.is(f.ssh_macs_c2s, LISTS[4]); assert.is(f.ssh_macs, LISTS[5]);
  assert.is(f.ssh_compression_c2s, LISTS[6]); assert.is(f.ssh_compression, LISTS[7]);
  assert.is(f.ssh_hassh_server_algorithms, want);
  assert.is(f.ssh_hassh_server, createHash('md5').update(want).digest('hex'));
  assert.ok(ssh.ended!(f));
  // One byte at a time, and after pre-banner lines: the same.
  const s = ssh.start();
  for (const c of Buffer.concat([Buffer.from('hello\r\n'), b])) s.push(Uint8Array.of(c));
  const g = s.result();
  assert.is(g.ssh_hassh_server, f.ssh_hassh_server);
  assert.is(g.ssh_pre_lines, 1);
});

test('no KEXINIT (the null probe), half a packet, or hostile lengths: no fingerprint, the error named', () => {
  assert.is(parseAll(ssh, Buffer.from(ID)).ssh_hassh_server, undefined);
  assert.is(parseAll(ssh, Buffer.concat([Buffer.from(ID), KEXINIT.subarray(0, 40)])).ssh_kex_error, undefined, 'not all here yet');
  const huge = Buffer.from(KEXINIT); huge.writeUInt32BE(0xfffffff0, 0);
  assert.match(String(parseAll(ssh, Buffer.concat([Buffer.from(ID), huge])).ssh_kex_error), /not a binary packet/);
  const longList = Buffer.from(KEXINIT); longList.writeUInt32BE(0x7fffffff, 22);
  assert.match(String(parseAll(ssh, Buffer.concat([Buffer.from(ID), longList])).ssh_kex_error), /name-list longer/);
  const other = packet(Buffer.concat([Buffer.from([21]), Buffer.alloc(40)]));
  assert.match(String(parseAll(ssh, Buffer.concat([Buffer.from(ID), other])).ssh_kex_error), /message 21/);
});

test('reassembly: an ssh probe\'s banner ends with the KEXINIT, not at the identification line', () => {
  const b = Buffer.concat([Buffer.from(ID), KEXINIT]);
  const st = new Stream(1 << 20), e = new EndDetector({ type: 'segment', probe: 'ssh' });
  st.add(0, b.subarray(0, ID.length), ID.length, false, false, false);
  assert.is(e.ended(st), false, 'the identification alone');
  st.add(ID.length, b.subarray(ID.length, ID.length + 30), 30, false, false, false);
  assert.is(e.ended(st), false, 'part of the packet');
  st.add(ID.length + 30, b.subarray(ID.length + 30), b.length - ID.length - 30, false, false, false);
  assert.is(e.ended(st), true);
  const nul = new Stream(1 << 20), g = new EndDetector({ type: 'segment', probe: 'null' });
  nul.add(0, Buffer.from(ID), ID.length, false, false, false);
  assert.is(g.ended(nul), true, 'the null probe: the identification line ends it');
});

test.run();

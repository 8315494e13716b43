// Parser tests on payloads built by hand from the protocol specifications: protocols with no cheap daemon here, and cases the daemons do not show.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { identify } from '../shared/parsers';
import './declared-fields';   // every parse below also checks the parser's declared fields

const b = (...parts: (string | number[] | Uint8Array)[]) =>
  new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));
const le16 = (n: number) => [n & 0xff, n >> 8];
const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
const be32 = (n: number) => [n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];

// MySQL HandshakeV10 (MySQL internals "Connection Phase Packets"), as MariaDB 10.11 sends it.
function mysqlHandshake(version: string): Uint8Array {
  const payload = b([10], version, [0], le32(42), 'abcdefgh', [0], le16(0xf7fe), [45], le16(2), le16(0x81bf),
    [21], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'ijklmnopqrst', [0], 'mysql_native_password', [0]);
  return b([payload.length & 0xff, payload.length >> 8, 0, 0], payload);
}

test('mysql: MariaDB handshake v10 gives protocol, version, connection id, auth plugin', () => {
  const r = identify(mysqlHandshake('5.5.5-10.11.6-MariaDB-0+deb12u1'), 'null', 3306);
  assert.is(r.service, 'mysql');
  assert.equal(r.fields, {
    mysql_protocol: 10, mysql_version: '5.5.5-10.11.6-MariaDB-0+deb12u1', mysql_mariadb: true, mysql_connection_id: 42,
    mysql_charset: 45, mysql_status: 2, mysql_capabilities: 0x81bff7fe, mysql_auth_plugin: 'mysql_native_password',
  });
});

test('mysql: found by signature on any port; error packet "host not allowed"', () => {
  assert.is(identify(mysqlHandshake('8.0.36'), 'null', 12345).service, 'mysql');
  const msg = "Host '198.18.0.9' is not allowed to connect to this MySQL server";
  const p = b([0xff], le16(1130), msg);
  const r = identify(b([p.length, 0, 0, 0], p), 'null', 3306);
  assert.is(r.service, 'mysql');
  assert.equal(r.fields, { mysql_error_code: 1130, mysql_error: msg });
});

// PostgreSQL ErrorResponse (protocol 3.0, "Message Formats"), as 15 answers an unknown user.
test('postgres: ErrorResponse fields', () => {
  const body = b('SFATAL\0', 'VFATAL\0', 'C28000\0', 'Mno pg_hba.conf entry for host "198.18.0.9"\0', 'Fauth.c\0', 'L543\0', 'RClientAuthentication\0', [0]);
  const r = identify(b('E', be32(body.length + 4), body), 'postgres', 5432);
  assert.is(r.service, 'postgres');
  assert.equal(r.fields, {
    postgres_protocol: 3, postgres_severity: 'FATAL', postgres_code: '28000', postgres_message: 'no pg_hba.conf entry for host "198.18.0.9"',
    postgres_file: 'auth.c', postgres_line: 543, postgres_routine: 'ClientAuthentication',
  });
});

test('postgres: SASL authentication request lists mechanisms; SSL answer byte', () => {
  const body = b(be32(10), 'SCRAM-SHA-256\0\0');
  const r = identify(b('R', be32(body.length + 4), body), 'postgres', 5432);
  assert.is(r.service, 'postgres');
  assert.equal(r.fields, { postgres_protocol: 3, postgres_auth: 'sasl', postgres_sasl: 'SCRAM-SHA-256' });
  assert.equal(identify(b('N'), 'postgres', 5432).fields, { postgres_ssl: false });
});

test('vnc: RFB ProtocolVersion', () => {
  const r = identify(b('RFB 003.008\n'), 'null', 5900);
  assert.is(r.service, 'vnc');
  assert.equal(r.fields, { vnc_version: '3.8' });
});

// Telnet (RFC 854/855), as inetutils-telnetd opens: DO TTYPE, DO TSPEED, ... then a login prompt.
test('telnet: negotiation decoded and stripped, IAC IAC kept as 0xff, subnegotiation skipped', () => {
  const bytes = b([255, 253, 24, 255, 253, 32, 255, 251, 1, 255, 250, 24, 1, 255, 240], 'Debian GNU/Linux 12\r\nlogin: ');
  const r = identify(bytes, 'null', 23);
  assert.is(r.service, 'telnet');
  assert.equal(r.fields, { telnet_options: 'DO TTYPE,DO TSPEED,WILL ECHO,SB', telnet_commands: 4, telnet_text: 'Debian GNU/Linux 12 login:' });
  // Split inside every IAC sequence gives the same.
  const { parserByName } = require('../shared/parsers');
  const s = parserByName('telnet').start();
  for (const x of bytes) s.push(Uint8Array.of(x));
  assert.equal(s.result(), r.fields);
});

// RDP X.224 Connection Confirm with RDP_NEG_RSP ([MS-RDPBCGR] 2.2.1.2), as xrdp / Windows send it.
test('rdp: connection confirm with selected protocol; negotiation failure', () => {
  const cc = (neg: number[]) => b([3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0], neg);
  let r = identify(cc([2, 0x1f, 8, 0, ...le32(2)]), 'rdp', 3389);
  assert.is(r.service, 'rdp');
  assert.equal(r.fields, { rdp_tpkt_len: 19, rdp_x224: 'connection_confirm', rdp_selected_protocol: 'hybrid', rdp_neg_flags: 0x1f });
  r = identify(cc([3, 0, 8, 0, ...le32(5)]), 'rdp', 3389);
  assert.is(r.fields.rdp_failure, 'hybrid_required_by_server');
  assert.is(identify(cc([2, 0, 8, 0, ...le32(1)]), 'null', 0).service, 'rdp', 'signature without the hint');
});

test('mqtt: MQTT 5 CONNACK with properties, not authorized', () => {
  const r = identify(b([0x20, 3, 0, 0x87, 0]), 'mqtt', 1883);
  assert.is(r.service, 'mqtt');
  assert.equal(r.fields, { mqtt_packet: 'connack', mqtt_session_present: false, mqtt_return_code: 0x87, mqtt_return: 'not_authorized', mqtt_auth_required: true, mqtt_version: 5 });
});

// AMQP 0-9-1: Connection.Start method frame with server properties (as RabbitMQ sends), and the bare header.
test('amqp: Connection.Start server properties; protocol header', () => {
  const lstr = (s: string) => b(be32(s.length), s);
  const entry = (k: string, v: string) => b([k.length], k, 'S', lstr(v));
  const inner = b([7], 'publish', 't', [1]);
  const caps = b([12], 'capabilities', 'F', be32(inner.length), inner);
  const table = b(caps, entry('product', 'RabbitMQ'), entry('version', '3.10.8'), entry('platform', 'Erlang/OTP 25.2.3'), entry('cluster_name', 'rabbit@h1'));
  const payload = b([0, 10, 0, 10, 0, 9], be32(table.length), table, lstr('AMQPLAIN PLAIN'), lstr('en_US'));
  const frame = b([1, 0, 0], be32(payload.length), payload, [0xce]);
  const r = identify(frame, 'amqp', 5672);
  assert.is(r.service, 'amqp');
  assert.equal(r.fields, { amqp_method: 'connection.start', amqp_version: '0-9', amqp_product: 'RabbitMQ', amqp_product_version: '3.10.8', amqp_platform: 'Erlang/OTP 25.2.3', amqp_cluster: 'rabbit@h1' });
  assert.equal(identify(b('AMQP', [0, 0, 9, 1]), 'amqp', 5672).fields, { amqp_version: '0-9-1', amqp_protocol_id: 0 });
  assert.equal(identify(b('AMQP', [0, 1, 0, 0]), 'null', 0).fields, { amqp_version: '1.0.0', amqp_protocol_id: 0 });
});

// SMB2 NEGOTIATE response ([MS-SMB2] 2.2.4) behind a NetBIOS session header, as Samba 4.17 answers.
function smb2Negotiate(dialect: number, mode: number): Uint8Array {
  const hdr = new Uint8Array(64); hdr.set([0xfe, 0x53, 0x4d, 0x42, 64, 0]);
  const body = new Uint8Array(65 + 63);
  const v = new DataView(body.buffer);
  v.setUint16(0, 65, true); v.setUint16(2, mode, true); v.setUint16(4, dialect, true);
  body.set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10], 8);
  v.setUint32(24, 0x2f, true); v.setUint32(28, 8388608, true); v.setUint32(32, 8388608, true); v.setUint32(36, 8388608, true);
  // SystemTime 2024-01-01T00:00:00Z as FILETIME.
  const ft = (BigInt(Date.UTC(2024, 0, 1)) * 1000n + 11644473600000000n) * 10n;
  v.setBigUint64(40, ft, true);
  const msg = b(hdr, body);
  return b([0, 0, msg.length >> 8, msg.length & 0xff], msg);
}

test('smb: SMB2 negotiate response dialect, signing, GUID, time', () => {
  const r = identify(smb2Negotiate(0x0311, 3), 'smb', 445);
  assert.is(r.service, 'smb');
  assert.equal(r.fields, {
    smb_version: 2, smb_command: 0, smb_signing_enabled: true, smb_signing_required: true, smb_dialect: '3.1.1',
    smb_guid: '04030201-0605-0807-090a-0b0c0d0e0f10', smb_capabilities: 0x2f, smb_max_transact: 8388608,
    smb_max_read: 8388608, smb_max_write: 8388608, smb_system_time_us: Date.UTC(2024, 0, 1) * 1000,
  });
  assert.is(identify(smb2Negotiate(0x0210, 1), 'null', 0).fields.smb_dialect, '2.1');
});

test('unknown: printable preview of the first bytes, control bytes escaped', () => {
  const r = identify(b([0, 1, 2], 'abc\\', [0x0d, 0x0a, 0xff]), 'null', 9999);
  assert.is(r.service, 'unknown');
  assert.equal(r.fields, { unknown_preview: '\\x00\\x01\\x02abc\\\\\\r\\n\\xff' });
  assert.is(identify(b('x'.repeat(200)), 'null', 1, 16).fields.unknown_preview, 'x'.repeat(16));
});

test('an SSH server on the https port is still ssh; an HTTP answer to the tls probe is http', () => {
  assert.is(identify(b('SSH-2.0-dropbear_2022.83\r\n'), 'tls', 443).service, 'ssh');
  assert.is(identify(b('HTTP/1.1 400 Bad Request\r\n\r\n'), 'tls', 443).service, 'http');
});

test('ssh: lines before the identification string are skipped and counted', () => {
  const r = identify(b('Welcome\r\nto here\r\nSSH-1.99-Cisco-1.25\r\n'), 'null', 22);
  assert.is(r.service, 'ssh');
  assert.equal(r.fields, { ssh_version: '1.99', ssh_software: 'Cisco-1.25', ssh_pre_lines: 2 });
});

test('smtp: multi-line 220 greeting, host name, Postfix; ftp: ProFTPD with a host name', () => {
  const r = identify(b('220-mail.example.org ESMTP Postfix (Debian/GNU)\r\n220 no UCE\r\n'), 'null', 25);
  assert.is(r.service, 'smtp');
  assert.equal(r.fields, { smtp_code: 220, smtp_greeting: 'mail.example.org ESMTP Postfix (Debian/GNU) no UCE', smtp_hostname: 'mail.example.org', smtp_software: 'Postfix', smtp_lines: 2 });
  const f = identify(b('220 ftp.example.org ProFTPD 1.3.8 Server ready.\r\n'), 'null', 21);
  assert.equal(f.fields, { ftp_code: 220, ftp_greeting: 'ftp.example.org ProFTPD 1.3.8 Server ready.', ftp_hostname: 'ftp.example.org', ftp_software: 'ProFTPD 1.3.8' });
});

test('reply-code greetings: a host named mail.* serving FTP is ftp, ESMTP wins anywhere', () => {
  assert.is(identify(b('220 mail.example.org FTP server (Version 6.00LS) ready.\r\n'), 'null', 0).service, 'ftp');
  assert.is(identify(b('220 mx.example.org ESMTP ready\r\n'), 'null', 2121).service, 'smtp');
  assert.is(identify(b('220 welcome\r\n'), 'null', 21).service, 'ftp');
  assert.is(identify(b('220 welcome\r\n'), 'null', 587).service, 'smtp');
});

test('pop3: APOP timestamp gives the host name', () => {
  const r = identify(b('+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n'), 'null', 110);
  assert.equal(r.fields, { pop3_status: '+OK', pop3_greeting: 'POP3 server ready <1896.697170952@dbc.mtview.ca.us>', pop3_apop: true, pop3_hostname: 'dbc.mtview.ca.us' });
});

test.run();

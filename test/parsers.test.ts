// Parser tests on real captured server bytes (test/fixtures/banners, made by capture.sh): fields, splits, every prefix.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { X509Certificate } from 'crypto';
import { ROOT } from './helpers';
import { PARSERS, identify, parserByName } from '../shared/parsers';
import { parseAll } from '../shared/parsers/types';
import { probeByName } from '../shared/probes';
import './declared-fields';   // every parse below also checks the parser's declared fields

const DIR = path.join(ROOT, 'test', 'fixtures', 'banners');
const fx = (name: string) => new Uint8Array(fs.readFileSync(path.join(DIR, name)));

// fixture -> the trawl probe that elicits it, the service and fields expected (a subset).
const CASES: [string, string, string, Record<string, unknown>][] = [
  ['http-nginx.bin', 'http', 'http', {
    http_version: '1.1', http_status: 200, http_reason: 'OK', http_server: 'nginx/1.22.1', http_content_type: 'text/html',
    http_content_length: 117, http_powered_by: 'trawl-fixture', http_set_cookie: true, http_title: 'trawl test & page' }],
  ['http-nginx-404.bin', 'http', 'http', { http_status: 404, http_reason: 'Not Found', http_title: '404 Not Found', http_server: 'nginx/1.22.1' }],
  ['ssh-openssh.bin', 'null', 'ssh', { ssh_version: '2.0', ssh_software: 'OpenSSH_9.2p1', ssh_comment: 'Debian-2+deb12u10' }],
  ['ftp-vsftpd.bin', 'null', 'ftp', { ftp_code: 220, ftp_greeting: '(vsFTPd 3.0.3)', ftp_software: 'vsFTPd 3.0.3' }],
  ['ftp-vsftpd-oops.bin', 'null', 'ftp', { ftp_code: 500, ftp_greeting: 'OOPS: vsftpd: both local and anonymous access disabled!' }],
  ['smtp-exim.bin', 'null', 'smtp', { smtp_code: 220, smtp_hostname: 'vm', smtp_software: 'Exim 4.96' }],
  ['imap-dovecot.bin', 'null', 'imap', { imap_status: 'OK', imap_software: 'Dovecot (Debian)', imap_greeting: 'Dovecot (Debian) ready.',
    imap_capabilities: 'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN' }],
  ['pop3-dovecot.bin', 'null', 'pop3', { pop3_status: '+OK', pop3_greeting: 'Dovecot (Debian) ready.', pop3_software: 'Dovecot (Debian)' }],
  ['redis-info.bin', 'redis', 'redis', { redis_version: '7.0.15', redis_mode: 'standalone', redis_arch_bits: 64, redis_tcp_port: 6379 }],
  ['redis-noauth.bin', 'redis', 'redis', { redis_error: 'NOAUTH Authentication required.', redis_auth_required: true }],
  ['redis-ping.bin', 'redis', 'redis', { redis_reply: 'PONG' }],
  ['memcached-version.bin', 'memcached', 'memcached', { memcached_version: '1.6.18' }],
  ['mqtt-mosquitto.bin', 'mqtt', 'mqtt', { mqtt_return_code: 0, mqtt_return: 'accepted', mqtt_session_present: false }],
  ['tls-alert-nginx.bin', 'tls', 'tls', { tls_record: 'alert', tls_alert_level: 'fatal', tls_alert_code: 50, tls_alert_description: 'decode_error' }],
  ['tls12-nginx.bin', 'tls', 'tls', {
    tls_record: 'handshake', tls_version: 'TLSv1.2', tls_cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', tls_compression: 'null',
    tls_handshake: 'server_hello,certificate,server_key_exchange,server_hello_done', tls_cert_count: 1,
    cert_subject_cn: 'trawl.test', cert_subject: 'O=trawl fixtures,CN=trawl.test', cert_issuer_cn: 'trawl.test',
    cert_sans: 'trawl.test,www.trawl.test,198.18.0.1', cert_self_issued: true, cert_key_type: 'rsa', cert_version: 3 }],
  ['tls13-nginx.bin', 'tls', 'tls', { tls_version: 'TLSv1.3', tls_record_version: 'TLSv1.2', tls_cipher: 'TLS_AES_256_GCM_SHA384',
    tls_extensions: 'supported_versions,key_share', tls_group: 'x25519', tls_cert_encrypted: true, tls_handshake: 'server_hello' }],
  ['postgres-error.bin', 'postgres', 'postgres', { postgres_protocol: 3, postgres_auth: 'ok', postgres_severity: 'FATAL', postgres_code: '28000',
    postgres_message: 'role "trawl" does not exist', postgres_file: 'miscinit.c', postgres_line: 768, postgres_routine: 'InitializeSessionUserId' }],
  ['postgres-sasl.bin', 'postgres', 'postgres', { postgres_auth: 'sasl', postgres_sasl: 'SCRAM-SHA-256' }],
  ['mysql-mariadb.bin', 'null', 'mysql', { mysql_protocol: 10, mysql_version: '5.5.5-10.11.19-MariaDB-0+deb12u1', mysql_mariadb: true,
    mysql_auth_plugin: 'mysql_native_password' }],
  ['smb2-samba.bin', 'smb', 'smb', { smb_version: 2, smb_dialect: '3.1.1', smb_signing_enabled: true, smb_signing_required: false, smb_max_read: 8388608 }],
  ['telnet-inetutils.bin', 'null', 'telnet', { telnet_options: 'WILL AUTHENTICATION,WILL ENCRYPT,DO TTYPE,DO TSPEED,DO XDISPLOC,DO NEW-ENVIRON,DO ENVIRON', telnet_commands: 7 }],
];

for (const [file, probe, service, want] of CASES) {
  test(`${file}: ${service} fields from the real server's bytes`, () => {
    const r = identify(fx(file), probe, 0);
    assert.is(r.service, service);
    assert.ok(probeByName(probe)!.services.includes(service), `probe ${probe} does not list ${service} among its services`);
    for (const [k, v] of Object.entries(want)) assert.equal(r.fields[k], v, `${file} ${k}`);
    for (const k of Object.keys(r.fields)) assert.ok(k.startsWith(`${service}_`) || (service === 'tls' && k.startsWith('cert_')), `field ${k} lacks the ${service}_ prefix`);
  });

  test(`${file}: identified without the probe hint too, on port 0`, () => {
    // Signatures alone must do for what the server said first or what it says unmistakably.
    const r = identify(fx(file), 'null', 0);
    if (!['redis-ping.bin', 'mqtt-mosquitto.bin', 'postgres-sasl.bin'].includes(file)) assert.is(r.service, service);
  });

  test(`${file}: one byte at a time gives the same fields as all at once`, () => {
    const b = fx(file);
    const p = parserByName(service)!;
    const whole = parseAll(p, b);
    const s = p.start();
    for (let i = 0; i < b.length; i++) s.push(b.subarray(i, i + 1));
    assert.equal(s.result(), whole);
    // And an uneven split in three.
    const t = p.start();
    const a = Math.floor(b.length / 3), c = Math.floor((2 * b.length) / 3) + 1;
    t.push(b.subarray(0, a)); t.push(b.subarray(a, c)); t.push(b.subarray(c));
    assert.equal(t.result(), whole);
  });

  test(`${file}: every prefix length parses without throwing, in every parser`, () => {
    const b = fx(file);
    const step = b.length > 2000 ? 7 : 1;
    for (let n = 0; n <= b.length; n += step) {
      const part = b.subarray(0, n);
      const r = identify(part, probe, 0);
      assert.type(r.service, 'string');
      JSON.stringify(r.fields);
      for (const p of PARSERS) parseAll(p, part);
    }
  });
}

test('tls12: certificate fields agree with node crypto.X509Certificate on the extracted DER', () => {
  const r = identify(fx('tls12-nginx.bin'), 'tls', 443).fields;
  const der = Buffer.from(r.cert_der as string, 'base64');
  const x = new X509Certificate(der);
  assert.is(r.cert_serial, x.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''));
  assert.is(r.cert_sha256, x.fingerprint256.replace(/:/g, '').toLowerCase());
  assert.is(r.cert_not_before_us, Date.parse(x.validFrom) * 1000);
  assert.is(r.cert_not_after_us, Date.parse(x.validTo) * 1000);
  assert.is(x.subject.includes('CN=trawl.test'), true);
  assert.is(x.subjectAltName, 'DNS:trawl.test, DNS:www.trawl.test, IP Address:198.18.0.1');
});

test('tls12 cut inside the certificate (a 600-byte first segment): partial, with what was complete', () => {
  const r = identify(fx('tls12-nginx.bin').subarray(0, 600), 'tls', 443).fields;
  assert.is(r.tls_version, 'TLSv1.2');
  assert.is(r.cert_partial, true);
  assert.is(r.tls_partial, true);
  assert.is(r.cert_subject_cn, 'trawl.test');
  assert.ok(typeof r.cert_serial === 'string');
  assert.is(r.cert_der, undefined, 'no DER for a cut certificate');
  assert.is(r.cert_sha256, undefined);
  assert.is(r.tls_cert_count, undefined);
});

test('tls12 cut inside the ServerHello: version and what fits, no throw', () => {
  const b = fx('tls12-nginx.bin');
  const r = identify(b.subarray(0, 45), 'tls', 443);   // record 5 + header 4 + version 2 + random 32 + sid 1, cipher half there
  assert.is(r.service, 'tls');
  assert.is(r.fields.tls_version, 'TLSv1.2');
  assert.is(r.fields.tls_partial, true);
  assert.is(r.fields.tls_cipher, undefined);
});

test('http cut inside the title: partial title flagged', () => {
  const b = fx('http-nginx.bin');
  const s = Buffer.from(b).toString('latin1');
  const at = s.indexOf('trawl test') + 5;
  const r = identify(b.subarray(0, at), 'http', 80).fields;
  assert.is(r.http_title, 'trawl');
  assert.is(r.http_title_partial, true);
});

test.run();

// The client side of one TLS connection as a function of the server's byte stream: fed the bytes
// in order (any chunking), it reads the ServerHello, the server's flight (decrypting it in TLS 1.3),
// computes our second flight, and decrypts the server's response. Bounded; never throws.
//
// Stages:  server_hello -> server_flight -> response -> closed      (or failed, with `error`)
//   TLS 1.3: ServerHello | [CCS] | {EncryptedExtensions [CertificateRequest] [Certificate
//            CertificateVerify] Finished} -> second flight; then {application data, tickets}
//   TLS 1.2: ServerHello Certificate [CertificateStatus] [ServerKeyExchange] [CertificateRequest]
//            ServerHelloDone -> second flight; then [NewSessionTicket] CCS {Finished} {application data}
import { createHash, Hash } from 'crypto';
import { DecodeError, Reader, equal } from './bytes';
import { concat } from '../probes/types';
import { HS, ServerHello, readCertificate, readCertificateRequest, readCertificateVerify, readExtensions, readServerHello, readServerKeyExchange, readAlpn } from './messages';
import { verifyData } from './prf12';
import { CT, RecordCipher, TlsRecord, readRecord } from './record';
import { appSecrets, finishedData, handshakeSecrets, nextSecret, trafficKeys } from './schedule13';
import { secondFlight12, secondFlight13 } from './second-flight';
import { ClientSecrets, publicShare, sharedSecret } from './secrets';
import { SUITES, Suite } from './suites';

export interface TlsLimits {
  /** Largest handshake message accepted (a certificate chain is one message). */
  maxMessage: number;
  /** Most certificates kept from one Certificate message. */
  maxCerts: number;
  /** Decrypted application data kept (the HTTP response); the rest is counted, not kept. */
  maxAppData: number;
}

export const DEFAULT_LIMITS: TlsLimits = { maxMessage: 256 * 1024, maxCerts: 32, maxAppData: 1024 * 1024 };
const MAX_ALERTS = 8;

export interface TlsClientOptions {
  secrets: ClientSecrets;
  /** The ClientHello record(s) exactly as sent (clientHello() output). */
  hello: Uint8Array;
  /** Application data to send after our Finished (an HTTP request), if any. */
  request?: Uint8Array;
  limits?: Partial<TlsLimits>;
}

export interface TlsAlert { level: number; description: number }

export type Stage = 'server_hello' | 'server_flight' | 'response' | 'closed' | 'failed';

export interface TlsResult {
  stage: Stage;
  /** Why processing stopped early: hostile or unexpected bytes, a check that failed, a HelloRetryRequest. */
  error?: string;
  /** The negotiated version (0x0304, 0x0303, ...), cipher suite, key exchange group, ALPN protocol. */
  version?: number;
  suite?: number;
  group?: number;
  alpn?: string;
  helloRetry: boolean;
  extendedMasterSecret: boolean;
  /** Extension types of the ServerHello, then of EncryptedExtensions, in order. */
  extensions: number[];
  /** Handshake message types received, in order (post-handshake ones included). */
  messages: number[];
  /** The certificate chain as sent, leaf first (DER). */
  certificates: Uint8Array[];
  certificateRequested: boolean;
  /** The server's signature scheme: ServerKeyExchange (TLS 1.2) or CertificateVerify (TLS 1.3). */
  signatureAlgorithm?: number;
  /** The server's Finished verified (TLS 1.3: in its flight; TLS 1.2: after our second flight). */
  serverFinished: boolean;
  /** Bytes of the server stream up to the end of its first flight (set when the flight is complete). */
  flightLength?: number;
  /** Our second flight, once the server's flight is complete and we can finish the handshake. */
  clientFlight?: Uint8Array;
  /** Why there is no second flight when the flight is complete (a version or suite we cannot finish). */
  noClientFlight?: string;
  /** Decrypted application data (the response), at most limits.maxAppData bytes. */
  appData: Uint8Array;
  /** Application data bytes received in all (more than appData holds when truncated). */
  appDataLength: number;
  appDataTruncated: boolean;
  alerts: TlsAlert[];
  closeNotify: boolean;
  /** Complete records read, and the server bytes they span. */
  records: number;
  length: number;
}

/** Thrown inside the machine for a protocol violation; push() turns it into `error`. */
class Violation extends Error {}

export class TlsClient {
  readonly result: TlsResult = {
    stage: 'server_hello', helloRetry: false, extendedMasterSecret: false, extensions: [], messages: [], certificates: [],
    certificateRequested: false, serverFinished: false, appData: new Uint8Array(0), appDataLength: 0, appDataTruncated: false,
    alerts: [], closeNotify: false, records: 0, length: 0,
  };
  private readonly limits: TlsLimits;
  private readonly secrets: ClientSecrets;
  private readonly request?: Uint8Array;
  private helloMsg: Uint8Array = new Uint8Array(0);
  private clientRandom: Uint8Array = new Uint8Array(0);
  private compat = false;
  private pending: Uint8Array = new Uint8Array(0);
  private hsBuf: Uint8Array = new Uint8Array(0);
  private app: Uint8Array = new Uint8Array(0);   // grows by doubling; result.appData is a view of its filled part
  private appKept = 0;
  private sh?: ServerHello;
  private suite?: Suite;
  private transcript?: Hash;
  private reader?: RecordCipher;
  // TLS 1.3
  private hs13?: { clientHs: Uint8Array; serverHs: Uint8Array; master: Uint8Array };
  private serverAp?: Uint8Array;
  private certRequest?: Uint8Array;
  private expect13: number[] = [HS.encrypted_extensions];
  // TLS 1.2
  private ske?: { group: number; share: Uint8Array };
  private master12?: Uint8Array;
  private server12?: RecordCipher;
  private ccsSeen = false;

  constructor(opts: TlsClientOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.secrets = opts.secrets;
    this.request = opts.request;
    try {
      this.readHello(opts.hello);
    } catch (e) {
      this.fail(`our ClientHello: ${(e as Error).message}`);
    }
  }

  /** Bytes this client holds: records not yet whole, a handshake message not yet whole, and the
   *  decrypted response's buffer (its capacity, which is what it costs). */
  get heldBytes(): number { return this.pending.length + this.hsBuf.length + this.app.length; }

  /** Feeds the next bytes of the server's stream; returns the result so far. */
  push(chunk: Uint8Array): TlsResult {
    const r = this.result;
    if (this.stopped() || chunk.length === 0) return r;
    this.pending = this.pending.length ? concat([this.pending, chunk]) : chunk;
    let off = 0;
    try {
      while (!this.stopped()) {
        const got = readRecord(this.pending, off);
        if (got === 'short') break;
        if (typeof got === 'string') throw new Violation(got);
        off = got.next;
        r.records++;
        r.length += got.record.fragment.length + 5;
        this.record(got.record);
      }
    } catch (e) {
      this.fail(e instanceof Violation || e instanceof DecodeError ? e.message : `internal error: ${(e as Error).message}`);
    }
    // Keep only the unread tail; a copy, so the caller's buffer is not pinned.
    this.pending = off >= this.pending.length ? new Uint8Array(0) : Uint8Array.from(this.pending.subarray(off));
    if (this.stopped()) this.pending = new Uint8Array(0);
    return r;
  }

  private stopped(): boolean { return this.result.stage === 'failed' || this.result.stage === 'closed'; }

  private fail(msg: string): void {
    if (this.result.error === undefined) this.result.error = msg;
    this.result.stage = 'failed';
  }

  /** Our ClientHello: its handshake message (the transcript starts with it), random and session id. */
  private readHello(hello: Uint8Array): void {
    const parts: Uint8Array[] = [];
    for (let off = 0; off < hello.length;) {
      const got = readRecord(hello, off);
      if (typeof got !== 'object') throw new DecodeError(got === 'short' ? 'cut record' : got);
      if (got.record.type !== CT.handshake) throw new DecodeError('not a handshake record');
      parts.push(got.record.fragment);
      off = got.next;
    }
    const msg = concat(parts);
    const r = new Reader(msg);
    if (r.u8('msg_type') !== HS.client_hello) throw new DecodeError('not a ClientHello');
    r.bytes(r.u24('length'), 'ClientHello');
    r.done('ClientHello');
    this.helloMsg = msg;
    this.clientRandom = msg.subarray(6, 38);
    this.compat = msg[38] !== 0;   // session_id length: non-empty means middlebox compatibility mode
  }

  private record(rec: TlsRecord): void {
    const r = this.result;
    if (rec.type === CT.change_cipher_spec) return this.changeCipherSpec(rec.fragment);
    let type = rec.type, data = rec.fragment;
    // A TLS 1.3 server may still send a plaintext alert (it could not read our flight); everything else is sealed.
    if (this.reader && !(r.version === 0x0304 && rec.type === CT.alert)) {
      const open = this.reader.open(rec);
      if (typeof open === 'string') throw new Violation(open);
      ({ type, data } = open);
    }
    switch (type) {
      case CT.handshake: return this.handshakeBytes(data);
      case CT.alert: return this.alert(data);
      case CT.application_data: return this.appData(data);
      default: throw new Violation(`content type ${type} inside a protected record`);
    }
  }

  private changeCipherSpec(frag: Uint8Array): void {
    if (frag.length !== 1 || frag[0] !== 1) throw new Violation('malformed change_cipher_spec');
    const r = this.result;
    // TLS 1.3 compatibility mode: one CCS anywhere in the server's handshake, ignored (RFC 8446 D.4).
    if (r.version === 0x0304 && !r.serverFinished && !this.ccsSeen) { this.ccsSeen = true; return; }
    if (r.version !== undefined && r.version < 0x0304 && r.stage === 'response' && this.server12 && !this.ccsSeen) {
      if (this.hsBuf.length) throw new Violation('change_cipher_spec inside a handshake message');
      this.ccsSeen = true;
      this.reader = this.server12;
      return;
    }
    throw new Violation('unexpected change_cipher_spec');
  }

  private alert(data: Uint8Array): void {
    const r = this.result;
    if (data.length === 0 || data.length % 2) throw new Violation(`alert of ${data.length} bytes`);
    for (let i = 0; i < data.length; i += 2) {
      if (r.alerts.length < MAX_ALERTS) r.alerts.push({ level: data[i], description: data[i + 1] });
      const d = data[i + 1];
      if (d === 0) { r.closeNotify = true; r.stage = 'closed'; return; }
      // In TLS 1.3 every alert but user_canceled is fatal, whatever its level byte says (RFC 8446 6).
      if (data[i] === 2 || (r.version === 0x0304 && d !== 90)) { r.stage = 'closed'; return; }
    }
  }

  private appData(data: Uint8Array): void {
    const r = this.result;
    if (r.stage !== 'response' || !r.serverFinished) throw new Violation('application data before the handshake finished');
    r.appDataLength += data.length;
    const room = this.limits.maxAppData - this.appKept;
    if (data.length > room) r.appDataTruncated = true;
    const n = Math.min(room, data.length);
    if (n <= 0) return;
    if (this.appKept + n > this.app.length) {
      const grown = new Uint8Array(Math.min(this.limits.maxAppData, Math.max(this.appKept + n, 2 * this.app.length, 4096)));
      grown.set(this.app.subarray(0, this.appKept));
      this.app = grown;
    }
    this.app.set(data.subarray(0, n), this.appKept);
    this.appKept += n;
    r.appData = this.app.subarray(0, this.appKept);
  }

  /** Reassembles handshake messages across records; each whole one goes to message(). */
  private handshakeBytes(data: Uint8Array): void {
    this.hsBuf = this.hsBuf.length ? concat([this.hsBuf, data]) : data;
    let off = 0;
    while (this.hsBuf.length - off >= 4) {
      const b = this.hsBuf;
      const len = (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
      if (len > this.limits.maxMessage) throw new Violation(`handshake message of ${len} bytes (over ${this.limits.maxMessage})`);
      if (b.length - off < 4 + len) break;
      const msg = b.subarray(off, off + 4 + len);
      off += 4 + len;
      this.message(msg[0], msg, msg.subarray(4), b.length - off);
      if (this.stopped()) return;
    }
    this.hsBuf = off === 0 ? Uint8Array.from(this.hsBuf) : Uint8Array.from(this.hsBuf.subarray(off));
  }

  /** One whole handshake message; `trailing` handshake bytes follow it in the records read so far. */
  private message(type: number, msg: Uint8Array, body: Uint8Array, trailing: number): void {
    const r = this.result;
    if (r.messages.length < 64) r.messages.push(type);
    if (r.stage === 'server_hello') return this.serverHello(type, msg, body, trailing);
    if (r.version === 0x0304) return r.stage === 'server_flight' ? this.flight13(type, msg, body, trailing) : this.post13(type, body);
    return r.stage === 'server_flight' ? this.flight12(type, msg, body) : this.post12(type, msg, body);
  }

  private serverHello(type: number, msg: Uint8Array, body: Uint8Array, trailing: number): void {
    if (type !== HS.server_hello) throw new Violation(`handshake message ${type} before the ServerHello`);
    const r = this.result;
    const sh = readServerHello(body);
    this.sh = sh;
    r.version = sh.version;
    r.suite = sh.suite;
    r.group = sh.group;
    r.alpn = sh.alpn;
    r.extensions.push(...sh.extensions.keys());
    if (sh.helloRetry) {
      r.helloRetry = true;
      throw new Violation(`HelloRetryRequest${sh.group !== undefined ? ` for group 0x${sh.group.toString(16).padStart(4, '0')}` : ''}`);
    }
    if (sh.compression !== 0) throw new Violation(`compression method ${sh.compression}`);
    r.stage = 'server_flight';
    if (sh.version === 0x0304) return this.start13(msg, sh, trailing);
    if (sh.version > 0x0303 || sh.version < 0x0300) throw new Violation(`version 0x${sh.version.toString(16)}`);
    r.extendedMasterSecret = sh.extendedMasterSecret;
    const suite = SUITES.get(sh.suite);
    if (suite && !suite.tls13) {
      this.suite = suite;
      this.transcript = createHash(suite.hash).update(this.helloMsg).update(msg);
    }
  }

  // ---- TLS 1.3 ----

  private start13(msg: Uint8Array, sh: ServerHello, trailing: number): void {
    const suite = SUITES.get(sh.suite);
    if (!suite || !suite.tls13) throw new Violation(`TLS 1.3 with cipher suite 0x${sh.suite.toString(16).padStart(4, '0')}`);
    if (sh.group === undefined || !sh.share) throw new Violation('TLS 1.3 ServerHello without a key share');
    // The keys change after the ServerHello and after the server Finished: no message may straddle that.
    if (trailing) throw new Violation('handshake bytes after the ServerHello in its record');
    const shared = sharedSecret(this.secrets, sh.group, sh.share);
    if (typeof shared === 'string') throw new Violation(shared);
    this.suite = suite;
    this.transcript = createHash(suite.hash).update(this.helloMsg).update(msg);
    this.hs13 = handshakeSecrets(suite.hash, shared, this.transcript.copy().digest());
    const k = trafficKeys(suite, this.hs13.serverHs);
    this.reader = new RecordCipher(suite, k.key, k.iv, true);
  }

  private flight13(type: number, msg: Uint8Array, body: Uint8Array, trailing: number): void {
    const r = this.result;
    const suite = this.suite!, t = this.transcript!, hs = this.hs13!;
    if (!this.expect13.includes(type)) throw new Violation(`handshake message ${type} out of order`);
    switch (type) {
      case HS.encrypted_extensions: {
        const ee = readExtensions(new Reader(body), 'EncryptedExtensions');
        r.extensions.push(...ee.keys());
        const alpn = ee.get(16);
        if (alpn) r.alpn = readAlpn(alpn);
        this.expect13 = [HS.certificate_request, HS.certificate, HS.finished];   // no certificate: PSK (never offered) or raw keys
        break;
      }
      case HS.certificate_request:
        this.certRequest = readCertificateRequest(body, 0x0304);
        r.certificateRequested = true;
        this.expect13 = [HS.certificate];
        break;
      case HS.certificate:
        r.certificates = readCertificate(body, true, this.limits.maxCerts).certs;
        this.expect13 = [HS.certificate_verify];
        break;
      case HS.certificate_verify:
        r.signatureAlgorithm = readCertificateVerify(body);
        this.expect13 = [HS.finished];
        break;
      case HS.finished: {
        const want = finishedData(suite.hash, hs.serverHs, t.copy().digest());
        if (!equal(body, want)) throw new Violation('server Finished does not verify');
        if (trailing) throw new Violation('handshake bytes after the server Finished in its record');
        t.update(msg);
        r.serverFinished = true;
        const ap = appSecrets(suite.hash, hs.master, t.copy().digest());
        this.serverAp = ap.serverAp;
        const k = trafficKeys(suite, ap.serverAp);
        this.reader = new RecordCipher(suite, k.key, k.iv, true);
        r.flightLength = r.length;
        r.stage = 'response';
        r.clientFlight = secondFlight13({ suite, transcript: t.copy(), clientHs: hs.clientHs, clientAp: ap.clientAp, compat: this.compat, certRequest: this.certRequest, request: this.request });
        return;
      }
    }
    t.update(msg);
  }

  /** After the handshake: tickets are skipped, a KeyUpdate moves the server's keys on. */
  private post13(type: number, body: Uint8Array): void {
    if (type !== HS.key_update) return;
    const k = new Reader(body);
    k.u8('KeyUpdate request_update');
    k.done('KeyUpdate');
    const suite = this.suite!;
    this.serverAp = nextSecret(suite.hash, this.serverAp!);
    const keys = trafficKeys(suite, this.serverAp);
    this.reader = new RecordCipher(suite, keys.key, keys.iv, true);
  }

  // ---- TLS 1.0-1.2 ----

  private flight12(type: number, msg: Uint8Array, body: Uint8Array): void {
    const r = this.result, sh = this.sh!;
    switch (type) {
      case HS.certificate:
        r.certificates = readCertificate(body, false, this.limits.maxCerts).certs;
        break;
      case HS.certificate_status:
        break;
      case HS.server_key_exchange:
        // ECDHE parameters are read for the suites that use them; DHE ones are only named.
        if (this.suite || [0xc009, 0xc00a, 0xc013, 0xc014].includes(sh.suite)) {
          const ske = readServerKeyExchange(body, sh.version);
          this.ske = ske;
          r.group = ske.group;
          r.signatureAlgorithm = ske.sigAlg;
        }
        break;
      case HS.certificate_request:
        readCertificateRequest(body, sh.version);
        r.certificateRequested = true;
        break;
      case HS.server_hello_done:
        if (body.length) throw new Violation('ServerHelloDone with a body');
        this.transcript?.update(msg);
        r.flightLength = r.length;
        r.stage = 'response';
        return this.finish12();
      default:
        throw new Violation(`handshake message ${type} in a TLS 1.2 server flight`);
    }
    this.transcript?.update(msg);
  }

  private finish12(): void {
    const r = this.result, sh = this.sh!, suite = this.suite;
    if (sh.version !== 0x0303) { r.noClientFlight = `version 0x${sh.version.toString(16).padStart(4, '0')}`; return; }
    if (!suite) { r.noClientFlight = `cipher suite 0x${sh.suite.toString(16).padStart(4, '0')}`; return; }
    if (!this.ske) { r.noClientFlight = 'no ServerKeyExchange'; return; }
    const pub = publicShare(this.secrets, this.ske.group);
    const shared = sharedSecret(this.secrets, this.ske.group, this.ske.share);
    if (!pub || typeof shared === 'string') { r.noClientFlight = typeof shared === 'string' ? shared : 'group not offered'; return; }
    const out = secondFlight12({
      suite, transcript: this.transcript!, preMaster: shared, clientPublic: pub, clientRandom: this.clientRandom,
      serverRandom: sh.random, extendedMasterSecret: sh.extendedMasterSecret, certRequest: r.certificateRequested, request: this.request,
    });
    this.master12 = out.master;
    this.server12 = out.server;
    r.clientFlight = out.bytes;
  }

  /** After our second flight: an optional NewSessionTicket, then (after CCS) the server Finished. */
  private post12(type: number, msg: Uint8Array, body: Uint8Array): void {
    const r = this.result, suite = this.suite;
    if (type === HS.hello_request) return;            // a renegotiation request: never answered
    if (!suite || !this.server12) throw new Violation(`handshake message ${type} after a flight we cannot answer`);
    if (r.serverFinished) return;                     // post-handshake messages are not ours to read
    if (type === HS.new_session_ticket && !this.ccsSeen) { this.transcript!.update(msg); return; }
    if (type !== HS.finished || !this.ccsSeen) throw new Violation(`handshake message ${type} where the server Finished belongs`);
    if (!equal(body, verifyData(suite.hash, this.master12!, false, this.transcript!.copy().digest()))) throw new Violation('server Finished does not verify');
    r.serverFinished = true;
  }
}

/** One-shot form: the whole server stream at once. */
export function readTls(opts: TlsClientOptions, server: Uint8Array): TlsResult {
  return new TlsClient(opts).push(server);
}

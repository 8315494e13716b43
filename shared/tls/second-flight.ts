// The client's second flight, a function of the secrets, the transcript and the server's flight:
// TLS 1.3 [CCS] Finished (+ request), TLS 1.2 ClientKeyExchange, CCS, Finished (+ request).
//
// TLS 1.3:  14 03 03 00 01 01 (only in middlebox compatibility mode: a non-empty session id)
//           | sealed(handshake: [Certificate (empty), if asked] Finished)   client handshake keys, seq 0
//           | sealed(application_data: request)                              client application keys, seq 0
// TLS 1.2:  16 03 03 | [Certificate (empty), if asked] ClientKeyExchange (public<u8>)
//           | 14 03 03 00 01 01 | sealed(handshake: Finished, 12 bytes) seq 0 | sealed(request) seq 1
import type { Hash } from 'crypto';
import { handshakeMessage, vec } from './bytes';
import { concat } from '../probes/types';
import { HS } from './messages';
import { masterSecret, keyBlock, verifyData } from './prf12';
import { CT, RecordCipher, recordBytes } from './record';
import { finishedData, trafficKeys } from './schedule13';
import type { Suite } from './suites';

export const CCS_RECORD = Uint8Array.of(CT.change_cipher_spec, 3, 3, 0, 1, 1);

export interface Flight13 {
  suite: Suite;
  /** Running hash of ClientHello..server Finished; updated with what we send. */
  transcript: Hash;
  clientHs: Uint8Array;
  clientAp: Uint8Array;
  compat: boolean;
  /** certificate_request_context when the server asked for a certificate. */
  certRequest?: Uint8Array;
  request?: Uint8Array;
}

export function secondFlight13(p: Flight13): Uint8Array {
  const out: Uint8Array[] = p.compat ? [CCS_RECORD] : [];
  const msgs: Uint8Array[] = [];
  if (p.certRequest) {
    const cert = handshakeMessage(HS.certificate, concat([vec(1, p.certRequest), vec(3, new Uint8Array(0))]));
    p.transcript.update(cert);
    msgs.push(cert);
  }
  const fin = handshakeMessage(HS.finished, finishedData(p.suite.hash, p.clientHs, p.transcript.copy().digest()));
  p.transcript.update(fin);
  msgs.push(fin);
  const hs = trafficKeys(p.suite, p.clientHs);
  out.push(new RecordCipher(p.suite, hs.key, hs.iv, true).seal(CT.handshake, concat(msgs)));
  if (p.request && p.request.length) {
    const ap = trafficKeys(p.suite, p.clientAp);
    out.push(new RecordCipher(p.suite, ap.key, ap.iv, true).seal(CT.application_data, p.request));
  }
  return concat(out);
}

export interface Flight12 {
  suite: Suite;
  /** Running hash of ClientHello..ServerHelloDone; updated with what we send. */
  transcript: Hash;
  preMaster: Uint8Array;
  clientPublic: Uint8Array;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  extendedMasterSecret: boolean;
  certRequest: boolean;
  request?: Uint8Array;
}

export interface Flight12Out {
  bytes: Uint8Array;
  master: Uint8Array;
  /** The server's write direction, for its CCS, Finished and response. */
  server: RecordCipher;
}

export function secondFlight12(p: Flight12): Flight12Out {
  const h = p.suite.hash;
  const plain: Uint8Array[] = [];
  if (p.certRequest) plain.push(handshakeMessage(HS.certificate, vec(3, new Uint8Array(0))));
  plain.push(handshakeMessage(HS.client_key_exchange, vec(1, p.clientPublic)));
  for (const m of plain) p.transcript.update(m);
  const master = masterSecret(h, p.preMaster, p.clientRandom, p.serverRandom, p.extendedMasterSecret ? p.transcript.copy().digest() : undefined);
  const kb = keyBlock(p.suite, master, p.clientRandom, p.serverRandom);
  const fin = handshakeMessage(HS.finished, verifyData(h, master, true, p.transcript.copy().digest()));
  p.transcript.update(fin);
  const client = new RecordCipher(p.suite, kb.clientKey, kb.clientIv, false);
  const out = [recordBytes(CT.handshake, concat(plain)), CCS_RECORD, client.seal(CT.handshake, fin)];
  if (p.request && p.request.length) out.push(client.seal(CT.application_data, p.request));
  return { bytes: concat(out), master, server: new RecordCipher(p.suite, kb.serverKey, kb.serverIv, false) };
}

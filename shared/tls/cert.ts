// Fields of one whole certificate: node:crypto's X509Certificate for what it parses (fingerprints,
// serial, validity, key type and size, CA flag, self-signed check), the DER reader of
// shared/parsers/x509.ts only for what it lacks or writes differently (names in RFC 4514 order, SANs
// typed as the schema writes them, version, signature algorithm).
//
// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier { OID, params }, signature }
import { KeyObject, X509Certificate } from 'crypto';
import type { Fields } from '../parsers/types';
import { lookup } from '../records';
import { certFields, children, oid, tlv } from '../parsers/x509';

/** Signature algorithm OIDs, named as OpenSSL names them. */
const SIG_ALGS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption', '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption', '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption', '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss', '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224', '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384', '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519', '1.3.101.113': 'ED448', '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa_with_SHA256',
};

/** Key sizes of named curves (bits). */
const CURVE_BITS: Record<string, number> = {
  prime256v1: 256, secp384r1: 384, secp521r1: 521, secp224r1: 224, secp256k1: 256, prime192v1: 192,
  brainpoolP256r1: 256, brainpoolP384r1: 384, brainpoolP512r1: 512,
};

/** The outer signatureAlgorithm of a certificate, named (or its OID when unknown). */
export function signatureAlgorithm(der: Uint8Array): string | undefined {
  const cert = tlv(der, 0, der.length);
  if (!cert || cert.tag !== 0x30) return undefined;
  const alg = children(der, cert)[1];
  const id = alg && alg.tag === 0x30 ? children(der, alg)[0] : undefined;
  if (!id || id.tag !== 0x06 || !id.full) return undefined;
  const o = oid(der, id);
  return lookup(SIG_ALGS, o) ?? (o || undefined);
}

/**
 * The schema's cert_* fields of one DER certificate: cert_der (base64), cert_sha256, cert_sha1,
 * cert_subject(_cn), cert_issuer(_cn), cert_serial, cert_not_before_us, cert_not_after_us,
 * cert_sans, cert_key_type, cert_key_bits, cert_key_curve, cert_sig_alg, cert_ca, cert_self_signed,
 * cert_version. Bytes X509Certificate cannot parse keep what the DER reader finds plus cert_error.
 */
export function certificateFields(der: Uint8Array): Fields {
  // The same certificate comes back from many hosts (a CDN's, a vendor's default): OpenSSL's parse
  // and self-signature check, most of a TLS banner's cost, are done once per DER (a bounded memo).
  const key = der.length <= MEMO_MAX_DER ? Buffer.from(der.buffer, der.byteOffset, der.length).toString('latin1') : null;
  const known = key === null ? undefined : memo.get(key);
  if (known) return copyFields(known);
  const f = readCertificate(der);
  if (key !== null) {
    if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value as string);
    memo.set(key, copyFields(f));
  }
  return f;
}

// The memo's bounds: 512 certificates of at most 8 KiB, so at most 4 MiB of keys plus their fields.
const MEMO_ENTRIES = 512;
const MEMO_MAX_DER = 8192;
const memo = new Map<string, Fields>();

// Fields are handed to callers that add to them: each gets its own object and lists.
function copyFields(f: Fields): Fields {
  const out: Fields = {};
  for (const k in f) { const v = f[k]; out[k] = Array.isArray(v) ? v.slice() : v; }
  return out;
}

function readCertificate(der: Uint8Array): Fields {
  const f = certFields(der, false);
  const alg = signatureAlgorithm(der);
  if (alg) f.cert_sig_alg = alg;
  let x: X509Certificate;
  try {
    x = new X509Certificate(der);
  } catch {
    f.cert_error = 'not a certificate X509Certificate can read';
    return f;
  }
  // X509Certificate reads exactly one certificate: its fingerprints cover the DER given.
  f.cert_sha256 = x.fingerprint256.replace(/:/g, '').toLowerCase();
  f.cert_sha1 = x.fingerprint.replace(/:/g, '').toLowerCase();
  f.cert_der = Buffer.from(x.raw).toString('base64');
  delete f.cert_partial;
  f.cert_serial = x.serialNumber.toLowerCase();
  const from = Date.parse(x.validFrom), to = Date.parse(x.validTo);
  if (Number.isFinite(from)) f.cert_not_before_us = from * 1000;
  if (Number.isFinite(to)) f.cert_not_after_us = to * 1000;
  // A certificate X509Certificate reads may still hold a key OpenSSL cannot decode (hostile or mangled DER).
  let key: KeyObject | undefined;
  try { key = x.publicKey; } catch { f.cert_error = 'public key OpenSSL cannot decode'; }
  if (key?.asymmetricKeyType) f.cert_key_type = key.asymmetricKeyType;
  const d = key?.asymmetricKeyDetails ?? {};
  if (d.modulusLength) f.cert_key_bits = d.modulusLength;
  if (d.namedCurve) {
    f.cert_key_curve = d.namedCurve;
    const bits = lookup(CURVE_BITS, String(d.namedCurve));
    if (bits) f.cert_key_bits = bits;
  }
  if (key?.asymmetricKeyType === 'ed25519') f.cert_key_bits = 256;
  if (key?.asymmetricKeyType === 'ed448') f.cert_key_bits = 456;
  f.cert_ca = x.ca;
  f.cert_self_signed = key !== undefined && selfSigned(x, key);
  return f;
}

/** Issued by itself and signed by its own key (a name match alone is cert_self_issued). */
function selfSigned(x: X509Certificate, key: KeyObject): boolean {
  try {
    return x.checkIssued(x) && x.verify(key);
  } catch {
    return false;
  }
}

/** One certificate as PEM, for `fmt -o certs`. */
export function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

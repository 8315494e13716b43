// The tables nmap's ssl-cert (the leaf certificate and the chain's fingerprints) and http-title
// scripts, and the community ssl-jarm script, would write for what banners read, carried inside the port's one banner script: ndiff
// (Debian's, Python 3) cannot sort two scripts of one port, so each is a table keyed by its name.
import type { AnyRecord } from '../records';
import { toPem } from '../tls/cert';
import { xmlEscape as x } from './escape';

const elem = (key: string, v: unknown) => (v === undefined || v === null || v === '' ? '' : `<elem key="${x(key)}">${x(String(v))}</elem>`);
const iso = (us: unknown) => (typeof us === 'number' && Number.isFinite(us) ? new Date(us / 1000).toISOString().replace(/\.\d{3}Z$/, '') : undefined);

function sslCert(b: AnyRecord): string {
  if (typeof b.cert_der !== 'string' || typeof b.cert_sha256 !== 'string') return '';
  const lines = [
    `Subject: ${b.cert_subject ?? ''}`,
    ...(typeof b.cert_sans === 'string' ? [`Subject Alternative Name: ${b.cert_sans}`] : []),
    `Issuer: ${b.cert_issuer ?? ''}`,
    `Public Key type: ${b.cert_key_type ?? ''}`,
    `Public Key bits: ${b.cert_key_bits ?? ''}`,
    `Signature Algorithm: ${b.cert_sig_alg ?? ''}`,
    `Not valid before: ${iso(b.cert_not_before_us) ?? ''}`,
    `Not valid after:  ${iso(b.cert_not_after_us) ?? ''}`,
    `SHA-1:   ${b.cert_sha1 ?? ''}`,
    `SHA-256: ${b.cert_sha256}`,
  ];
  const chain = Array.isArray(b.cert_chain_sha256) ? b.cert_chain_sha256 : [];
  return '<table key="ssl-cert">' + elem('output', lines.join('\n')) +
    `<table key="subject">${elem('commonName', b.cert_subject_cn)}${elem('rfc4514', b.cert_subject)}</table>` +
    `<table key="issuer">${elem('commonName', b.cert_issuer_cn)}${elem('rfc4514', b.cert_issuer)}</table>` +
    `<table key="pubkey">${elem('type', b.cert_key_type)}${elem('bits', b.cert_key_bits)}${elem('curve', b.cert_key_curve)}</table>` +
    elem('sig_algo', b.cert_sig_alg) +
    `<table key="validity">${elem('notBefore', iso(b.cert_not_before_us))}${elem('notAfter', iso(b.cert_not_after_us))}</table>` +
    elem('sha1', b.cert_sha1) + elem('sha256', b.cert_sha256) +
    elem('pem', toPem(Buffer.from(b.cert_der, 'base64'))) +
    (chain.length ? `<table key="chain">${chain.map((h) => elem('sha256', h)).join('')}</table>` : '') +
    '</table>';
}

function httpTitle(b: AnyRecord): string {
  if (typeof b.http_title !== 'string') return '';
  return `<table key="http-title">${elem('title', b.http_title)}</table>`;
}

// The community ssl-jarm script's output: the fingerprint (and ours: whether a hello went unanswered).
function sslJarm(b: AnyRecord): string {
  if (typeof b.jarm !== 'string') return '';
  return `<table key="ssl-jarm">${elem('jarm', b.jarm)}${b.jarm_partial === true ? elem('partial', 'true') + elem('missing', b.jarm_missing) : ''}</table>`;
}

/** The tables of one banner record (empty when it has no certificate, title or JARM). */
export function nmapTables(b: AnyRecord): string {
  return sslCert(b) + httpTitle(b) + sslJarm(b);
}

// certs: PEM of every certificate of a record: its chain (cert_chain_der, leaf first) or else its
// cert_der (base64 DER, one string or a list).
import type { FormatModule } from './types';

function pem(b64: string): string {
  const clean = Buffer.from(b64, 'base64').toString('base64');  // drops whitespace or junk
  const lines = clean.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export const certs: FormatModule = {
  name: 'certs',
  summary: 'PEM of the certificate chains banners extracted (cert_chain_der, else cert_der)',
  create() {
    return {
      header: () => '',
      record(rec) {
        const c = Array.isArray(rec.cert_chain_der) && rec.cert_chain_der.length ? rec.cert_chain_der : rec.cert_der;
        const all = Array.isArray(c) ? c : [c];
        return all.filter((x): x is string => typeof x === 'string' && x.length > 0).map(pem).join('');
      },
      drain: () => [],
      trailer: () => '',
    };
  },
};

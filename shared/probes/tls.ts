// The TLS probe: shared/tls's ClientHello under the scan key, in its certificate-only form (TLS 1.0
// to 1.3, every suite old servers pick), so every TLS server answers with its whole flight: the chain
// in clear up to TLS 1.2, and in TLS 1.3 a flight banners decrypts with the same key (trawl(7),
// TLS KEY SHARE). The bytes are a function of the key and --sni alone: banners recomputes them.
import { UsageError } from '../exit';
import { ClientSecrets, clientSecrets } from '../tls/secrets';
import { clientHello } from '../tls/hello';
import { namedConfig, Probe, ProbeConfig } from './types';

export interface TlsProbeHello { secrets: ClientSecrets; hello: Uint8Array }

/** The secrets and the ClientHello the tls probe sends under a scan key and server name. */
export function tlsProbeHello(key: Uint8Array, sni?: string): TlsProbeHello {
  const secrets = clientSecrets(key);
  return { secrets, hello: clientHello(secrets, { sni, legacy: true }) };
}

export const tlsProbe: Probe = {
  name: 'tls',
  slot: 2,
  description: 'TLS ClientHello offering 1.0 to 1.3, key shares from the scan key (banners decrypts TLS 1.3), ALPN http/1.1, optional SNI',
  // 443 and 8443 are https's, which sends this same hello and then asks for the page.
  ports: [261, 448, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 2376, 4443, 5061, 5986, 6443, 9443],
  services: ['tls'],   // https, imaps, smtps... all answer with TLS first
  payload(cfg: ProbeConfig) {
    if (!cfg.key) throw new UsageError('the tls probe needs the scan key (its key shares come from it)');
    return { before: tlsProbeHello(cfg.key, cfg.sni).hello };
  },
  named(cfg: ProbeConfig, name: string) { return this.payload(namedConfig(cfg, name)); },
};

// The HTTPS probe: the tls probe's ClientHello, byte for byte (what shared/tls can finish first:
// TLS 1.3, then TLS 1.2 with ECDHE and AEAD suites; the legacy versions and suites after them),
// then, once the server's flight is reassembled, our second flight (Finished, and the HTTP
// request of the http probe as application data) as a function of the scan key, the hello and
// that flight alone. banners computes it and asks blast to send it (trawl.7 CONVERSATIONS); the
// server's response is decrypted with keys derived the same way and parsed as HTTP. The same
// hello as tls's makes it the default of 443 and 8443 at no loss: a server that picks what we
// cannot finish (TLS 1.0, CBC, DHE, RSA key exchange) still sends the certificates it sends tls,
// and a scan without conversations (no banners --replies) gets exactly tls's answer.
import { UsageError } from '../exit';
import { TlsClient } from '../tls/client';
import { MAX_PROBE_LEN } from '../cookie';
import { httpRequestText } from './http';
import { tlsProbeHello, type TlsProbeHello } from './tls';
import { ascii, namedConfig, Probe, ProbeConfig, Talker } from './types';

/** The HTTP request sent inside TLS to `ip` (IPv6 in brackets, as the http probe writes it). */
export function httpsRequest(cfg: ProbeConfig, ip: string): Uint8Array {
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return ascii(httpRequestText(cfg).replace('{ip}', host));
}

/** Our side of one TLS connection: nothing until the server's flight is whole, then our second
 *  flight once. Everything we send on a connection, the hello included, must stay within the
 *  MAX_PROBE_LEN bytes the cookie check allows past our ISN. */
export class TlsTalker implements Talker {
  private client: TlsClient | null;
  // The same client after our flight went out: it decrypts the response as it comes (follow).
  private reader: TlsClient | null = null;
  private said = false;
  failed?: string;

  constructor(private hello: TlsProbeHello, request: Uint8Array) {
    this.client = new TlsClient({ secrets: hello.secrets, hello: hello.hello, request });
  }

  get done(): boolean { return this.client === null; }

  /** The stream as this client read it (TlsResult), once it has sent its flight. */
  get read(): unknown { return this.reader?.result; }

  follow(bytes: Uint8Array): void { this.reader?.push(bytes); }

  get heldBytes(): number { return (this.client ?? this.reader)?.heldBytes ?? 0; }

  push(bytes: Uint8Array): Uint8Array | null {
    const c = this.client;
    if (!c) return null;
    const r = c.push(bytes);
    if (r.clientFlight) {
      this.client = null;
      this.reader = c;
      this.said = true;
      if (this.hello.hello.length + r.clientFlight.length > MAX_PROBE_LEN) {
        this.failed = `our second flight of ${r.clientFlight.length} bytes passes the ${MAX_PROBE_LEN} bytes a connection may carry`;
        return null;
      }
      return r.clientFlight;
    }
    if (r.stage === 'failed' || r.stage === 'closed' || r.noClientFlight !== undefined) {
      this.failed = r.noClientFlight ?? r.error ?? 'the server closed before its flight ended';
      this.client = null;
    }
    return null;
  }

  /** True once the second flight went out. */
  get sent(): boolean { return this.said; }
}

export const httpsProbe: Probe = {
  name: 'https',
  slot: 10,
  description: 'the tls probe\'s ClientHello, then (banners --replies) our Finished and the http probe\'s request: the HTTPS response',
  // Its hello is tls's: every certificate tls gets, and the HTTP response where the server picks
  // TLS 1.3 or ECDHE with an AEAD (trawl-probes(7) says what it costs against tls,https).
  ports: [443, 8443],
  services: ['tls', 'http'],
  payload(cfg: ProbeConfig) {
    if (!cfg.key) throw new UsageError('the https probe needs the scan key (its key shares come from it)');
    return { before: tlsProbeHello(cfg.key, cfg.sni).hello };
  },
  // The name is the SNI of the hello and the Host of the request inside (namedConfig, converse).
  named(cfg: ProbeConfig, name: string) { return this.payload(namedConfig(cfg, name)); },
  converse(cfg: ProbeConfig, ip: string): Talker {
    if (!cfg.key) throw new UsageError('the https probe needs the scan key (its key shares come from it)');
    return new TlsTalker(tlsProbeHello(cfg.key, cfg.sni), httpsRequest(cfg, ip));
  },
};

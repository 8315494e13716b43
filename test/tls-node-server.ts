// An in-process TLS server (node:tls, i.e. OpenSSL) over a stream pair, for tests without root or
// network: it answers our ClientHello and second flight, and the bytes it wrote are kept for replay.
import * as tls from 'tls';
import * as fs from 'fs';
import * as path from 'path';
import { Duplex } from 'stream';
import { clientSecrets, ClientSecrets } from '../shared/tls/secrets';
import { clientHello, HelloOptions } from '../shared/tls/hello';
import { TlsClient, TlsResult } from '../shared/tls/client';

export interface Conversation {
  secrets: ClientSecrets;
  hello: Uint8Array;
  request: Uint8Array;
  /** What the server wrote before and after our second flight. */
  flight: Buffer;
  response: Buffer;
  result: TlsResult;
}

export interface ServerOptions {
  key: string;
  cert: string;
  /** node:tls secure context options: minVersion, maxVersion, ciphers, ecdhCurve, requestCert... */
  tls?: tls.SecureContextOptions & { requestCert?: boolean };
  hello?: HelloOptions;
  /** What the server answers to any request. */
  reply?: Buffer;
  scanKey?: Uint8Array;
}

/** The test key and self-signed certificate of test/fixtures/tls (openssl req -x509, 100 years; test only). */
export function fixture(kind: 'ec' | 'rsa'): { key: string; cert: string } {
  const dir = path.join(__dirname, '..', '..', 'test', 'fixtures', 'tls');
  return { key: fs.readFileSync(path.join(dir, `${kind}.key`), 'utf8'), cert: fs.readFileSync(path.join(dir, `${kind}.crt`), 'utf8') };
}

const tick = () => new Promise((r) => setImmediate(r));

/** What the server wrote, once it stops writing (and the list emptied for the next wait). */
export async function settle(out: Buffer[]): Promise<Buffer> {
  // OpenSSL answers within a few event-loop turns; wait until the output stops growing.
  let n = -1;
  for (let i = 0; i < 200 && n !== out.length; i++) { n = out.length; for (let j = 0; j < 5; j++) await tick(); }
  const b = Buffer.concat(out);
  out.length = 0;
  return b;
}

export async function converse(o: ServerOptions): Promise<Conversation> {
  const written: Buffer[] = [];
  const wire = new Duplex({ read() { /* pushed below */ }, write(c, _e, cb) { written.push(Buffer.from(c)); cb(); } });
  const server = new tls.TLSSocket(wire, {
    isServer: true, requestCert: o.tls?.requestCert ?? false, rejectUnauthorized: false,
    secureContext: tls.createSecureContext({ key: o.key, cert: o.cert, ...o.tls }),
  });
  server.on('error', () => { /* an alert is what the test looks at */ });
  server.on('data', () => { server.end(o.reply ?? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); });
  const secrets = clientSecrets(o.scanKey ?? new Uint8Array(16).fill(3));
  const hello = clientHello(secrets, o.hello);
  const request = Uint8Array.from(Buffer.from('GET / HTTP/1.1\r\nHost: test\r\n\r\n'));
  const client = new TlsClient({ secrets, hello, request });
  wire.push(hello);
  const flight = await settle(written);
  let result = client.push(flight);
  let response: Buffer = Buffer.alloc(0);
  if (result.clientFlight) {
    wire.push(result.clientFlight);
    response = await settle(written);
    result = client.push(response);
  }
  server.destroy();
  return { secrets, hello, request, flight, response, result };
}

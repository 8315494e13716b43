// Drives shared/tls over a plain kernel TCP socket: our ClientHello, our second flight, the server's
// response decrypted. Run inside a test's network namespace: node tls-drive.js JOBS.json (prints one
// JSON result per job, in order).
import * as net from 'net';
import * as fs from 'fs';
import { clientSecrets } from '../shared/tls/secrets';
import { clientHello, HelloOptions } from '../shared/tls/hello';
import { TlsClient, TlsResult } from '../shared/tls/client';

export interface DriveJob { port: number; key: string; hello?: HelloOptions; request?: string; timeoutMs?: number }

export interface DriveResult {
  port: number;
  helloLength: number;
  /** The client's result, bytes as base64 (JSON), the second flight as its length. */
  result: Omit<TlsResult, 'certificates' | 'appData' | 'clientFlight'> & { certificates: string[]; appData: string; clientFlightLength?: number; clientFlight?: undefined };
  /** The socket ended (FIN) or timed out. */
  ended: 'end' | 'timeout' | 'error';
}

export function drive(job: DriveJob): Promise<DriveResult> {
  const secrets = clientSecrets(Buffer.from(job.key, 'hex'));
  const hello = clientHello(secrets, job.hello);
  const client = new TlsClient({ secrets, hello, request: job.request === undefined ? undefined : Buffer.from(job.request, 'latin1') });
  return new Promise((resolve) => {
    let sent = false, done = false;
    const sock = net.connect(job.port, '127.0.0.1', () => sock.write(hello));
    const finish = (ended: DriveResult['ended']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const r = client.result;
      resolve({
        port: job.port, helloLength: hello.length, ended,
        result: {
          ...r, certificates: r.certificates.map((c) => Buffer.from(c).toString('base64')),
          appData: Buffer.from(r.appData).toString('base64'), clientFlightLength: r.clientFlight?.length, clientFlight: undefined,
        },
      });
    };
    const timer = setTimeout(() => finish('timeout'), job.timeoutMs ?? 5000);
    sock.on('data', (chunk) => {
      const r = client.push(chunk);
      if (!sent && r.clientFlight) { sent = true; sock.write(r.clientFlight); }
      if (r.stage === 'failed' || r.stage === 'closed' || (r.stage === 'response' && !r.clientFlight)) finish('end');
    });
    sock.on('end', () => finish('end'));
    sock.on('error', () => finish('error'));
  });
}

async function main(): Promise<void> {
  const jobs: DriveJob[] = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) process.stdout.write(JSON.stringify(await drive(job)) + '\n');
}

if (require.main === module) main().catch((e) => { process.stderr.write(String(e) + '\n'); process.exit(1); });

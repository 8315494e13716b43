// HTTP bodies through trawl banners: chunked, gzip, deflate and br recognised and decoded within the
// limit, hashed, titled; bodies over the limit and compression bombs cost at most the limit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as zlib from 'zlib';
import { createHash } from 'crypto';
import { lines, runInProcess } from './helpers';
import { parseAll } from '../shared/parsers/types';
import { http } from '../shared/parsers/http';

// Words that do not repeat much, so the page does not compress to nothing.
const WORDS = Array.from({ length: 4000 }, (_, i) => ((i * 7919) % 100003).toString(36)).join(' ');
const PAGE = Buffer.from(`<!doctype html><html><head><title>A &amp; B</title></head><body>${WORDS}</body></html>`);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function response(headers: string[], body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(['HTTP/1.1 200 OK', ...headers, '', ''].join('\r\n')), body]);
}

function chunked(body: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let o = 0; o < body.length; o += size) {
    const c = body.subarray(o, o + size);
    parts.push(Buffer.from(`${c.length.toString(16)}${o === 0 ? ';ext=1' : ''}\r\n`), c, Buffer.from('\r\n'));
  }
  return Buffer.concat([...parts, Buffer.from('0\r\nX-Trailer: t\r\n\r\n')]);
}

/** The response as segment records of 1448 bytes, FIN on the last. */
function segments(resp: Buffer): string {
  const out: string[] = [];
  for (let o = 0; o < resp.length; o += 1448) {
    const d = resp.subarray(o, o + 1448);
    out.push(JSON.stringify({ type: 'segment', ip: '198.18.0.8', port: 80, sport: 40003, ttl: 64, probe: 'http', seq: 1000 + 1 + o, offset: o,
      len: d.length, flags: o + 1448 >= resp.length ? 'FPA' : 'PA', data: d.toString('base64'), time_us: 1763800000000000 + o }));
  }
  return out.join('\n') + '\n';
}

async function banner(resp: Buffer, args: string[] = []): Promise<any> {
  const r = await runInProcess('banners', args, segments(resp));
  assert.is(r.code, 0, r.stderr);
  return lines(r.stdout)[0];
}

test('chunked, gzip, deflate (zlib and raw), br and gzip+chunked: the decoded body\'s sha256, length and title', async () => {
  const cases: [string, Buffer][] = [
    ['identity', response([`Content-Length: ${PAGE.length}`], PAGE)],
    ['chunked', response(['Transfer-Encoding: chunked'], chunked(PAGE, 1000))],
    ['gzip', response(['Content-Encoding: gzip', `Content-Length: ${zlib.gzipSync(PAGE).length}`], zlib.gzipSync(PAGE))],
    ['deflate', response(['Content-Encoding: deflate'], zlib.deflateSync(PAGE))],
    ['raw deflate', response(['Content-Encoding: deflate'], zlib.deflateRawSync(PAGE))],
    ['br', response(['Content-Encoding: br'], zlib.brotliCompressSync(PAGE))],
    ['gzip+chunked', response(['Content-Encoding: gzip', 'Transfer-Encoding: chunked'], chunked(zlib.gzipSync(PAGE), 300))],
  ];
  for (const [name, resp] of cases) {
    const b = await banner(resp);
    assert.is(b.http_body_sha256, sha(PAGE), name);
    assert.is(b.http_body_len, PAGE.length, name);
    assert.is(b.http_title, 'A & B', name);
    assert.is(b.http_body_truncated, undefined, name);
    assert.is(b.http_body_error, undefined, name);
    assert.is(b.complete, true, name);
  }
  const c = await banner(cases[1][1]);
  assert.is(c.http_transfer_encoding, 'chunked');
  assert.is(c.http_body_complete, true, 'the last chunk and the trailer were seen');
  assert.is((await banner(cases[2][1])).http_content_encoding, 'gzip');
});

test('a body over --max-banner: kept and decoded up to the limit, marked; a gzip bomb decodes to at most the limit', async () => {
  const resp = response([`Content-Length: ${PAGE.length}`], PAGE);
  const b = await banner(resp, ['--max-banner', '4096']);
  assert.equal([b.truncated, b.end, b.http_body_len, b.http_body_complete, b.http_title, b.complete], [true, 'limit', 4096 - (resp.length - PAGE.length), undefined, 'A & B', false]);
  assert.is(b.http_body_sha256, sha(PAGE.subarray(0, b.http_body_len)), 'the hash of the body as far as it was kept');
  // 64 MB of zeros in 64 KB of gzip: the decoder stops at the limit.
  const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
  const t0 = process.hrtime.bigint();
  const g = await banner(response(['Content-Encoding: gzip', `Content-Length: ${bomb.length}`], bomb), ['--max-banner', String(256 * 1024)]);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.is(g.http_body_truncated, true);
  assert.ok(g.http_body_len <= 256 * 1024 && g.http_body_len > 200 * 1024, `decoded ${g.http_body_len}`);
  assert.is(g.http_body_sha256, sha(Buffer.alloc(g.http_body_len)));
  // Far above the ~0.3 s it takes alone: only a decoder that went on past the limit gets near (the
  // machine that runs the tests may be shared by several test runs).
  assert.ok(ms < 20000, `${ms} ms`);
});

test('HTTP bodies, hostile: bad chunk sizes, corrupt gzip, unknown codings are reported, never thrown; 204 has no body', () => {
  const f = (s: string | Buffer) => parseAll(http, typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  const bad = f('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n');
  assert.equal([bad.http_body_len, bad.http_body_error, bad.http_body_complete], [5, 'chunk size is not hex', undefined]);
  assert.is(f('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + 'f'.repeat(40) + '\r\n').http_body_error, 'chunk size of more than 12 hex digits');
  const corrupt = f(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n'), Buffer.from('1f8b08000000ffff', 'hex'), Buffer.alloc(40, 0xee)]));
  assert.match(String(corrupt.http_body_error), /^gzip: /);
  assert.is(corrupt.http_body_len, 48, 'an undecodable body is hashed as it came');
  assert.is(f('HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\n\r\nxx').http_body_error, 'content-encoding zstd not decoded');
  const none = f('HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n');
  assert.equal([none.http_body_len, none.http_body_complete], [0, true]);
  // Cut inside a gzip body: decoded as far as it goes, no error.
  const gz = zlib.gzipSync(PAGE);
  const half = f(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz.subarray(0, gz.length >> 1)]));
  assert.is(half.http_body_error, undefined);
  assert.ok((half.http_body_len as number) > 1000 && (half.http_body_len as number) < PAGE.length);
  assert.is(half.http_title, 'A & B');
  assert.is(half.http_body_complete, undefined);
});

test.run();

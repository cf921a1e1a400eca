/**
 * Serves the built PWA.
 *
 * Caching contract: content-hashed assets under /_app/immutable/ never change,
 * so they are `immutable` for a year; everything else (the shell, the service
 * worker, the manifest, version.json) must revalidate on every load, answered by
 * ETag with 304 when unchanged, so a new deploy is seen at once and costs ~200
 * bytes when nothing changed. Precompressed .br/.gz siblings (written at build)
 * are sent when the client accepts them: bytes matter on 2G.
 * Unknown paths without a file extension get the SPA shell (client routing).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { getMimeType } from 'hono/utils/mime';
import { HttpError } from '../http/errors';
import { appCsp } from '../middleware/security-headers';

const IMMUTABLE_PREFIX = '/_app/immutable/';
const SHELL = 'index.html';

export function staticRoutes(webDir: string) {
  const app = new Hono();
  app.on(['GET', 'HEAD'], '*', (c) => serveFile(c, webDir));
  return app;
}

function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = normalize(join(root, decoded));
  if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  return full;
}

function fileStats(path: string): Stats | undefined {
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

/**
 * SHA-256 hashes of the inline scripts of an HTML file (SvelteKit's static shell
 * has one inline bootstrap script), so the CSP allows exactly those and no other
 * inline script. Cached per file version (size + mtime).
 */
const inlineHashes = new Map<string, { version: string; hashes: string[] }>();
export function inlineScriptHashes(path: string, stats: Stats): string[] {
  const version = `${stats.size}-${stats.mtimeMs}`;
  const cached = inlineHashes.get(path);
  if (cached?.version === version) return cached.hashes;
  const html = readFileSync(path, 'utf8');
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi))
    hashes.push(
      createHash('sha256')
        .update(match[1] ?? '', 'utf8')
        .digest('base64'),
    );
  inlineHashes.set(path, { version, hashes });
  return hashes;
}

function serveFile(c: Context, webDir: string): Response {
  const urlPath = c.req.path;
  // The API and the live channel never fall back to the app shell.
  if (urlPath.startsWith('/api/') || urlPath === '/api' || urlPath.startsWith('/ws/'))
    throw new HttpError(404, 'not_found', `No route ${c.req.method} ${urlPath}.`);
  let path = resolveInside(webDir, urlPath === '/' ? `/${SHELL}` : urlPath);
  if (path === undefined) throw new HttpError(400, 'bad_path', 'The requested path is not valid.');
  let stats = fileStats(path);
  if (!stats) {
    // Client-side routes (no extension) get the app shell; missing files are 404.
    if (extname(urlPath) !== '') throw new HttpError(404, 'not_found', `No file at ${urlPath}.`);
    path = join(webDir, SHELL);
    stats = fileStats(path);
    if (!stats) {
      throw new HttpError(
        503,
        'app_not_built',
        'The web app has not been built. Run `pnpm build` (or the README start command).',
      );
    }
  }

  const immutable = urlPath.startsWith(IMMUTABLE_PREFIX);
  const headers = new Headers();
  headers.set('Content-Type', getMimeType(path) ?? contentTypeFallback(path));
  headers.set('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  headers.set('X-Content-Type-Options', 'nosniff');
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  headers.set('ETag', etag);
  headers.set('Vary', 'Accept-Encoding');
  if (path.endsWith('service-worker.js')) {
    headers.set('Service-Worker-Allowed', '/');
    // A worker runs under the CSP its script is served with: it must be allowed
    // to fetch the app shell it precaches (the API's `default-src 'none'` would
    // make every precache request fail and the app would never open offline).
    headers.set('Content-Security-Policy', appCsp([]));
  }
  if (path.endsWith('.html'))
    headers.set('Content-Security-Policy', appCsp(inlineScriptHashes(path, stats)));

  if (c.req.header('if-none-match') === etag) {
    return new Response(null, { status: 304, headers });
  }

  const accept = c.req.header('accept-encoding') ?? '';
  let sendPath = path;
  let size = stats.size;
  for (const [encoding, suffix] of [
    ['br', '.br'],
    ['gzip', '.gz'],
  ] as const) {
    if (accept.includes(encoding) && existsSync(path + suffix)) {
      const compressed = fileStats(path + suffix);
      if (compressed) {
        sendPath = path + suffix;
        size = compressed.size;
        headers.set('Content-Encoding', encoding);
        break;
      }
    }
  }
  headers.set('Content-Length', String(size));
  if (c.req.method === 'HEAD') return new Response(null, { status: 200, headers });
  const body = Readable.toWeb(createReadStream(sendPath)) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}

function contentTypeFallback(path: string): string {
  switch (extname(path)) {
    case '.webmanifest':
      return 'application/manifest+json';
    default:
      return 'application/octet-stream';
  }
}

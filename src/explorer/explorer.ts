import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express from 'express';

/**
 * The development explorer: GraphiQL served from this project's own node_modules, so that
 * `/graphql` opened in a browser works in a network without internet, sends nothing to any
 * other host and runs no telemetry. Apollo Sandbox (hosted by Apollo, needs internet) stays
 * available by choice: GRAPHQL_EXPLORER=sandbox.
 *
 * GraphiQL 3 is the last major line that ships a browser-ready UMD bundle (graphiql.min.js,
 * React and ReactDOM as globals), so no bundler or build step is involved; React 18 is the
 * newest React that still ships UMD builds.
 */

export type ExplorerKind = 'graphiql' | 'sandbox';

export interface ExplorerSettings {
  /** What a browser gets at `/graphql`; the local GraphiQL is at `/explorer` either way. */
  kind: ExplorerKind;
  /** Apollo Sandbox's telemetry (`runTelemetry`); GraphiQL has none. */
  telemetry: boolean;
}

export const DEFAULT_EXPLORER: ExplorerSettings = { kind: 'graphiql', telemetry: false };

export const EXPLORER_PATH = '/explorer';
const ASSETS_PATH = `${EXPLORER_PATH}/assets`;

/** Asset names carry the version (or a hash) of their content, so browsers may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Only this origin: scripts from the assets above (no inline script: the page's settings are data
 * attributes), requests to `/graphql`. Styles may be inline because GraphiQL's dialogs add <style>
 * elements; its fonts and images are data: URLs in its stylesheet.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const DEFAULT_QUERY = `# Clavis development explorer: GraphiQL, served by
# Clavis itself, so it works offline. The development
# token is in the Headers tab below. Run: Ctrl+Enter.

{
  applications(first: 5) {
    totalCount
    edges { node { id identifier name } }
  }
}
`;

/** Starts GraphiQL on the page; its settings come from data attributes, so the page needs no inline script. */
const BOOT_SCRIPT = `'use strict';
(function () {
  var root = document.getElementById('graphiql');
  var authorization = root.getAttribute('data-authorization');
  var headers = authorization ? JSON.stringify({ Authorization: authorization }, null, 2) : undefined;
  // createFetcher POSTs with content-type: application/json, which Apollo's CSRF prevention requires.
  var fetcher = GraphiQL.createFetcher({ url: root.getAttribute('data-endpoint') });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      headers: headers,
      shouldPersistHeaders: false,
      defaultQuery: root.getAttribute('data-default-query'),
      defaultEditorToolsVisibility: headers ? 'headers' : false,
    }),
  );
})();
`;

const PAGE_STYLE = 'html, body, #graphiql { height: 100%; margin: 0; }\n';

interface Asset {
  url: string;
  type: 'js' | 'css';
  /** A file in node_modules, or the content itself. */
  file?: string;
  content?: string;
}

function packageFile(name: string, file: string): { path: string; version: string } {
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    throw new Error(`the development explorer needs the package "${name}": run \`npm install\` (or set NODE_ENV=production, which serves no explorer)`);
  }
  return { path: join(dirname(manifest), file), version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version };
}

function fromPackage(name: string, file: string, type: Asset['type']): Asset {
  const { path, version } = packageFile(name, file);
  return { url: `${ASSETS_PATH}/${name}-${version}.${type}`, type, file: path };
}

function inline(name: string, content: string, type: Asset['type']): Asset {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 12);
  return { url: `${ASSETS_PATH}/${name}-${hash}.${type}`, type, content };
}

/** Text placed in an HTML attribute or element: the token is a JWT, but it is treated as untrusted text. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Express routes of the local explorer: the page at `/explorer` (and, through `page`, wherever
 * the server decides a browser gets it) and its assets under `/explorer/assets/`.
 */
export function localExplorer(options: { endpoint: string; developmentToken?: string }): { router: express.Router; page: express.RequestHandler } {
  const scripts = [
    fromPackage('react', 'umd/react.production.min.js', 'js'),
    fromPackage('react-dom', 'umd/react-dom.production.min.js', 'js'),
    fromPackage('graphiql', 'graphiql.min.js', 'js'),
    inline('clavis-explorer', BOOT_SCRIPT, 'js'),
  ];
  const styles = [fromPackage('graphiql', 'graphiql.min.css', 'css'), inline('clavis-explorer', PAGE_STYLE, 'css')];
  const settings: Record<string, string | undefined> = {
    'data-endpoint': options.endpoint,
    'data-authorization': options.developmentToken ? `Bearer ${options.developmentToken}` : undefined,
    'data-default-query': DEFAULT_QUERY,
  };
  const attributes = Object.entries(settings)
    .flatMap(([name, value]) => (value === undefined ? [] : [`${name}="${escapeHtml(value)}"`]))
    .join(' ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Clavis · GraphiQL</title>
<link rel="icon" href="data:,">
${styles.map((style) => `<link rel="stylesheet" href="${escapeHtml(style.url)}">`).join('\n')}
</head>
<body>
<div id="graphiql" ${attributes}>Loading GraphiQL…</div>
${scripts.map((script) => `<script src="${escapeHtml(script.url)}"></script>`).join('\n')}
</body>
</html>
`;

  const page: express.RequestHandler = (_req, res) => {
    // The page carries the development token: never stored by a cache.
    res.set({ 'cache-control': 'no-store', 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' });
    res.type('html').send(html);
  };

  const router = express.Router();
  router.get(EXPLORER_PATH, page);
  for (const asset of [...scripts, ...styles]) {
    router.get(asset.url, (_req, res, next) => {
      res.set({ 'cache-control': IMMUTABLE, 'x-content-type-options': 'nosniff' });
      res.type(asset.type);
      if (asset.content !== undefined) res.send(asset.content);
      else res.sendFile(asset.file!, { cacheControl: false }, (error) => error && next(error));
    });
  }
  return { router, page };
}

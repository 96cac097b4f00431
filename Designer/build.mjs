// Bundles the designer into Host/wwwroot/designer (git-ignored; the host's build runs this through MSBuild).
// One JS bundle per page and one stylesheet; bpmn-js's icon font goes next to the CSS as hashed files.
import { build } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '..', 'Host', 'wwwroot', 'designer');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

await build({
  // designer.js + designer.css (the stylesheets are their own entries so the pages link them in <head>), login.js,
  // inbox.js + inbox.css (the task inbox with form-js), and operations.js + operations.css (the operators' console), admin.js + admin.css (users, groups, keys, audit), case.js + case.css (the case view), versions.js + versions.css (definition versions, diff, migration), settings.js (agents, SMS texts, calendars), tenants.js (tenants and their members), catalogues.js (managed catalogues), reports.js + reports.css (supervisors' reports, Chart.js).
  // studio.css: the decision editor's, form builder's, element templates' and lint styles (the designer page only);
  // the editors themselves are split into chunks that load when a decision or form is opened.
  entryPoints: ['designer.js', 'designer.css', 'studio.css', 'login.js', 'inbox.js', 'inbox.css', 'operations.js', 'operations.css', 'admin.js', 'admin.css', 'case.js', 'case.css', 'versions.js', 'versions.css', 'settings.js', 'tenants.js', 'catalogues.js', 'reports.js', 'reports.css'].map(name => join(here, 'src', name)),
  entryNames: '[name]',
  outdir,
  bundle: true,
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  target: ['es2022'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
  assetNames: 'assets/[name]-[hash]',
  // One preact for every package: form-js-editor pins its own (10.15) while the form-js viewer it renders with uses
  // the shared one, and hooks break across two copies ("reading 'context'").
  alias: { preact: join(here, 'node_modules', 'preact') },
  logLevel: 'warning',
});

// The pages are plain HTML shells; the host serves them from its endpoints (not as static files).
await cp(join(here, 'src', 'pages'), join(outdir, 'pages'), { recursive: true });

// Builds static/dist/: the portal's stylesheet (Dart Sass) and its one script (esbuild: the
// portal's modules and the GOV.UK Frontend components they start, in one file).
//
// Each is named after a hash of its contents (portal.3f2a9c1b.css), so a browser may keep it
// for a year and still never run an old copy; manifest.json maps "portal.css" to that name for
// the templates' asset_url(). Every file is compressed here, once, with brotli and gzip
// (beside it as .br and .gz), for WhiteNoise to send to browsers that accept them.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "static", "dist");
const govukAssets = join(root, "node_modules", "govuk-frontend", "dist", "govuk", "assets");
// Where portal.scss tells GOV.UK Frontend its images and fonts are ($govuk-assets-path).
const govukAssetsUrl = /url\(["']?\/static\/dist\/govuk\/([^"')]+)["']?\)/g;
const COMPRESSIBLE = new Set([".css", ".js", ".svg", ".json"]);

function compileStylesheet() {
  return sass.compile(join(root, "static", "scss", "portal.scss"), {
    loadPaths: [join(root, "node_modules")],
    style: "compressed",
    quietDeps: true,
  }).css;
}

async function bundleScript() {
  const result = await esbuild.build({
    entryPoints: [join(root, "static", "js", "app.mjs")],
    bundle: true,
    format: "esm",
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0].text;
}

function hashedName(name, contents) {
  const hash = createHash("sha256").update(contents).digest("hex").slice(0, 8);
  const extension = extname(name);
  return `${name.slice(0, -extension.length)}.${hash}${extension}`;
}

// GOV.UK's own images and fonts keep their names: the stylesheet that points at them is hashed.
function copyReferencedGovukAssets(css) {
  const copied = new Set();
  for (const [, path] of css.matchAll(govukAssetsUrl)) {
    if (copied.has(path)) continue;
    mkdirSync(dirname(join(dist, "govuk", path)), { recursive: true });
    copyFileSync(join(govukAssets, path), join(dist, "govuk", path));
    copied.add(path);
  }
}

function filesUnder(directory) {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function writeCompressedCopies(path) {
  const contents = readFileSync(path);
  const brotli = brotliCompressSync(contents, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: contents.length,
    },
  });
  writeFileSync(`${path}.br`, brotli);
  writeFileSync(`${path}.gz`, gzipSync(contents, { level: constants.Z_BEST_COMPRESSION }));
}

async function build() {
  const built = { "portal.css": compileStylesheet(), "portal.js": await bundleScript() };
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const manifest = {};
  for (const [name, contents] of Object.entries(built)) {
    manifest[name] = hashedName(name, contents);
    writeFileSync(join(dist, manifest[name]), contents);
  }
  copyReferencedGovukAssets(built["portal.css"]);
  for (const path of filesUnder(dist)) {
    if (COMPRESSIBLE.has(extname(path))) writeCompressedCopies(path);
  }
  writeFileSync(join(dist, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [name, file] of Object.entries(manifest)) {
    const size = (suffix) => statSync(join(dist, file + suffix)).size.toLocaleString("en-GB");
    console.log(`${name} -> static/dist/${file}: ${size("")} bytes, ${size(".br")} with brotli, ${size(".gz")} with gzip`);
  }
  console.log(`Wrote ${relative(root, join(dist, "manifest.json"))}`);
}

await build();

// The project's import graph, read with TypeScript's parser: static imports and re-exports
// (`import type` included: a type cycle still ties the files' meaning together). Dynamic
// `import()` is left out: it loads on demand, so it cannot take part in a load-order cycle.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Project root: where package.json is. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const cache = new Map();

/** The relative imports of a file: [{ spec, target (absolute, or undefined), typeOnly }]. */
export function importsOf(file) {
  let out = cache.get(file);
  if (out) return out;
  out = [];
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    cache.set(file, out);
    return out;
  }
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  for (const st of source.statements) {
    if ((ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      const spec = st.moduleSpecifier.text;
      const typeOnly = isTypeOnly(st);
      if (!spec.startsWith('.')) out.push({ spec, package: packageName(spec), typeOnly });
      else out.push({ spec, target: resolveImport(file, spec), typeOnly });
    }
  }
  cache.set(file, out);
  return out;
}

function isTypeOnly(st) {
  if (ts.isExportDeclaration(st)) return st.isTypeOnly;
  const clause = st.importClause;
  if (!clause) return false; // `import './x.js'` runs x
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const b = clause.namedBindings;
  return !!b && ts.isNamedImports(b) && b.elements.length > 0 && b.elements.every((e) => e.isTypeOnly);
}

/** `@scope/pkg/sub` -> `@scope/pkg`; `node:fs` -> `node:fs`. */
function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * What a bundle built from `entries` is made of: the project files reached through imports
 * that run (type-only imports are erased before bundling) and the packages they import.
 */
export function bundleInputs(entries) {
  const files = new Set();
  const packages = new Set();
  const walk = (file) => {
    if (files.has(file)) return;
    files.add(file);
    for (const imp of importsOf(file)) {
      if (imp.typeOnly) continue;
      if (imp.package) packages.add(imp.package);
      else if (imp.target) walk(imp.target);
    }
  };
  for (const entry of entries) walk(resolve(entry));
  return { files: [...files].sort(), packages: [...packages].sort() };
}

/** `./x.js` -> ./x.ts (NodeNext style), or the file as written when it exists. */
export function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, `${base}.ts`, `${base}/index.ts`]) {
    if (existsSync(candidate) && !candidate.endsWith(sep)) return candidate;
  }
  return undefined;
}

/** A cycle through `file` that starts with the edge file -> first, as paths, or undefined. */
export function cycleThrough(file, first) {
  const seen = new Set();
  const path = [file, first];
  const walk = (node) => {
    if (node === file) return true;
    if (seen.has(node)) return false;
    seen.add(node);
    for (const { target } of importsOf(node)) {
      if (!target) continue;
      path.push(target);
      if (walk(target)) return true;
      path.pop();
    }
    return false;
  };
  return walk(first) ? path.map((p) => relative(ROOT, p)) : undefined;
}

/** A path relative to the root, with forward slashes. */
export function projectPath(file) {
  return relative(ROOT, file).split(sep).join('/');
}

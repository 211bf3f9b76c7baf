// Local ESLint rules that keep the map of the house true (scripts/lint/house-map.js).
import { HOUSE } from './house-map.js';
import { cycleThrough, projectPath, resolveImport } from './import-graph.js';

const inside = (path, folder) => path === folder || path.startsWith(`${folder}/`);
const ruleFor = (path) =>
  HOUSE.filter((r) => inside(path, r.folder)).sort((a, b) => b.folder.length - a.folder.length)[0];
const folderOf = (path) =>
  HOUSE.filter((r) => inside(path, r.folder)).sort((a, b) => b.folder.length - a.folder.length)[0]?.folder ??
  path.split('/').slice(0, path.startsWith('src/') ? 2 : 1).join('/');

/** Each relative import with its declaration node. */
function eachImport(node, report) {
  const isType =
    node.importKind === 'type' ||
    node.exportKind === 'type' ||
    (node.type === 'ImportDeclaration' &&
      node.specifiers.length > 0 &&
      node.specifiers.every((s) => s.type === 'ImportSpecifier' && s.importKind === 'type'));
  if (node.source && typeof node.source.value === 'string' && node.source.value.startsWith('.')) {
    report(node, node.source.value, isType);
  }
}

const importBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Each folder imports only what the map of the house allows (docs/design.md)' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = projectPath(file);
    const rule = ruleFor(from);
    if (!rule) return {};
    const check = (node, spec, isType) => {
      const target = resolveImport(file, spec);
      if (!target) return;
      const to = projectPath(target);
      if (inside(to, rule.folder)) return;
      const allowed = rule.may.some((f) => inside(to, f)) || (isType && (rule.types ?? []).some((f) => inside(to, f)));
      if (allowed) return;
      const typeOnly = (rule.types ?? []).some((f) => inside(to, f));
      context.report({
        node,
        message: `${rule.folder}/ may not import ${folderOf(to)}/${typeOnly ? ' except with `import type`' : ''} (${to}); see the map in docs/design.md`,
      });
    };
    return {
      ImportDeclaration: (n) => eachImport(n, check),
      ExportNamedDeclaration: (n) => eachImport(n, check),
      ExportAllDeclaration: (n) => eachImport(n, check),
    };
  },
};

const noImportCycles = {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycles (type imports included)' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const check = (node, spec) => {
      const target = resolveImport(file, spec);
      if (!target) return;
      const cycle = cycleThrough(file, target);
      if (cycle) context.report({ node, message: `import cycle: ${cycle.join(' -> ')}` });
    };
    return {
      ImportDeclaration: (n) => eachImport(n, check),
      ExportNamedDeclaration: (n) => eachImport(n, check),
      ExportAllDeclaration: (n) => eachImport(n, check),
    };
  },
};

export default { meta: { name: 'firebreak' }, rules: { 'import-boundaries': importBoundaries, 'no-import-cycles': noImportCycles } };

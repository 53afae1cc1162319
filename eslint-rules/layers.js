// Import rules of DESIGN.md §3, enforced instead of hoped for.
//   core/      imports nothing from the project and no I/O module (node:crypto only).
//   util/      imports util/ and core/ (types such as the Logger port); never plugins, store or app.
//   store/     imports core/ and util/.
//   app/       imports core/ and util/ (ports, never concrete plugins, store or config).
//   sources/, notifiers/, mirrors/: a plugin folder imports core/, util/, its own folder and the
//              category's shared libraries (folders starting with "_" or listed in LIBRARIES);
//              never a sibling plugin. Root files of the category (registry.ts) may import plugins.
//   config/    imports core/, util/ and plugins' config.ts files (the one declaration of every option).
//   cli/, demo/, bench/: composition roots, may import anything.
//   web/       never imports store/ (only web/server.ts, a composition root, wires it).
import path from 'node:path';

const LIBRARIES = new Set(['defender-rows']);
const PLUGIN_CATEGORIES = new Set(['sources', 'notifiers', 'mirrors']);
const ROOTS = new Set(['cli', 'demo', 'bench']);
const CORE_NODE_ALLOWED = new Set(['node:crypto']);

function srcRelative(file, srcDir) {
  const rel = path.relative(srcDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep);
}

function describe(parts) {
  return parts.join('/');
}

/** Returns an error message, or null when the import is allowed. */
export function checkImport(importerParts, spec, importeeParts) {
  const [layer, second] = importerParts;
  if (importeeParts === null) {
    // A package or node builtin.
    if (layer === 'core') {
      if (CORE_NODE_ALLOWED.has(spec)) return null;
      return `core/ must stay pure: it may not import "${spec}" (only ${[...CORE_NODE_ALLOWED].join(', ')})`;
    }
    return null;
  }
  const [target, targetSecond] = importeeParts;
  if (layer === target) {
    if (PLUGIN_CATEGORIES.has(layer) && importerParts.length > 2 && importeeParts.length > 2 && second !== targetSecond) {
      if (targetSecond.startsWith('_') || LIBRARIES.has(targetSecond)) return null;
      return `${layer}/${second} may not import the sibling plugin ${layer}/${targetSecond}; move shared code to ${layer}/_shared or util/`;
    }
    return null;
  }
  if (ROOTS.has(layer)) return null;
  const allowed = {
    core: [],
    util: ['core'],
    store: ['core', 'util'],
    app: ['core', 'util'],
    sources: ['core', 'util'],
    notifiers: ['core', 'util'],
    mirrors: ['core', 'util'],
    config: ['core', 'util'],
    web: ['app', 'config', 'core', 'util'],
  }[layer];
  if (allowed === undefined) return null;
  if (allowed.includes(target)) return null;
  if (layer === 'config' && PLUGIN_CATEGORIES.has(target) && importeeParts[importeeParts.length - 1] === 'config.ts') return null;
  if (layer === 'web' && importerParts.join('/') === 'web/server.ts') return null;
  return `${describe(importerParts)} may not import ${describe(importeeParts)}: ${layer}/ may import only ${allowed.length ? allowed.join('/, ') + '/' : 'its own folder'} (DESIGN.md §3)`;
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the module layout and import direction of DESIGN.md §3' },
    schema: [{ type: 'object', properties: { srcDir: { type: 'string' } }, additionalProperties: false }],
  },
  create(context) {
    const srcDir = path.resolve(context.options[0]?.srcDir ?? 'src');
    const file = context.filename;
    const importerParts = srcRelative(file, srcDir);
    if (importerParts === null || /\.test\.ts$/.test(file)) return {};
    function check(node, spec) {
      if (typeof spec !== 'string') return;
      let importeeParts = null;
      if (spec.startsWith('.')) {
        const resolved = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
        importeeParts = srcRelative(resolved, srcDir);
        if (importeeParts === null) {
          context.report({ node, message: `${describe(importerParts)} imports "${spec}" from outside src/` });
          return;
        }
      }
      const message = checkImport(importerParts, spec, importeeParts);
      if (message) context.report({ node, message });
    }
    return {
      ImportDeclaration(node) { check(node, node.source.value); },
      ExportNamedDeclaration(node) { if (node.source) check(node, node.source.value); },
      ExportAllDeclaration(node) { check(node, node.source.value); },
      ImportExpression(node) { if (node.source.type === 'Literal') check(node, node.source.value); },
    };
  },
};

export default { rules: { layers: layersRule } };

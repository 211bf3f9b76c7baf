// Where this package's own files are (schema/, deploy/, .firebreak/): the root of a checkout,
// or of the installed package. Run from source (tsx, in a checkout) this file is
// src/domain/pipeline/package-root.ts; compiled (`npm run build`, the installed package) it is
// dist/src/domain/pipeline/package-root.js, one folder deeper.
import { fileURLToPath } from 'node:url';

const compiled = !import.meta.url.endsWith('.ts');

export const PACKAGE_ROOT = fileURLToPath(new URL(compiled ? '../../../../' : '../../../', import.meta.url));

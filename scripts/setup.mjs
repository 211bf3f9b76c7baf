// `node scripts/setup.mjs [--postgres-stack]`: installs and checks the programs the stack needs,
// then writes .firebreak/tools.json. Plain Node (no dependencies): it runs before `npm ci`.
// The work is src/local/setup.mjs.
import '../src/local/setup.mjs';

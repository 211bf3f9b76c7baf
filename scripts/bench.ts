// `npm run bench [-- --json FILE]`: speed and memory, measured. The bench itself is
// src/local/bench/main.ts (what it measures and its environment variables are described there).
import '../src/local/bench/main.js';

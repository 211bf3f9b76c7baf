// `npm run judge-eval`: peer judgement measured against labelled soaks on the simulator. The
// evaluation itself is src/local/judge-eval.ts (its options are described there).
import '../src/local/judge-eval.js';

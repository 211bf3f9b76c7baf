import { runSoakLadder } from './soak-ladder.js';
const sizes = (process.env.SIZES ?? '10').split(',').map(Number);
const r0 = await runSoakLadder({ paused: Number(process.env.PAUSED ?? 0), pausedCache: 100, regionsPerDeploy: (process.env.R ?? '10').split(',').map(Number), sizes, workers: Number(process.env.W ?? 1), soakS: Number(process.env.SOAK ?? 60), intervalS: 5, failAfter: 2, minSamples: 10, seed: 1, log: console.log });
const r = r0.ladder; console.log(JSON.stringify(r0.paused)); console.log(JSON.stringify(r.map(p => ({...p, detection: {...p.detection}})), null, 1));
process.exit(0);

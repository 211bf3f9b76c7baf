// `npm run plot-docs`: redraws every plot in docs/ from its numbers, docs/data/NAME.json to
// docs/NAME.svg. judge-eval and `bench --plot` write both; this redraws after a change to
// src/local/chart.ts, or to a data file.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lineChartSvg, type Chart } from '../src/local/chart.js';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
for (const file of readdirSync(`${DOCS}data`).filter((f) => f.endsWith('.json')).sort()) {
  const chart = JSON.parse(readFileSync(`${DOCS}data/${file}`, 'utf8')) as Chart;
  const svg = `docs/${file.replace(/\.json$/, '.svg')}`;
  writeFileSync(`${DOCS}../${svg}`, `${await lineChartSvg(chart)}\n`);
  console.log(`docs/data/${file} -> ${svg}`);
}

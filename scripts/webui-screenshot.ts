// Regenerates docs/webui-deploy.png: a twelve-region deploy paused at its third, as the Temporal
// Web UI shows it at 1500x1200 (the work is in src/local/webui.ts).
//   npx tsx scripts/webui-screenshot.ts [out.png]
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { REPO_ROOT } from '../src/local/tools.js';
import { screenshotDeploy } from '../src/local/webui.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const out: string = process.argv[2] ?? join(REPO_ROOT, 'docs', 'webui-deploy.png');
const { panel, rows } = await screenshotDeploy(out);
const last = rows[rows.length - 1].box;
console.log(`${out}: ${rows.length} region rows, the last ending ${Math.round(panel.y + panel.height - last.y - last.height)} px above the panel's ${Math.round(panel.height)} px edge`);

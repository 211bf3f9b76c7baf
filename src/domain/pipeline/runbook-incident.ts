// The runbook's incident sections: freeze the line, and ship a fix through the hotfix lane.
// Every command alone in its ```sh block, with this service's names, ready to paste.
import { formatDuration, parseDuration } from './duration.js';
import { hotfixSoakMs } from './hotfix.js';
import type { Plan } from './plan.js';
import type { Pipeline } from './schema.js';

const sh = (command: string) => `\`\`\`sh\n${command}\n\`\`\``;

export function freezeSection(svc: string, by: string): string[] {
  return [
    '## Freeze',
    '',
    `Stops the line for ${svc} (or, with \`--all\`, every service): a deploy under way finishes the soak it is in`,
    'and holds at its next gate (nothing rolled back); one started during the freeze touches no region;',
    '`approve` is refused while frozen. Held deploys go on by themselves after `unfreeze` or at `--until`.',
    '`deploy --wait` exits 6 while frozen.',
    '',
    sh(`firebreak freeze ${svc} --reason "incident: stop the line" --by ${by}`),
    '',
    sh(`firebreak freeze --all --reason "incident: stop the line" --until 4h --by ${by}`),
    '',
    sh('firebreak freeze --list'),
    '',
    sh(`firebreak unfreeze ${svc} --reason "incident resolved" --by ${by}`),
    '',
    'The fix for the incident passes the freeze, recorded with its reason:',
    '',
    sh(`firebreak deploy ${svc}.yaml --version <fix-version> --override-freeze --reason "fix for the incident" --by ${by}`),
    '',
  ];
}

export function hotfixSection(pipeline: Pipeline, p: Plan, svc: string, by: string): string[] {
  const h = pipeline.hotfix;
  const floorMs = h?.minSoak === undefined ? undefined : parseDuration(h.minSoak);
  const lane =
    h && floorMs
      ? [
          `This pipeline's hotfix lane scales every soak by ${h.soakScale}, never below ${h.minSoak}${h.manualGates ? ', and every gate waits for an approval' : ''}:`,
          '',
          '| stage | region | soak | hotfix soak |',
          '| --- | --- | --- | --- |',
          ...p.stages.flatMap((s) => s.regions.map((r) => `| ${s.index + 1} | ${r.name} | ${formatDuration(r.soakMs)} | ${formatDuration(hotfixSoakMs(r.soakMs, h.soakScale, floorMs))} |`)),
          '',
          'The order, the checks and automatic rollback are as for any deploy.',
        ]
      : ['This pipeline has no hotfix lane with a floor, so `deploy --hotfix` is refused: add `hotfix: {soakScale: 0.25, minSoak: 5m}` to the pipeline before you need it.'];
  return [
    '## Hotfix',
    '',
    ...lane,
    '',
    sh(`firebreak deploy ${svc}.yaml --version <fix-version> --hotfix --reason "fix for the incident" --by ${by} --wait`),
    '',
  ];
}

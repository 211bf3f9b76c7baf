// The runbook's "Roll back a finished deploy" section (src/domain/pipeline/runbook.ts): the
// fast way back after a deploy, and the release of the hold it keeps on the train.

const sh = (command: string) => `\`\`\`sh\n${command}\n\`\`\``;

export function rollBackSection(service: string, by: string): string[] {
  return [
    '## Roll back a finished deploy',
    '',
    `A version promoted everywhere that turns out bad later goes back fast: every region of ${service} to the version it ran`,
    'before the last deploy (or `--to V`), all at once, with no soak and no deploy window. A deploy still running is aborted first.',
    'The checks are read once per region and reported; they do not gate. `--wait` exits 0 when every region is back,',
    '1 when a region could not go back (it is named with its reason; the others still went back).',
    '',
    sh(`firebreak rollback ${service} --reason "bad release" --by ${by} --wait`),
    '',
    `The rollback is the workflow \`rollback-${service}\`; it shows in \`firebreak list\` and the Web UI:`,
    '',
    sh(`firebreak status rollback-${service}`),
    '',
    `Then it holds the train: no queued or new version of ${service} touches a region (a deploy started now waits, paused)`,
    'until someone releases it, once the fix is ready:',
    '',
    sh(`firebreak release ${service} --reason "fix ready" --by ${by}`),
    '',
  ];
}

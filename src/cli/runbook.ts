// `firebreak runbook FILE`: this pipeline's pause-and-resume runbook, in Markdown.
import { loadPipelineFile } from '../domain/pipeline/load.js';
import { runbookMarkdown } from '../domain/pipeline/runbook.js';

export async function runbookCommand(file: string): Promise<void> {
  const loaded = loadPipelineFile(file);
  process.stdout.write(runbookMarkdown(loaded, { taskQueue: process.env.FIREBREAK_TASK_QUEUE }));
}

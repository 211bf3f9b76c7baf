// The simulator sizes each region's traffic by its customers; a pipeline file already says
// how many, so `firebreak sim --pipeline FILE` reuses them (one source of truth).
import { loadPipelineFile } from '../../domain/pipeline/load.js';

/** Region name → customers, from a pipeline file. Throws PipelineError on an invalid file. */
export function customersFromPipeline(file: string): Record<string, number> {
  const { pipeline } = loadPipelineFile(file);
  return Object.fromEntries(pipeline.regions.map((r) => [r.name, r.customers]));
}

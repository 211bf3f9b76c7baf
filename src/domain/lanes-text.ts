// One line each for a hotfix and for a freeze holding a deploy, as the status header, the Web UI
// details and `list` show them. Pure.
import { formatDuration } from './pipeline/duration.js';

export function hotfixText(h: { reason: string; soakScale: number; minSoakMs: number; manualGates: boolean }): string {
  return `HOTFIX: ${h.reason} (soaks ×${h.soakScale}, never below ${formatDuration(h.minSoakMs)}${h.manualGates ? ', every gate manual' : ''})`;
}

export function frozenText(f: { scope: string; reason: string; by?: string; until?: string; at: string }): string {
  const what = f.scope === '*' ? 'every service' : f.scope;
  return `FROZEN at ${f.at}: ${what} frozen${f.by ? ` by ${f.by}` : ''}${f.until ? ` until ${f.until}` : ''}: ${f.reason}; goes on by itself after unfreeze`;
}

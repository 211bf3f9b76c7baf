// A minimal JSON path reader: `$`, `$.a.b`, `$.items[0].state`, `$["dotted.key"]`. Enough for
// http checks (`$.ok`) and the http adapter's status (`$.state`, `$.version`), without pulling
// in a full JSONPath engine whose filters and wildcards would return lists we cannot judge.

export type PathSegment = string | number;

const SEGMENT = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[(?:"([^"]*)"|'([^']*)')\]/y;

/** The segments of a path, or a thrown Error naming the path when it is not one we read. */
export function parseJsonPath(path: string): PathSegment[] {
  if (!path.startsWith('$')) throw new Error(`not a JSON path (must start with $): ${path}`);
  const segments: PathSegment[] = [];
  let at = 1;
  while (at < path.length) {
    SEGMENT.lastIndex = at;
    const m = SEGMENT.exec(path);
    if (!m) throw new Error(`not a JSON path we can read at column ${at + 1}: ${path} (write it like $.a.b[0])`);
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push(m[3] ?? m[4]);
    at = SEGMENT.lastIndex;
  }
  return segments;
}

/** The value at `path` in `doc`, or undefined when any step of the path is missing. */
export function readJsonPath(doc: unknown, path: string): unknown {
  let value: unknown = doc;
  for (const segment of parseJsonPath(path)) {
    if (typeof segment === 'number') {
      if (!Array.isArray(value) || segment >= value.length) return undefined;
      value = value[segment];
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      if (!Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
      value = (value as Record<string, unknown>)[segment];
    }
  }
  return value;
}

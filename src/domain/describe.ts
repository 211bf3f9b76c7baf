// An error in words, for reasons people read: the watch's, the judge's and every activity's.
/** An error's message with its causes (a wrapped error may hide the reason, e.g. ECONNREFUSED, in `cause`). */
export function describe(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      const text = e.message || e.name;
      if (!parts.some((p) => p.includes(text))) parts.push(typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(': ');
}

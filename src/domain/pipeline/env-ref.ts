// `${VAR}` in a pipeline: a value read from the worker's environment (a secret), resolved in
// activities only, so it never enters workflow history. The one definition of its syntax.

/** `${NAME}`; the name in group 1. Global: use with replace() or matchAll(), which reset it. */
export const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The variable names a string refers to, in order. */
export function envRefNames(s: string): string[] {
  return [...s.matchAll(ENV_REF)].map((m) => m[1]);
}

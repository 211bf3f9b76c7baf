// The freeze workflow's one clock (it has no DeployState): every time it compares or records.
export function freezeNow(): Date {
  return new Date();
}

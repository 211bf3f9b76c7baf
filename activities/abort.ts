// A time limit for one request, tied to the activity's cancellation. Not AbortSignal.any with
// AbortSignal.timeout: on Node 20 the combined signal can be garbage-collected before the
// timeout fires, and a request to a server that never answers then hangs forever (measured:
// a fetch to a silent server under that signal was still pending after 20 s). Here the timer
// holds the controller, so the limit always fires.
export function timeLimit(ms: number, parent?: AbortSignal): AbortSignal {
  const controller = new AbortController();
  if (parent?.aborted) {
    controller.abort(parent.reason);
    return controller.signal;
  }
  const onParentAbort = () => {
    clearTimeout(timer);
    controller.abort(parent!.reason);
  };
  const timer = setTimeout(() => {
    parent?.removeEventListener('abort', onParentAbort);
    controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
  }, ms);
  // A request that answered leaves the timer pending: it must not keep a stopping process
  // alive for up to `ms` (seen: `firebreak dev` lingering 26 s after a stop mid-soak).
  timer.unref();
  parent?.addEventListener('abort', onParentAbort, { once: true });
  return controller.signal;
}

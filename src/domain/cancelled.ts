// The failure an activity rejects with once its cancellation signal fired: the SDK's own
// CancelledFailure when that is the reason, so Temporal sees a cancellation, not an error.
import { CancelledFailure } from '@temporalio/common';

export function cancelled(signal: AbortSignal, what: string): CancelledFailure {
  return signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure(`${what} cancelled`);
}

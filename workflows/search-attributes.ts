// Firebreak's search attributes (docs/temporal.md), typed once for the workflow, the client and the server.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FirebreakService = defineSearchAttributeKey('FirebreakService', SearchAttributeType.KEYWORD);
export const FirebreakVersion = defineSearchAttributeKey('FirebreakVersion', SearchAttributeType.KEYWORD);
export const FirebreakPhase = defineSearchAttributeKey('FirebreakPhase', SearchAttributeType.KEYWORD);
export const FirebreakRegion = defineSearchAttributeKey('FirebreakRegion', SearchAttributeType.KEYWORD);
export const FirebreakOwner = defineSearchAttributeKey('FirebreakOwner', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [FirebreakService, FirebreakVersion, FirebreakPhase, FirebreakRegion, FirebreakOwner];

import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes our workflows set; registered when the dev server starts (and ensured on other servers). */
export const JOB_ID = defineSearchAttributeKey('SmallpondJobId', SearchAttributeType.KEYWORD);
export const JOB_KIND = defineSearchAttributeKey('SmallpondKind', SearchAttributeType.KEYWORD);
export const JOB_STATUS = defineSearchAttributeKey('SmallpondStatus', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [
  { name: JOB_ID.name, type: 'Keyword' },
  { name: JOB_KIND.name, type: 'Keyword' },
  { name: JOB_STATUS.name, type: 'Keyword' },
] as const;

export type JobStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/**
 * Whether prompts and answers may go on spans (OTEL_RECORD_CONTENT). Off by default: a
 * trace backend is often read by more people than the jobs' data should be.
 */
let recordContent = false;

export function setRecordContent(on: boolean): void {
  recordContent = on;
}

export function contentRecorded(): boolean {
  return recordContent;
}

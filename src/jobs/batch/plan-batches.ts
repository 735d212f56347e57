/**
 * Which waiting lines go into batch files now: a pure function of the lines, the clock and the
 * limits, tested directly. Lines are grouped by model (a batch holds one model). A model's
 * lines are sent once none has joined them for `gatherWaitMs` (a burst of submissions is
 * complete), once the oldest has waited ten times that, or as soon as they fill a file; they
 * go into as few files as the limits allow, oldest first. A line past its job's deadline is
 * never sent: its job makes the call at once.
 */
export interface WaitingLine {
  _id: string;
  jobId: string;
  key: string;
  attempt: number;
  tries: number;
  model: string;
  bytes: number;
  createdAt: Date;
  deadline: Date | null;
}

export interface PlanLimits {
  gatherWaitMs: number;
  maxLines: number;
  maxBytes: number;
}

export interface BatchPlan<L extends WaitingLine> {
  /** One entry per batch file: its model and its lines, oldest first. */
  files: Array<{ model: string; lines: L[] }>;
  /** Lines whose job's deadline passed: not sent. */
  late: L[];
}

/** The longest wait, in gather windows, of a model's oldest line while more keep joining. */
export const MAX_GATHER_WINDOWS = 10;

export function planBatches<L extends WaitingLine>(lines: readonly L[], now: Date, limits: PlanLimits): BatchPlan<L> {
  const late: L[] = [];
  const byModel = new Map<string, L[]>();
  for (const line of lines) {
    if (line.deadline && line.deadline.getTime() <= now.getTime()) late.push(line);
    else byModel.set(line.model, [...(byModel.get(line.model) ?? []), line]);
  }
  const files: BatchPlan<L>['files'] = [];
  for (const [model, waiting] of [...byModel.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const sorted = [...waiting].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a._id < b._id ? -1 : 1));
    const chunks = fill(sorted, limits);
    const oldest = sorted[0]!.createdAt.getTime();
    const newest = sorted[sorted.length - 1]!.createdAt.getTime();
    const ready = now.getTime() - newest >= limits.gatherWaitMs || now.getTime() - oldest >= MAX_GATHER_WINDOWS * limits.gatherWaitMs;
    // Not ready: only full files go (every one but the last was cut because it was full); the last waits unless it is full.
    const sent = ready || chunks[chunks.length - 1]!.length >= limits.maxLines ? chunks : chunks.slice(0, -1);
    for (const chunk of sent) files.push({ model, lines: chunk });
  }
  return { files, late };
}

/** Lines in order into files of at most maxLines lines and maxBytes bytes (a line larger than maxBytes alone fills one). */
function fill<L extends WaitingLine>(lines: L[], limits: PlanLimits): L[][] {
  const chunks: L[][] = [];
  let current: L[] = [];
  let bytes = 0;
  for (const line of lines) {
    if (current.length > 0 && (current.length >= limits.maxLines || bytes + line.bytes > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += line.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

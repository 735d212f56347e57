/**
 * The job kinds this deployment runs, by name: the built-in ones (one pipeline file per kind)
 * and the operator's own from JOB_KINDS_MODULE (kinds-module.ts).
 */
import { chainPipeline } from './chain.pipeline.js';
import { documentAnalyzePipeline } from './document-analyze.pipeline.js';
import type { Pipeline } from './kind.js';

export class JobKinds {
  private readonly byName: Map<string, Pipeline<never>>;

  constructor(pipelines: ReadonlyArray<Pipeline<never>>) {
    this.byName = new Map(pipelines.map((p) => [p.kind, p]));
  }

  get(kind: string): Pipeline<unknown> | undefined {
    return this.byName.get(kind) as Pipeline<unknown> | undefined;
  }

  all(): Pipeline<unknown>[] {
    return [...this.byName.values()] as Pipeline<unknown>[];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** The kinds every deployment runs; an operator's kind may not take one of these names. */
export const builtInPipelines = (): Pipeline<unknown>[] => [documentAnalyzePipeline, chainPipeline] as unknown as Pipeline<unknown>[];

export const defaultJobKinds = (): JobKinds => new JobKinds(builtInPipelines() as Pipeline<never>[]);

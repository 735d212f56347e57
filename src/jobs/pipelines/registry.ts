/** The job kinds this deployment runs, by name. One pipeline file per kind. */
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

export const defaultJobKinds = (): JobKinds =>
  new JobKinds([documentAnalyzePipeline, chainPipeline] as unknown as Pipeline<never>[]);

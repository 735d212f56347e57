/**
 * The job kinds this deployment runs, by name: the built-in ones (one pipeline file per kind)
 * and the operator's own from JOB_KINDS_MODULE (kinds-module.ts), with the tools registered
 * for the `agent` kind (a kinds module's and MCP servers').
 */
import { ToolRegistry } from '../agents/index.js';
import { agentPipeline } from './agent.pipeline.js';
import { chainPipeline } from './chain.pipeline.js';
import { documentAnalyzePipeline } from './document-analyze.pipeline.js';
import type { Pipeline } from './kind.js';

export class JobKinds {
  private readonly byName: Map<string, Pipeline<never>>;

  /** `tools`: what the `agent` kind offers; the registry owns its MCP connections. */
  constructor(
    pipelines: ReadonlyArray<Pipeline<never>>,
    readonly tools: ToolRegistry = ToolRegistry.empty(),
  ) {
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

  /** Closes the tools' MCP connections (at shutdown, after the worker has drained). */
  close(): Promise<void> {
    return this.tools.close();
  }
}

/** The kinds every deployment runs; an operator's kind may not take one of these names. */
export const builtInPipelines = (tools: ToolRegistry): Pipeline<unknown>[] =>
  [documentAnalyzePipeline, chainPipeline, agentPipeline(tools)] as unknown as Pipeline<unknown>[];

/** The built-in kinds alone (the `agent` kind with no tools registered), for tests and tools that run no kinds module. */
export const defaultJobKinds = (): JobKinds => {
  const tools = ToolRegistry.empty();
  return new JobKinds(builtInPipelines(tools) as Pipeline<never>[], tools);
};

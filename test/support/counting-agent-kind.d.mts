import type { Pipeline } from '../../src/jobs/pipelines/kind.js';

export declare const countingAgentKind: Pipeline<{ prompt: string }>;

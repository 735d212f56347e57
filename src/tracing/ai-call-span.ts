/**
 * The span of one AI call a step makes ("chat <model>", kind CLIENT), with the GenAI
 * semantic convention attributes, the cost, and whether a checkpointed answer was reused
 * (no call made, nothing paid). No prompt or answer text unless OTEL_RECORD_CONTENT=true.
 */
import { SpanKind, type Span } from '@opentelemetry/api';
import { contentRecorded } from './content.js';
import * as A from './genai-attributes.js';
import { inSpan } from './spans.js';

export interface AiCallInfo {
  jobId: string;
  step: string;
  /** The call's checkpoint key within the step. */
  call: string;
  provider: string;
}

export interface AiCallRequest {
  model: string;
  temperature?: number;
  maxTokens?: number;
  messages: ReadonlyArray<{ role: string; content: string }>;
}

export interface AiCallAnswer {
  model: string;
  text: string;
  inputTokens: number;
  outputTokens: number;
  finishReason?: string | null;
  costUsd: number | null;
  attempts: number;
}

/** What the step context tells the span as the call goes. */
export interface AiCallSpan {
  reused(model: string): void;
  request(req: AiCallRequest): void;
  answered(answer: AiCallAnswer): void;
}

export function traceAiCall<T>(info: AiCallInfo, work: (span: AiCallSpan) => Promise<T>): Promise<T> {
  const attributes = {
    [A.GEN_AI_OPERATION_NAME]: 'chat',
    [A.GEN_AI_PROVIDER_NAME]: info.provider,
    [A.AI_JOBS_JOB_ID]: info.jobId,
    [A.AI_JOBS_STEP]: info.step,
    [A.AI_JOBS_CALL]: info.call,
    [A.AI_JOBS_CHECKPOINT_HIT]: false,
  };
  return inSpan('chat', { kind: SpanKind.CLIENT, attributes }, (span) => work(adapter(span)));
}

function adapter(span: Span): AiCallSpan {
  return {
    reused(model) {
      span.updateName(`chat ${model}`);
      span.setAttributes({ [A.AI_JOBS_CHECKPOINT_HIT]: true, [A.GEN_AI_RESPONSE_MODEL]: model, [A.AI_JOBS_COST_USD]: 0 });
    },
    request(req) {
      span.updateName(`chat ${req.model}`);
      span.setAttribute(A.GEN_AI_REQUEST_MODEL, req.model);
      if (req.temperature !== undefined) span.setAttribute(A.GEN_AI_REQUEST_TEMPERATURE, req.temperature);
      if (req.maxTokens !== undefined) span.setAttribute(A.GEN_AI_REQUEST_MAX_TOKENS, req.maxTokens);
      if (contentRecorded()) {
        const messages = req.messages.map((m) => ({ role: m.role, parts: [{ type: 'text', content: m.content }] }));
        span.setAttribute(A.GEN_AI_INPUT_MESSAGES, JSON.stringify(messages));
      }
    },
    answered(answer) {
      span.setAttributes({
        [A.GEN_AI_RESPONSE_MODEL]: answer.model,
        [A.GEN_AI_USAGE_INPUT_TOKENS]: answer.inputTokens,
        [A.GEN_AI_USAGE_OUTPUT_TOKENS]: answer.outputTokens,
        [A.AI_JOBS_CALL_ATTEMPTS]: answer.attempts,
      });
      if (answer.finishReason) span.setAttribute(A.GEN_AI_RESPONSE_FINISH_REASONS, [answer.finishReason]);
      // A model without a price has no cost: the attribute is left out rather than a wrong 0.
      if (answer.costUsd !== null) span.setAttribute(A.AI_JOBS_COST_USD, answer.costUsd);
      if (contentRecorded()) {
        const output = [{ role: 'assistant', parts: [{ type: 'text', content: answer.text }], finish_reason: answer.finishReason ?? null }];
        span.setAttribute(A.GEN_AI_OUTPUT_MESSAGES, JSON.stringify(output));
      }
    },
  };
}

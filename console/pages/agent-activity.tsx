/**
 * An agent job's turns and tool calls, from the `agent` activity its STEP_PROGRESS events
 * carry (JobEvent.agent): per model turn, how long the model took and, for each tool it
 * called, the tool's name, arguments, result or error, and duration. It grows live as the
 * job page's event watch delivers; a resumed run reports no replayed turn, so none shows twice.
 */
import type { JobEvent } from '../../client/index.js';
import { Section } from '../ui/bits.js';
import { duration, Time } from '../ui/time.js';

export interface AgentActivity {
  agent: string;
  turn: number;
  phase: 'turn' | 'tool';
  tool: string | null;
  arguments: unknown;
  result: unknown;
  error: string | null;
  durationMs: number | null;
}

export type AgentJobEvent = JobEvent & { agent?: AgentActivity | null };

/** The selection the job page adds to its event watch. */
export const AGENT_ACTIVITY_FIELDS = 'agent { agent turn phase tool arguments result error durationMs }';

interface Turn {
  key: string;
  step: string;
  agent: string;
  turn: number;
  answered: AgentJobEvent | undefined;
  calls: AgentJobEvent[];
}

function turnsOf(events: readonly AgentJobEvent[]): Turn[] {
  const turns = new Map<string, Turn>();
  for (const e of events) {
    if (!e.agent) continue;
    const step = e.step?.name ?? '';
    const key = `${step}/${e.agent.agent}/${e.agent.turn}`;
    let t = turns.get(key);
    if (!t) turns.set(key, (t = { key, step, agent: e.agent.agent, turn: e.agent.turn, answered: undefined, calls: [] }));
    if (e.agent.phase === 'turn') t.answered = e;
    else t.calls.push(e);
  }
  return [...turns.values()];
}

/** Short JSON inline; a long value opens to the whole of it. */
function JsonCell({ value }: { value: unknown }) {
  const text = JSON.stringify(value) ?? 'null';
  if (text.length <= 120) return <code>{text}</code>;
  return (
    <details>
      <summary>
        <code>{text.slice(0, 100)}…</code>
      </summary>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

export function AgentActivityList({ events }: { events: readonly AgentJobEvent[] }) {
  const turns = turnsOf(events);
  if (turns.length === 0) return null;
  // Name the step and agent only when the job runs more than one agent.
  const several = new Set(turns.map((t) => `${t.step}/${t.agent}`)).size > 1;
  return (
    <Section title="Agent">
      <ol class="timeline agent" data-testid="agent-activity">
        {turns.map((t) => (
          <li key={t.key} data-turn={t.turn}>
            <div class="row">
              <strong>Turn {t.turn}</strong>
              {several ? (
                <span class="muted">
                  {t.step} · {t.agent}
                </span>
              ) : null}
              {t.answered ? (
                <span class="muted">
                  model {duration(t.answered.agent!.durationMs)} · <Time iso={t.answered.at} />
                </span>
              ) : null}
              {t.answered && t.calls.length === 0 ? <span>answered</span> : null}
            </div>
            {t.calls.length > 0 ? (
              <div class="table-wrap">
                <table class="agent-calls">
                  <thead>
                    <tr>
                      <th>Tool</th>
                      <th>Arguments</th>
                      <th>Result</th>
                      <th>Took</th>
                      <th class="wide">At</th>
                    </tr>
                  </thead>
                  <tbody>
                    {t.calls.map((c) => (
                      <tr key={c.id} data-tool={c.agent!.tool}>
                        <td class="mono">{c.agent!.tool}</td>
                        <td>
                          <JsonCell value={c.agent!.arguments} />
                        </td>
                        <td>{c.agent!.error ? <span class="field-error">{c.agent!.error}</span> : <JsonCell value={c.agent!.result} />}</td>
                        <td>{duration(c.agent!.durationMs)}</td>
                        <td class="wide">
                          <Time iso={c.at} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </li>
        ))}
      </ol>
    </Section>
  );
}

/** Why an agent run stopped short: its turns ran out, or its tools were defined wrongly. */

/** The model still called tools on the last allowed turn. Not retried: another attempt would run as far. */
export class AgentMaxTurnsError extends Error {
  override readonly name = 'AgentMaxTurnsError';
}

/** A bug in the step that defines the agent (a tool without a name, a schema Ajv rejects, …). Not retried. */
export class AgentDefinitionError extends Error {
  override readonly name = 'AgentDefinitionError';
}

// Errors of the agent's own making (bad options, a host it cannot read), as values with codes.
// Placement's refusals are PlacementError (placement-client.ts), carrying Placement's own code.

export const AgentCode = {
  /** A `--physnet` option that is not `pf=name`, or names something that is not a physnet. */
  badPhysnet: 'vfnet.agent.bad_physnet',
  /** Host facts (hostname, CPUs, memory, disk) could not be read or make no sense. */
  badHostFacts: 'vfnet.agent.bad_host_facts',
  /** A command-line value that is not what the option takes. */
  badOption: 'vfnet.agent.bad_option',
} as const;
export type AgentCodeValue = (typeof AgentCode)[keyof typeof AgentCode];

export class AgentError extends Error {
  constructor(
    readonly code: AgentCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

import { parameterCounts, registerAttentionLayer } from '@tost/attention';
import { AgentAttention, DEFAULT_AGENTS, type AgentAttentionOptions } from './agent-attention.js';

/** Name under which `createAttention` builds an AgentAttention. */
export const AGENT_ATTENTION_NAME = 'agent';

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    agent: AgentAttentionOptions;
  }
}

registerAttentionLayer(AGENT_ATTENTION_NAME, AgentAttention, {
  description:
    'Agent Attention: softmax through n_a pooled agent tokens per head (aggregate, then broadcast), O(N·n_a)',
  family: 'agent',
  paper: {
    title: 'Agent Attention: On the Integration of Softmax and Linear Attention',
    arxiv: '2312.08874',
    citation: 'Han et al., ECCV 2024',
  },
  options: {
    agents: {
      type: 'integer',
      greaterThan: 0,
      default: DEFAULT_AGENTS,
      description: 'agent tokens per head, pooled from the queries (cost O(N·agents·p))',
    },
  },
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 3, useBias),
});

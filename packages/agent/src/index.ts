export { AgentAttention, DEFAULT_AGENTS, type AgentAttentionOptions } from './agent-attention.js';
export { agentAttention, type AgentAttentionResult } from './agent-attention-core.js';
export { agentPoolingMatrix, agentSegment } from './agent-pooling.js';
export { AGENT_ATTENTION_NAME } from './register.js';

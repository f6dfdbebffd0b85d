import { createMetricsRegistry } from '../../core/http/metrics.js';
import { createService, listen, type Service } from '../../core/http/service.js';
import type { Logger } from '../../core/logger.js';
import { Agent } from '../agent.js';
import type { AgentConfig } from '../config.js';
import { agentRoutes } from './agent-app.js';
import { agentMetrics } from './agent-metrics.js';

/** The agent daemon built and ready to listen. */
export interface AgentDaemon {
  app: Service;
  agent: Agent;
  start(): Promise<string>;
  close(): Promise<void>;
}

/** Build the daemon: the local API on 127.0.0.1 and the agent behind it, seeding what it holds. */
export async function buildAgentDaemon(config: AgentConfig, logger: Logger): Promise<AgentDaemon> {
  const agent = new Agent(config, logger.child({ service: 'agent' }));
  const metrics = createMetricsRegistry('agent');
  const app = createService({ name: 'agent', logger, metrics, health: async () => ({ held: (await agent.cache.held()).length, seeding: agent.seeding().length }) });
  await app.register(agentRoutes, { agent, metrics: agentMetrics(metrics, agent) });
  return {
    app,
    agent,
    async start() {
      const { url } = await listen(app, config.host, config.port);
      await (await agent.swarm()).ready();
      await agent.seedHeld();
      return url;
    },
    async close() {
      await app.close();
      await agent.close();
    },
  };
}

import { Agent } from '../../src/agent-peer/agent.js';
import { resolveAgentConfig } from '../../src/agent-peer/config.js';
import { testLogger } from './logger.js';
import { tempDir } from './temp-dir.js';

/** An in-process host agent with its own cache dir and swarm client. */
export interface TestAgent {
  agent: Agent;
  dir: string;
  close(): Promise<void>;
}

/** An agent that knows one registry (the front door) with a token. */
export function startTestAgent(registryUrl: string, token: string | undefined, overrides: Record<string, unknown> = {}): TestAgent {
  const dir = tempDir('glance-p2p-agent-');
  const config = resolveAgentConfig({
    data_dir: dir.path,
    registries: [{ name: 'local', url: registryUrl, ...(token ? { token } : {}) }],
    fallback_after_s: 3,
    slow_for_s: 3,
    ...overrides,
  });
  const agent = new Agent(config, testLogger());
  return {
    agent,
    dir: dir.path,
    async close() {
      await agent.close();
      dir.remove();
    },
  };
}

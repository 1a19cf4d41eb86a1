import { Agent as HttpAgent, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { type NetworkSettings, proxyFor } from '@lambda-layer/core';
import { Agent as AgentBase, type AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';

/** The AWS SDK's own defaults for its agents: sockets are kept alive and reused, 50 per host. */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 50 } as const;

/**
 * An agent that decides for each connection, by its host and port, whether
 * it goes through the proxy (NO_PROXY, curl's rules: core's `proxyFor`) and
 * hands the request to the agent that makes it: a plain agent (direct), an
 * HttpProxyAgent (an http:// endpoint: absolute-URI requests to the proxy) or
 * an HttpsProxyAgent (an https:// endpoint: a CONNECT tunnel, TLS inside it).
 * Each of those keeps its own pool of kept-alive sockets. The proxy agents
 * are the maintained `http-proxy-agent` / `https-proxy-agent` (small, no
 * PAC or SOCKS machinery, Node's own TLS); the per-host choice is ours
 * because the proxy may come from --proxy rather than the environment.
 */
class RoutingAgent extends AgentBase {
  private readonly agents = new Map<string, HttpAgent>();

  constructor(
    private readonly secure: boolean,
    private readonly network: NetworkSettings,
  ) {
    super({ keepAlive: true });
  }

  // The SDK's request options carry no protocol: each instance serves one.
  override isSecureEndpoint(): boolean {
    return this.secure;
  }

  connect(_req: ClientRequest, options: AgentConnectOpts): HttpAgent {
    const protocol = this.secure ? 'https:' : 'http:';
    const proxy = proxyFor({ protocol, hostname: options.host ?? '', port: options.port }, this.network);
    const ca = this.network.caBundle?.pem;
    // The endpoint's TLS (also inside a CONNECT tunnel) is set up from the request's options: the CA goes there.
    if (this.secure && ca) (options as { ca?: string }).ca = ca;
    const key = proxy ?? 'direct';
    let agent = this.agents.get(key);
    if (!agent) {
      // `ca` also covers the TLS to an https:// proxy itself.
      const tls = ca ? { ca } : {};
      if (!proxy) agent = this.secure ? new HttpsAgent({ ...AGENT_OPTIONS, ...tls }) : new HttpAgent(AGENT_OPTIONS);
      else agent = this.secure ? new HttpsProxyAgent(proxy, { ...AGENT_OPTIONS, ...tls }) : new HttpProxyAgent(proxy, { ...AGENT_OPTIONS, ...tls });
      this.agents.set(key, agent);
    }
    return agent;
  }

  override destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    super.destroy();
  }
}

/**
 * The agents the AWS clients connect with when a proxy or a CA bundle is in
 * force; undefined otherwise (the SDK's defaults). The SDK reads neither
 * HTTPS_PROXY nor AWS_CA_BUNDLE itself.
 */
export function createNetworkAgents(network: NetworkSettings | undefined): { httpAgent: HttpAgent; httpsAgent: HttpAgent } | undefined {
  if (!network?.proxy && !network?.caBundle) return undefined;
  return { httpAgent: new RoutingAgent(false, network), httpsAgent: new RoutingAgent(true, network) };
}

import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';

import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { shownEndpoint } from '../../config/llm-models';
import type { EndpointProbe } from '../../models/model-clients';
import { ModelRegistry } from '../../models/model-registry';

// Longest wait for the endpoint's answer to the probe.
const PROBE_TIMEOUT_MS = 5000;

interface ProbeResult {
  at: number;
  /** Why the endpoint is taken as down; undefined when it answered. */
  failure?: string;
}

/** One endpoint's probe and its latest answer, cached for LLM_HEALTH_INTERVAL_MS. */
class EndpointHealth {
  private last?: ProbeResult;
  private probing?: Promise<ProbeResult>;

  constructor(
    readonly probe: EndpointProbe,
    readonly models: string[],
    private readonly intervalMs: number,
  ) {}

  latest(): Promise<ProbeResult> {
    if (this.last && Date.now() - this.last.at < this.intervalMs) {
      return Promise.resolve(this.last);
    }
    this.probing ??= ask(this.probe).then((result) => {
      this.last = result;
      this.probing = undefined;
      return result;
    });
    return this.probing;
  }
}

/**
 * Whether the models' endpoints really answer: each distinct endpoint's model listing (free, never a
 * completion), asked at most every LLM_HEALTH_INTERVAL_MS, one probe at a time per endpoint. `default`:
 * the default model's endpoint, which readiness needs; `all`: every endpoint, one that fails degrades.
 * Down while no model is configured: the server runs, but no turn can be answered.
 */
@Injectable()
export class LlmHealthIndicator {
  private readonly endpoints: EndpointHealth[];

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly models: ModelRegistry,
    @InjectAppConfig() config: AppConfig,
  ) {
    this.endpoints = models
      .endpoints()
      .map(({ probe, models: ids }) => new EndpointHealth(probe, ids, config.LLM_HEALTH_INTERVAL_MS));
  }

  async check(key: string, scope: 'default' | 'all'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const fallback = this.models.defaultModel;
    if (!fallback) {
      return indicator.down({
        message: 'No LLM configured: set LLM_MODEL or LLM_MODELS (and OPENAI_API_KEY or OPENAI_BASE_URL)',
      });
    }
    const asked = scope === 'all' ? this.endpoints : this.endpoints.filter((e) => e.models.includes(fallback.id));
    const results = await Promise.all(asked.map((endpoint) => endpoint.latest()));
    const models: Record<
      string,
      { status: 'up' | 'down'; provider: string; endpoint: string; checked_at: string; message?: string }
    > = {};
    asked.forEach((endpoint, i) => {
      for (const id of endpoint.models) {
        models[id] = {
          status: results[i].failure ? 'down' : 'up',
          provider: endpoint.probe.provider,
          endpoint: shownEndpoint(endpoint.probe.endpoint),
          checked_at: new Date(results[i].at).toISOString(),
          ...(results[i].failure ? { message: results[i].failure } : {}),
        };
      }
    });
    const own = models[fallback.id];
    const details = { model: fallback.id, endpoint: fallback.endpoint, checked_at: own.checked_at, models };
    if (own.status === 'down') {
      return indicator.down({ ...details, message: own.message });
    }
    const down = Object.keys(models).filter((id) => models[id].status === 'down');
    return down.length > 0
      ? indicator.degraded({ ...details, message: `Model endpoint(s) down: ${down.join(', ')}` })
      : indicator.up(details);
  }
}

/** Any answer but a server error or a refused key counts: some compatible servers list no models. */
async function ask(probe: EndpointProbe): Promise<ProbeResult> {
  const at = Date.now();
  try {
    const response = await fetch(probe.url, { headers: probe.headers, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    if (response.status === 401 || response.status === 403) {
      return { at, failure: `The LLM endpoint refused the API key (HTTP ${response.status})` };
    }
    return response.status >= 500 ? { at, failure: `The LLM endpoint answered HTTP ${response.status}` } : { at };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${PROBE_TIMEOUT_MS} ms`
        : (cause ?? (error as Error).message);
    return { at, failure: `The LLM endpoint is unreachable: ${why}` };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';

import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { CHAT_MODEL } from '../../react/llm.factory';
import type { ChatModelRef, LlmProbe } from '../../react/llm.factory';

// Longest wait for the endpoint's answer to the probe.
const PROBE_TIMEOUT_MS = 5000;

interface ProbeResult {
  at: number;
  /** Why the endpoint is taken as down; undefined when it answered. */
  failure?: string;
}

/**
 * Whether the LLM endpoint really answers: a model listing (free, never a completion), asked at most
 * every LLM_HEALTH_INTERVAL_MS and cached in between, one probe at a time. Down while no LLM is
 * configured: the server runs, but no turn can be answered.
 */
@Injectable()
export class LlmHealthIndicator {
  private last?: ProbeResult;
  private probing?: Promise<ProbeResult>;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(CHAT_MODEL) private readonly llm: ChatModelRef,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    if (!this.llm.model || !this.llm.probe) {
      return indicator.down({ message: 'No LLM configured: set LLM_MODEL (and OPENAI_API_KEY or OPENAI_BASE_URL)' });
    }
    const details = { model: this.llm.name ?? '', endpoint: this.llm.endpoint ?? '' };
    const result = await this.latest(this.llm.probe);
    const checked_at = new Date(result.at).toISOString();
    return result.failure
      ? indicator.down({ ...details, checked_at, message: result.failure })
      : indicator.up({ ...details, checked_at });
  }

  private latest(probe: LlmProbe): Promise<ProbeResult> {
    if (this.last && Date.now() - this.last.at < this.config.LLM_HEALTH_INTERVAL_MS) {
      return Promise.resolve(this.last);
    }
    this.probing ??= this.ask(probe).then((result) => {
      this.last = result;
      this.probing = undefined;
      return result;
    });
    return this.probing;
  }

  /** Any answer but a server error or a refused key counts: some compatible servers list no models. */
  private async ask(probe: LlmProbe): Promise<ProbeResult> {
    const at = Date.now();
    try {
      const response = await fetch(probe.url, {
        headers: probe.headers,
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
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
}

import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';

import { CHAT_MODEL } from '../../react/llm.factory';
import type { ChatModelRef } from '../../react/llm.factory';

/** Down while no LLM is configured: the server runs, but no turn can be answered. */
@Injectable()
export class LlmHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(CHAT_MODEL) private readonly llm: ChatModelRef,
  ) {}

  check(key: string): HealthIndicatorResult {
    const indicator = this.health.check(key);
    if (!this.llm.model) {
      return indicator.down({ message: 'No LLM configured: set LLM_MODEL (and OPENAI_API_KEY or OPENAI_BASE_URL)' });
    }
    return indicator.up({ model: this.llm.name ?? '', endpoint: this.llm.endpoint ?? '' });
  }
}

import { Injectable } from '@nestjs/common';
import type { AIMessage } from '@langchain/core/messages';
import { Counter, Histogram } from 'prom-client';

import type { TokenUsage } from '../contract/events';
import { METRIC_PREFIX, MetricsRegistry } from '../metrics/metrics-registry';

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The models' metrics: one observation per streamed model request, labelled by the configured model id. */
@Injectable()
export class LlmMetrics {
  readonly requestDuration: Histogram<'model'>;
  readonly timeToFirstToken: Histogram<'model'>;
  readonly tokens: Counter<'model' | 'kind'>;

  constructor(registry: MetricsRegistry) {
    this.requestDuration = new Histogram({
      name: `${METRIC_PREFIX}llm_request_duration_seconds`,
      help: 'Time from sending a model request to its last streamed chunk',
      labelNames: ['model'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.timeToFirstToken = new Histogram({
      name: `${METRIC_PREFIX}llm_time_to_first_token_seconds`,
      help: "Time from sending a model request to the model's first streamed chunk",
      labelNames: ['model'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.tokens = new Counter({
      name: `${METRIC_PREFIX}llm_tokens_total`,
      help: 'Tokens the model provider counted, by model id and kind (input, output)',
      labelNames: ['model', 'kind'],
      registers: [registry],
    });
  }

  /** Adds a reply's tokens, as the provider counted them, to the turn's usage and to the counters. */
  countTokens(model: string, reply: AIMessage, usage: TokenUsage): void {
    const counted = reply.usage_metadata;
    if (counted) {
      usage.input_tokens += counted.input_tokens;
      usage.output_tokens += counted.output_tokens;
      usage.total_tokens += counted.total_tokens;
      this.tokens.inc({ model, kind: 'input' }, counted.input_tokens);
      this.tokens.inc({ model, kind: 'output' }, counted.output_tokens);
    }
  }
}

import { tracesUrl } from './tracing.settings';
import { validateEnvironment } from './validate-environment';

describe(tracesUrl.name, () => {
  it.each([
    [{}, undefined],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' }, 'http://127.0.0.1:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/custom' }, 'http://127.0.0.1:4318/custom'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }, undefined],
  ])('should send traces for %j to %s', (env, url) => {
    expect(tracesUrl(validateEnvironment(env))).toBe(url);
  });

  it('should refuse an unknown protocol, and never echo the collector headers', () => {
    expect(() => validateEnvironment({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() =>
      validateEnvironment({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s3cret', OTEL_BSP_MAX_QUEUE_SIZE: '0' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
  });
});

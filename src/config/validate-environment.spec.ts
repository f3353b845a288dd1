import { parseClusterNodes } from './redis-cluster-nodes';
import { validateEnvironment } from './validate-environment';

describe(validateEnvironment.name, () => {
  it('should apply the documented defaults when nothing is set', () => {
    const config = validateEnvironment({});
    expect(config).toMatchObject({
      PORT: 8080,
      MCP_CONFIG: './mcp.config.json',
      REACT_MAX_ITERATIONS: 5,
      SESSION_TTL_MS: 3_600_000,
      SESSION_SWEEP_MS: 300_000,
      HEARTBEAT_MS: 30_000,
      SSE_MAX_CONNECTIONS: 50,
      RATE_LIMIT_PER_MINUTE: 30,
      CORS_ORIGINS: ['http://localhost:3000', 'http://localhost:5173'],
      LLM_MAX_RETRIES: 1,
      SESSION_STORE: 'memory',
      REDIS_KEY_PREFIX: 'mcphost:',
      TURN_LEASE_MS: 10_000,
      HOST: '127.0.0.1',
      AUTH_DISABLED: false,
      HEALTH_PUBLIC: true,
      AUTH_ADMINS: [],
      MCP_APPROVAL_DEFAULT: 'never',
      APPROVAL_TIMEOUT_MS: 300_000,
      NODE_ID: expect.stringMatching(/^[\w.-]+-\d+-[0-9a-f]{6}$/),
    });
    expect(config.LLM_MODEL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('should pick the Redis store from REDIS_CLUSTER_NODES alone, and refuse it with REDIS_URL, memory or a bad entry', () => {
    const seeds = '127.0.0.1:7000,127.0.0.1:7001,[::1]:7002';
    expect(validateEnvironment({ REDIS_CLUSTER_NODES: seeds }).SESSION_STORE).toBe('redis');
    expect(parseClusterNodes(seeds).nodes).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    // A URL's credentials and TLS apply to every node.
    expect(parseClusterNodes('rediss://app:s3cret@127.0.0.1:7000,127.0.0.1:7001')).toEqual({
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
      ],
      username: 'app',
      password: 's3cret',
      tls: true,
    });
    expect(() => validateEnvironment({ REDIS_CLUSTER_NODES: seeds, REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /REDIS_URL and REDIS_CLUSTER_NODES are both set/,
    );
    expect(() => validateEnvironment({ REDIS_CLUSTER_NODES: seeds, SESSION_STORE: 'memory' })).toThrow(
      /SESSION_STORE="memory" contradicts REDIS_CLUSTER_NODES/,
    );
    for (const bad of ['127.0.0.1', '127.0.0.1:99999', 'host:port', 'redis://a:b@127.0.0.1:7000/2', '']) {
      expect(() => validateEnvironment({ REDIS_CLUSTER_NODES: `127.0.0.1:7000,${bad}` })).toThrow(
        /REDIS_CLUSTER_NODES entry/,
      );
    }
    // Credentials never show in the error.
    expect(() => validateEnvironment({ REDIS_CLUSTER_NODES: 'redis://app:s3cret@127.0.0.1:7000/1' })).toThrow(
      /"redis:\/\/app:\*\*\*@127/,
    );
    try {
      validateEnvironment({ REDIS_CLUSTER_NODES: 'redis://app:s3cret@127.0.0.1:7000/1' });
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it('should pick the Redis store from REDIS_URL, and stop on a SESSION_STORE that contradicts it', () => {
    expect(validateEnvironment({ REDIS_URL: 'redis://127.0.0.1:6379/0' }).SESSION_STORE).toBe('redis');
    expect(validateEnvironment({ REDIS_URL: 'rediss://user:secret@redis.test:6380' }).SESSION_STORE).toBe('redis');
    expect(() => validateEnvironment({ SESSION_STORE: 'memory', REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /SESSION_STORE="memory" contradicts REDIS_URL/,
    );
    expect(() => validateEnvironment({ SESSION_STORE: 'redis' })).toThrow(/SESSION_STORE="redis" needs REDIS_URL/);
    expect(() => validateEnvironment({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(/REDIS_URL="http:/);
    // Its password never shows in the error.
    expect(() => validateEnvironment({ REDIS_URL: 'http://app:s3cret@127.0.0.1:6379' })).toThrow(
      /REDIS_URL="http:\/\/app:\*\*\*@127/,
    );
    expect(() => validateEnvironment({ REDIS_KEY_PREFIX: 'a b' })).toThrow(/REDIS_KEY_PREFIX/);
  });

  it('should parse numbers and comma-separated lists', () => {
    const config = validateEnvironment({
      PORT: '9000',
      CORS_ORIGINS: 'http://a.test, http://b.test',
      LLM_MODEL: 'openai:gpt-4o-mini',
      OPENAI_API_KEY: 'sk-test',
    });
    expect(config).toMatchObject({
      PORT: 9000,
      CORS_ORIGINS: ['http://a.test', 'http://b.test'],
      LLM_MODEL: 'openai:gpt-4o-mini',
    });
  });

  it('should name every bad variable and its value when validation fails', () => {
    const attempt = () => validateEnvironment({ PORT: 'eighty', REACT_MAX_ITERATIONS: '0', LLM_MODEL: 'gpt-4' });
    expect(attempt).toThrow(/^Invalid configuration:/);
    expect(attempt).toThrow(/PORT="eighty": .*PORT must be an integer number/);
    expect(attempt).toThrow(/REACT_MAX_ITERATIONS="0": REACT_MAX_ITERATIONS must not be less than 1/);
    expect(attempt).toThrow(/LLM_MODEL="gpt-4": LLM_MODEL must be "provider:model"/);
  });

  it('should reject an OPENAI_BASE_URL that is not an http(s) URL', () => {
    expect(() => validateEnvironment({ OPENAI_BASE_URL: 'localhost:1234' })).toThrow(/OPENAI_BASE_URL/);
  });

  it('should listen on loopback only without authentication, unless AUTH_DISABLED=true says otherwise', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      expect(validateEnvironment({ HOST: host }).HOST).toBe(host);
    }
    expect(() => validateEnvironment({ HOST: '0.0.0.0' })).toThrow(
      /HOST="0.0.0.0" with no authentication .* AUTH_DISABLED=true/,
    );
    expect(validateEnvironment({ HOST: '0.0.0.0', AUTH_DISABLED: 'true' })).toMatchObject({ AUTH_DISABLED: true });
    expect(validateEnvironment({ HOST: '0.0.0.0', AUTH_API_KEYS: 'a:0123456789abcdef' }).HOST).toBe('0.0.0.0');
    expect(() => validateEnvironment({ AUTH_DISABLED: 'yes' })).toThrow(/AUTH_DISABLED="yes"/);
  });

  it('should stop on authentication settings that contradict one another, never echoing a secret', () => {
    const jwks = { AUTH_JWKS_URL: 'https://idp.test/jwks.json' };
    expect(() => validateEnvironment(jwks)).toThrow(/AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE/);
    expect(validateEnvironment({ ...jwks, AUTH_ISSUER: 'https://idp.test/', AUTH_AUDIENCE: 'api' })).toBeDefined();
    expect(() => validateEnvironment({ ...jwks, AUTH_JWT_SECRET: 'x'.repeat(32) })).toThrow(/keep one/);
    expect(() => validateEnvironment({ AUTH_API_KEYS: 'a:b', AUTH_DISABLED: 'true' })).toThrow(
      /AUTH_DISABLED=true contradicts/,
    );
    expect(() => validateEnvironment({ AUTH_ADMIN_CLAIM: 'role=admin' })).toThrow(/AUTH_ADMIN_CLAIM needs JWTs/);
    expect(() => validateEnvironment({ AUTH_ADMIN_CLAIM: 'admin' })).toThrow(/AUTH_ADMIN_CLAIM must be claim=value/);
    const short = () => validateEnvironment({ AUTH_JWT_SECRET: 'too-short-secret' });
    expect(short).toThrow(/AUTH_JWT_SECRET=\(hidden\): AUTH_JWT_SECRET must be longer than or equal to 32 characters/);
    expect(short).not.toThrow(/too-short-secret/);
  });
});

import { Inject } from '@nestjs/common';
import { registerAs } from '@nestjs/config';

import { validateEnvironment } from './validate-environment';
import type { ResolvedEnvironment } from './validate-environment';

export type AppConfig = Readonly<ResolvedEnvironment>;

/**
 * Validated configuration, built when the app is created (not at import), from the process
 * environment plus overrides. Validation errors stop start-up with a message naming each variable.
 */
export const appConfig = (overrides: Record<string, string> = {}) =>
  registerAs('app', (): AppConfig => Object.freeze(validateEnvironment({ ...process.env, ...overrides })));

// registerAs only wraps the factory; nothing is validated until the app is created.
export const APP_CONFIG = appConfig().KEY;

/** Injects the typed, validated configuration. */
export const InjectAppConfig = (): ParameterDecorator => Inject(APP_CONFIG);

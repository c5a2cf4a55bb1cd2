import type { ApiToken, ApiUser } from '../api/context.js';
import type { RuleSet } from '../rules/compile.js';
import type { Config } from './config.js';
import { channelSecrets } from './sinks.js';

/**
 * Every secret vigil knows (API tokens, basic-auth passwords, the SMTP password, webhook signing secrets), so
 * step output can be scrubbed of them before it reaches the timeline.
 */
export function knownSecrets(options: {
  readonly tokens: readonly ApiToken[];
  readonly users?: readonly ApiUser[];
  readonly config: Config;
  readonly ruleSet: RuleSet;
  readonly env: Readonly<Record<string, string | undefined>>;
}): string[] {
  const { tokens, users = [], config, ruleSet, env } = options;
  return [
    ...tokens.map((t) => t.token),
    ...users.map((u) => u.password),
    ...(config.smtp.passwordEnv ? [env[config.smtp.passwordEnv] ?? ''] : []),
    ...channelSecrets(ruleSet.channels, env),
  ].filter((v) => v !== '');
}

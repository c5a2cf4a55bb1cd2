import { stringify } from 'yaml';
import type { NotifierPolicies } from '../../engine/notify/notifier.js';
import { RESOLVE_TIMEOUT_MS } from '../../engine/external-alerts.js';

/**
 * The receiver of alerts that no channel hears about (Alertmanager's root route needs
 * one): a receiver without integrations.
 */
export const ROOT_RECEIVER = 'vigil';

/** Every receiver name: the root one and each channel. */
export function receiverNames(policies: NotifierPolicies): string[] {
  return [ROOT_RECEIVER, ...[...policies.channels.keys()].filter((c) => c !== ROOT_RECEIVER).sort()];
}

/**
 * vigil's routing written as an Alertmanager configuration, for `GET /api/v2/status`'s
 * `config.original` (what `amtool config show` prints and `amtool config routes` draws):
 * one route per rule and channel of its first notification step (matching
 * `alertname="<rule>"`), then the default route of posted alerts
 * (`notifications.alertsChannels`). It describes vigil; vigil never reads it.
 */
export function routingConfig(policies: NotifierPolicies): string {
  const routes: Record<string, unknown>[] = [];
  for (const policy of [...policies.rules.values()].sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0))) {
    for (const channel of policy.steps[0]?.channels ?? []) {
      routes.push({ receiver: channel, matchers: [`alertname=${JSON.stringify(policy.rule)}`], continue: true });
    }
  }
  for (const channel of policies.fallbackChannels ?? []) if (policies.channels.has(channel)) routes.push({ receiver: channel, continue: true });
  const config = {
    global: { resolve_timeout: `${RESOLVE_TIMEOUT_MS / 60_000}m` },
    route: { receiver: ROOT_RECEIVER, ...(routes.length > 0 ? { routes } : {}) },
    receivers: receiverNames(policies).map((name) => ({ name })),
  };
  return `# vigil's routing in Alertmanager's terms (generated; vigil does not read it)\n${stringify(config)}`;
}

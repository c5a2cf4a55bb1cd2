import type { FastifyInstance } from 'fastify';
import type { Event } from '../../engine/model/event.js';
import type { Rejection } from '../../engine/model/source.js';
import { createHttpIntake } from '../../ingest/http-intake.js';

/** What the test's intake does with validated events: refuse some, or answer 'busy'. */
export type IntakeSubmit = (events: readonly Event[]) => readonly Rejection[] | 'busy';

/**
 * The real HTTP intake source started with a context of the test's own, so its routes can
 * be handed to `startApi({routes})` and registered inside the API context as the service does.
 */
export async function intakeRoutes(submit: IntakeSubmit, options: { maxBatch?: number } = {}): Promise<((api: FastifyInstance) => void)[]> {
  const routes: ((api: FastifyInstance) => void)[] = [];
  await createHttpIntake(options).start({
    submit: (events) => {
      const out = submit(events);
      return out === 'busy' ? 'busy' : Promise.resolve([...out]);
    },
    submitAlerts: () => {},
    selfAlert: () => {},
    now: () => Date.now(),
    log: () => {},
    counted: () => {},
    http: { add: (r) => routes.push(r) },
    signal: new AbortController().signal,
  });
  return routes;
}

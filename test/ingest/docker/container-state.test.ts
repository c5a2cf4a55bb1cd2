import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMessage, listedContainer, missedChanges, type KnownContainer } from '../../../ingest/docker/container-state.js';

const base = { Image: 'app:1', Labels: { app: 'web' } };

function listed(id: string, state: string, status = 'Up 1 second'): KnownContainer {
  return listedContainer({ ...base, Id: id, Names: [`/${id}`], State: state, Status: status })!;
}

test('a listing entry: name without the slash, running or not, health from the status text', () => {
  assert.deepEqual(listed('a', 'running', 'Up 2 minutes (unhealthy)'), { id: 'a', name: 'a', image: 'app:1', labels: { app: 'web' }, running: true, health: 'unhealthy' });
  assert.equal(listed('b', 'exited', 'Exited (137) 3 seconds ago').running, false);
  assert.equal(listed('c', 'running', 'Up 1 second (health: starting)').health, 'starting');
  assert.equal(listedContainer({ Names: ['/x'] }), undefined);
});

test('re-listing after a gap: died, started, removed while running, health changed; described ones and unchanged ones are left alone', () => {
  const known = new Map<string, KnownContainer>([
    ['died', listed('died', 'running')],
    ['same', listed('same', 'running')],
    ['gone', listed('gone', 'running')],
    ['back', listed('back', 'exited')],
    ['sick', listed('sick', 'running', 'Up (healthy)')],
    ['told', listed('told', 'running')],
  ]);
  const now = [listed('died', 'exited'), listed('same', 'running'), listed('back', 'running'), listed('new', 'running'), listed('sick', 'running', 'Up (unhealthy)'), listed('told', 'exited')];
  const { changes, next } = missedChanges(known, now, new Set(['told']));
  assert.deepEqual(
    changes.map((c) => `${c.container.id} ${c.action}`).sort(),
    ['back start', 'died die', 'gone die', 'new start', 'sick health_status'],
  );
  assert.equal(changes.find((c) => c.action === 'health_status')!.container.health, 'unhealthy');
  assert.deepEqual([...next.keys()].sort(), ['back', 'died', 'new', 'same', 'sick', 'told']);
});

test('events update what is known: start runs, die stops and clears health, destroy forgets', () => {
  const known = new Map<string, KnownContainer>();
  const m = { id: 'a', name: 'a', image: 'i', time: 1, labels: { k: 'v' } };
  applyMessage(known, { ...m, action: 'start' });
  applyMessage(known, { ...m, action: 'health_status', health: 'healthy' });
  assert.deepEqual(known.get('a'), { id: 'a', name: 'a', image: 'i', labels: { k: 'v' }, running: true, health: 'healthy' });
  applyMessage(known, { ...m, action: 'die', exitCode: 1 });
  assert.deepEqual(known.get('a'), { id: 'a', name: 'a', image: 'i', labels: { k: 'v' }, running: false });
  applyMessage(known, { ...m, action: 'destroy' });
  assert.equal(known.size, 0);
});

import { html } from './html.js';
import type { EntryView } from './types.js';

/** The lanes of the picture, top to bottom, and which entry kinds are drawn in each. */
const LANES: readonly { readonly name: string; readonly kinds: readonly string[] }[] = [
  { name: 'notify', kinds: ['notified', 'notify_failed', 'escalated', 'silenced', 'inhibited'] },
  { name: 'playbook', kinds: ['action_started', 'action_step', 'action_succeeded', 'action_failed', 'action_skipped'] },
  { name: 'people', kinds: ['acked', 'comment', 'resolved'] },
];

const W = 1000;
const LEFT = 70;
const LANE_H = 22;
const CHART_H = 60;

/** The numeric condition values the timeline carries (pending, firing, resolved), as [time, value]. */
export function valuePoints(entries: readonly EntryView[]): [number, number][] {
  const out: [number, number][] = [];
  for (const e of entries) {
    const v = (e.detail as Record<string, unknown>).value;
    if (typeof v === 'number' && Number.isFinite(v)) out.push([Date.parse(e.time), v]);
  }
  return out;
}

/**
 * An incident's timeline as a picture: a time axis with the alert's pending, firing and
 * resolved spans, a lane each for notifications, playbook steps and people (a mark per
 * entry, its kind and detail on hover), and the rule's condition value over time.
 */
export function TimelinePicture(props: { entries: readonly EntryView[]; openedAt: string; resolvedAt: string | null; now: number }) {
  const { entries } = props;
  const times = entries.map((e) => Date.parse(e.time));
  const opened = Date.parse(props.openedAt);
  const resolved = props.resolvedAt === null ? null : Date.parse(props.resolvedAt);
  const start = Math.min(opened, ...times);
  const end = Math.max(resolved ?? props.now, ...times, start + 1000);
  const x = (t: number): number => LEFT + ((t - start) / (end - start)) * (W - LEFT - 10);
  const pending = entries.find((e) => e.kind === 'pending');
  const points = valuePoints(entries);
  const top = LANE_H * (LANES.length + 1);
  const height = top + (points.length > 1 ? CHART_H + 10 : 0) + 22;
  const vMin = Math.min(...points.map((p) => p[1]));
  const vMax = Math.max(...points.map((p) => p[1]));
  const y = (v: number): number => top + CHART_H - (vMax === vMin ? CHART_H / 2 : ((v - vMin) / (vMax - vMin)) * CHART_H);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => start + f * (end - start));
  return html`
    <svg class="timeline-picture" viewBox=${`0 0 ${W} ${height}`} role="img" aria-label="Incident timeline">
      <text x="4" y="15" class="lane-name">alert</text>
      ${pending === undefined ? '' : html`<rect class="span-pending" x=${x(Date.parse(pending.time))} y="4" width=${Math.max(2, x(opened) - x(Date.parse(pending.time)))} height="14"><title>pending since ${pending.time}</title></rect>`}
      <rect class="span-firing" x=${x(opened)} y="4" width=${Math.max(2, x(resolved ?? end) - x(opened))} height="14"><title>firing from ${props.openedAt}</title></rect>
      ${resolved === null ? '' : html`<rect class="span-resolved" x=${x(resolved)} y="4" width="4" height="14"><title>resolved at ${props.resolvedAt}</title></rect>`}
      ${LANES.map((lane, i) => html`
        <text x="4" y=${LANE_H * (i + 1) + 15} class="lane-name">${lane.name}</text>
        <line class="lane" x1=${LEFT} x2=${W - 10} y1=${LANE_H * (i + 1) + 11} y2=${LANE_H * (i + 1) + 11} />
        ${entries.filter((e) => lane.kinds.includes(e.kind)).map((e) => html`
          <circle class=${`mark mark-${e.kind}`} data-kind=${e.kind} cx=${x(Date.parse(e.time))} cy=${LANE_H * (i + 1) + 11} r="6">
            <title>${e.kind} ${e.time}\n${JSON.stringify(e.detail)}</title>
          </circle>`)}`)}
      ${points.length > 1
        ? html`<text x="4" y=${top + 12} class="lane-name">value</text>
            <text x="4" y=${top + 26} class="lane-name small">${vMax}</text>
            <text x="4" y=${top + CHART_H} class="lane-name small">${vMin}</text>
            <polyline class="value-line" points=${points.map(([t, v]) => `${x(t)},${y(v)}`).join(' ')} />`
        : ''}
      ${ticks.map((t, i) => html`<text x=${x(t)} y=${height - 4} class="tick" text-anchor=${i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'}>${new Date(t).toLocaleTimeString(undefined, { hour12: false })}</text>`)}
    </svg>`;
}

import { DateTime } from 'luxon';
import type { MaintenanceWindow } from './policy.js';

const DAY_MS = 86_400_000;

/**
 * If `window` is open at `time`, when it closes (epoch ms); otherwise undefined. Weekly
 * windows are read in their own time zone (luxon), so they follow daylight-saving shifts.
 */
export function openUntil(window: MaintenanceWindow, time: number): number | undefined {
  if (window.kind === 'absolute') return time >= window.from && time < window.to ? window.to : undefined;
  const local = DateTime.fromMillis(time, { zone: window.zone });
  const minute = local.hour * 60 + local.minute;
  const today = local.weekday;
  const yesterday = today === 1 ? 7 : today - 1;
  const at = (day: DateTime, min: number): number =>
    day.set({ hour: Math.floor(min / 60), minute: min % 60, second: 0, millisecond: 0 }).toMillis();
  if (window.fromMin < window.toMin) {
    if (window.days.includes(today) && minute >= window.fromMin && minute < window.toMin) return at(local, window.toMin);
    return undefined;
  }
  // Spans midnight: open from `fromMin` on a listed day until `toMin` the next day.
  if (window.days.includes(today) && minute >= window.fromMin) return at(local.plus({ days: 1 }), window.toMin);
  if (window.days.includes(yesterday) && minute < window.toMin) return at(local, window.toMin);
  return undefined;
}

/** The latest close time among the open windows at `time`, or undefined when none is open. */
export function maintenanceUntil(windows: readonly MaintenanceWindow[], time: number): number | undefined {
  let until: number | undefined;
  for (const w of windows) {
    const end = openUntil(w, time);
    if (end !== undefined && (until === undefined || end > until)) until = end;
  }
  // A weekly window's close can be adjacent to another day's opening; a day is the most any adds.
  return until === undefined ? undefined : Math.min(until, time + 8 * DAY_MS);
}

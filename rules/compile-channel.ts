import type { ChannelSpec, SourcePos } from '../engine/model/channel-spec.js';
import type { ChannelDecl, Loc } from './ast.js';

function posOf(file: string, loc: Loc): SourcePos {
  return { file, line: loc.line, col: loc.col };
}

/**
 * A checked channel declaration of `file` as plain data: defaults filled in (format json,
 * no batching), the secret as the name of its environment variable, never its value.
 * Absent options are left out rather than set to undefined, so the spec is the same after
 * a JSON round trip.
 */
export function channelSpecOf(decl: ChannelDecl, file: string): ChannelSpec {
  const name = decl.name.name;
  const pos = posOf(file, decl.loc);
  switch (decl.type) {
    case 'email':
      return {
        type: 'email',
        name,
        pos,
        to: decl.to.map((t) => t.value),
        ...(decl.subject === undefined ? {} : { subject: decl.subject.value }),
        batchMs: decl.batch?.ms ?? 0,
      };
    case 'webhook':
      return {
        type: 'webhook',
        name,
        pos,
        url: decl.url.value,
        format: decl.format?.value ?? 'json',
        ...(decl.secret === undefined ? {} : { secretEnv: decl.secret.name, secretPos: posOf(file, decl.secret.loc) }),
        headers: decl.headers.map((h) => ({ name: h.name.value, value: h.value.value })),
        batchMs: decl.batch?.ms ?? 0,
      };
    case 'kafka':
      return { type: 'kafka', name, pos, topic: decl.topic.value };
    case 'log':
      return { type: 'log', name, pos };
  }
}

/**
 * Parses `.vigil` source into the AST of `ast.ts`, reporting every syntax error a file has
 * rather than only the first: the token stream is split into top-level declarations and
 * each is parsed on its own, so a broken rule does not hide a problem in the next one.
 */
import nearley from 'nearley';
import { ErrorCode, compareDiagnostics, type Diagnostic } from '../engine/model/errors.js';
import type { Decl, Loc, RuleFile } from './ast.js';
import compiledGrammar, { type DeclLayout, type ParsedDecl } from './grammar.js';
import { tokenize, type VigilToken } from './lexer.js';

/** Words that start a declaration at the top level of a file. */
const DECLARATION_WORDS = new Set(['rule', 'channel', 'check', 'playbook', 'maintenance', 'inhibit', 'depends']);

const grammar = nearley.Grammar.fromCompiled(compiledGrammar as unknown as nearley.CompiledRules);

/** How tokens of each type are named in "expected" lists. */
const TOKEN_TYPE_NAMES: Record<string, string> = {
  ident: 'identifier',
  string: 'string',
  number: 'number',
  duration: 'duration',
  timerange: 'time range',
  labelref: 'label reference',
};

/**
 * Where a parsed declaration was written: what the grammar records (see `DeclLayout`) plus
 * the span of every clause, step and schedule of a block, from its keyword to its last
 * token, so the printer can tell a comment inside a clause from one between clauses.
 */
export type SourceLayout = DeclLayout & {
  readonly spans: readonly { readonly start: Loc; readonly end: Loc }[];
};

const layouts = new WeakMap<Decl, SourceLayout>();

/**
 * The source layout of a declaration returned by `parseRuleFile`, or undefined for a node
 * built otherwise. Kept out of the AST so that nodes compare equal whatever their formatting.
 */
export function sourceLayout(decl: Decl): SourceLayout | undefined {
  return layouts.get(decl);
}

/** Declarations with a `{ ... }` body of clauses, one per line when printed. */
const BLOCK_KINDS = new Set(['rule', 'playbook', 'maintenance', 'inhibit']);

/** Adds clause spans to a block's layout: each clause ends at the token before the next one (or the `}`). */
function withSpans(decl: Decl, layout: DeclLayout, tokens: readonly VigilToken[]): SourceLayout {
  if (!BLOCK_KINDS.has(decl.kind)) return { ...layout, spans: [] };
  const at = (loc: Loc) => `${loc.line}:${loc.col}`;
  const index = new Map(tokens.map((t, i) => [`${t.line}:${t.col}`, i]));
  const spans = layout.starts.map((start, j) => {
    const next = index.get(at(layout.starts[j + 1] ?? layout.end)) ?? 0;
    const last = tokens[Math.max(0, next - 1)]!;
    return { start, end: { line: last.line, col: last.col } };
  });
  return { ...layout, spans };
}

/** Replays already lexed tokens to nearley, which insists on pulling them from a lexer. */
class TokenReplay implements nearley.Lexer {
  private index = 0;

  constructor(private readonly tokens: readonly VigilToken[]) {}

  reset(): void {
    this.index = 0;
  }

  next(): VigilToken | undefined {
    return this.tokens[this.index++];
  }

  save(): nearley.LexerState {
    return {};
  }

  formatError(token: VigilToken, message: string): string {
    return `${token.line}:${token.col}: ${message}`;
  }
}

/** The part of nearley's parser state this module reads to list the expected tokens. */
type ParserInternals = {
  current: number;
  table: { scannable: { rule: nearley.Rule; dot: number }[] }[];
};

type Failure = { index: number; token: VigilToken | undefined; expected: string[] };

/** The terminals the parser could have accepted next, described and sorted. */
function expectedTokens(parser: nearley.Parser): string[] {
  const internals = parser as unknown as ParserInternals;
  const column = internals.table[internals.current];
  const names = new Set<string>();
  for (const state of column?.scannable ?? []) {
    // Symbols are grammar literals, token types, or matchers that carry their own description.
    const symbol = state.rule.symbols[state.dot] as { literal?: string; type?: string; expected?: string } | undefined;
    if (symbol?.literal !== undefined) names.add(JSON.stringify(symbol.literal));
    else if (symbol?.type !== undefined) names.add(TOKEN_TYPE_NAMES[symbol.type] ?? symbol.type);
    else if (symbol?.expected !== undefined) names.add(symbol.expected);
  }
  return [...names].sort();
}

/** Runs the grammar over `tokens`: all parses, or where and why it failed. */
function runParser(tokens: readonly VigilToken[]): { results: ParsedDecl[][] } | { failure: Failure } {
  const parser = new nearley.Parser(grammar, { lexer: new TokenReplay(tokens) });
  try {
    parser.feed('');
  } catch {
    // nearley throws at the first token no parse can take; `current` is that token's index.
    const index = (parser as unknown as ParserInternals).current;
    return { failure: { index, token: tokens[index], expected: expectedTokens(parser) } };
  }
  if (parser.results.length === 0) return { failure: { index: tokens.length, token: undefined, expected: expectedTokens(parser) } };
  return { results: parser.results as ParsedDecl[][] };
}

/**
 * Counts the parses of a whole file (0 when it does not parse). The grammar is meant to be
 * unambiguous, so every valid file must give exactly 1; tests assert it.
 */
export function countParses(text: string): number {
  const { tokens } = tokenize(text);
  const run = runParser(tokens);
  return 'results' in run ? run.results.length : 0;
}

/**
 * Splits tokens into top-level declarations: a declaration word at brace depth 0 starts a
 * new one, unless it names the declaration just started (`check rule http ...`).
 */
function splitDeclarations(tokens: readonly VigilToken[]): VigilToken[][] {
  const chunks: VigilToken[][] = [];
  let current: VigilToken[] = [];
  let depth = 0;
  let lastStart = -2;
  tokens.forEach((t, i) => {
    // A one-line `depends` names labels, which may be declaration words: `depends check=web on host=$host`.
    const inDepends = current[0]?.text === 'depends' && depth === 0 && (tokens[i + 1]?.text === '=' || [',', 'on'].includes(tokens[i - 1]?.text ?? ''));
    if (t.type === 'ident' && depth === 0 && DECLARATION_WORDS.has(t.text) && lastStart !== i - 1 && !inDepends) {
      if (current.length > 0) chunks.push(current);
      current = [];
      lastStart = i;
    }
    current.push(t);
    if (t.text === '{' && t.type === 'op') depth++;
    if (t.text === '}' && t.type === 'op') depth = Math.max(0, depth - 1);
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Where to resume after an error at `index`: the first declaration word at or after it that
 * begins a line and is followed by a name. This recovers from an unclosed `{`, after which
 * brace depth says nothing.
 */
function resumePoint(tokens: readonly VigilToken[], index: number): number {
  for (let i = Math.max(index, 1); i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1]!;
    if (t.type === 'ident' && DECLARATION_WORDS.has(t.text) && prev.line + prev.lineBreaks < t.line && tokens[i + 1]!.type === 'ident') {
      return i;
    }
  }
  return -1;
}

const describe = (t: VigilToken): string =>
  t.type === 'ident' || t.type === 'kw' || t.type === 'op' ? JSON.stringify(t.text) : `${TOKEN_TYPE_NAMES[t.type] ?? t.type} ${t.text}`;

/** The message for a failed parse: what was found, and what would have been accepted. */
function failureMessage(found: VigilToken | undefined, expected: readonly string[]): string {
  if (found?.type === 'invalid') return `unexpected character ${JSON.stringify(found.text)}`;
  if (found?.type === 'badstring') return found.text.length > 1 && found.text.endsWith('"') ? 'invalid string: bad escape or control character' : 'unterminated string';
  if (found?.type === 'badword') return `invalid number or duration ${JSON.stringify(found.text)}`;
  const what = found ? `unexpected ${describe(found)}` : 'unexpected end of input';
  if (expected.length === 0) return what;
  return expected.length === 1 ? `${what}, expected ${expected[0]}` : `${what}, expected one of: ${expected.join(', ')}`;
}

const COUNTER_FNS = new Set(['rate', 'increase']);

/**
 * A hint for a counter function written without a window: `rate(F) of S` without `over D`,
 * or `rate(F)` where no aggregate may stand (`latest ... is rate(value) > 1`).
 */
function counterHint(tokens: readonly VigilToken[], index: number, expected: readonly string[]): string {
  const before = tokens.slice(0, index);
  const counterAt = before.findIndex((t, i) => t.type === 'ident' && COUNTER_FNS.has(t.text) && tokens[i + 1]?.text === '(');
  if (counterAt < 0) return '';
  const fn = tokens[counterAt]!.text;
  if (expected.includes('"over"')) return ` (${fn}(...) needs a window: ${fn}(F) of SELECTOR over DURATION)`;
  if (counterAt === index - 1) return ` (${fn}(F) is an aggregate over a window: ${fn}(F) of SELECTOR over DURATION CMP NUMBER)`;
  return '';
}

/**
 * Parses `.vigil` source. Never throws: every problem becomes a diagnostic (`E_SYNTAX` for
 * what does not parse or lacks a required clause, `E_CHECK` for a repeated clause), and
 * the AST holds the declarations that parsed, plus every comment of the file.
 */
export function parseRuleFile(file: string, text: string): { ast: RuleFile; diagnostics: Diagnostic[] } {
  const { tokens, comments, end } = tokenize(text);
  const decls: Decl[] = [];
  const diagnostics: Diagnostic[] = [];
  const report = (code: ErrorCode, loc: Loc, message: string) => diagnostics.push({ code, file, line: loc.line, col: loc.col, message });

  const chunks = splitDeclarations(tokens);
  // Pieces still to parse; a failed piece may yield a remainder that starts over here.
  const pending: { tokens: VigilToken[]; next: VigilToken | undefined }[] = chunks.map((c, i) => ({ tokens: c, next: chunks[i + 1]?.[0] }));
  while (pending.length > 0) {
    const piece = pending.shift()!;
    const run = runParser(piece.tokens);
    if ('results' in run) {
      for (const parsed of run.results[0] ?? []) {
        for (const p of parsed.problems) report(p.code, p.loc, p.message);
        if (parsed.decl) {
          layouts.set(parsed.decl, withSpans(parsed.decl, parsed.layout, piece.tokens));
          decls.push(parsed.decl);
        }
      }
      continue;
    }
    const { index, expected } = run.failure;
    // Running out of tokens inside a declaration means the next declaration (or the end of
    // the file) is what the parser found instead of what it wanted.
    const found = run.failure.token ?? piece.next;
    report(ErrorCode.Syntax, found ?? end, failureMessage(found, expected) + counterHint(piece.tokens, index, expected));
    const resume = resumePoint(piece.tokens, index);
    if (resume >= 0) {
      const rest = splitDeclarations(piece.tokens.slice(resume));
      pending.unshift(...rest.map((c, i) => ({ tokens: c, next: rest[i + 1]?.[0] ?? piece.next })));
    }
  }
  decls.sort((a, b) => a.loc.line - b.loc.line || a.loc.col - b.loc.col);
  diagnostics.sort(compareDiagnostics);
  return { ast: { decls, comments }, diagnostics };
}

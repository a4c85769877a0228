import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** A place in a file of the repository that names something outside it, or links to nothing. */
export interface Offender {
  /** Relative to the repository root, with forward slashes. */
  file: string;
  line: number;
  target: string;
  reason: string;
}

/** Where the source whose text is checked lives; Markdown is checked wherever it is. */
export const SOURCE_FOLDERS = ['apps', 'libs', 'tools', 'test', 'bench', 'docker'];
const SOURCE_EXTENSIONS = ['.ts', '.js'];
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'coverage', '.data', '.git']);

// Top-level folders of someone's own disk: a path under one names a file that exists on that machine only.
const PRIVATE_ROOTS = ['work', 'home', 'Users', 'root', 'tmp', 'mnt'];
const PATH_END = `[^\\s'"\`)\\]>,;]*`;
const PRIVATE_PATH = new RegExp(`(?<![\\w.~-])(?:/(?:${PRIVATE_ROOTS.join('|')})/|${'~'}/)${PATH_END}`, 'g');
// The HTTP contract once lived in a sibling checkout, its folder named with or without a leading ../; docs/API.md is its copy now.
const SIBLING_CHECKOUT = new RegExp(`(?<![\\w/.-])(?:\\.\\./)*${'shared'}/${PATH_END}`, 'g');
const RELATIVE_PATH = new RegExp(`(?<![\\w./~-])(?:\\.\\./)+${PATH_END}`, 'g');
const MARKDOWN_LINK = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm;
// Upstream issues are cited as owner/repo#123; a bare number, or "Issue 4", points into a tracker the reader may not have.
const PROJECT_ISSUE = /(?<![\w/.-])(?:issues? #?\d+\b|#\d+\b)/gi;
const ALLOWED_SCHEMES = /^(?:https?|mailto):/i;
const ANY_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Every offender in the Markdown files, the sources, .ci/ and the package.json scripts under root. */
export function findOffenders(root: string): Offender[] {
  const markdown = filesUnder(root, root, (name) => name.endsWith('.md'));
  const sources = SOURCE_FOLDERS.flatMap((folder) =>
    filesUnder(root, join(root, folder), (name) => SOURCE_EXTENSIONS.some((extension) => name.endsWith(extension))),
  );
  const ci = filesUnder(root, join(root, '.ci'), () => true);
  return [
    ...markdown.flatMap((file) => markdownOffenders(root, file, readFileSync(file, 'utf8'))),
    ...[...sources, ...ci].flatMap((file) => textOffenders(root, file, readFileSync(file, 'utf8'))),
    ...scriptOffenders(root),
  ];
}

/** Paths that leave the repository, links to files that do not exist, and issue numbers, in one Markdown file. */
export function markdownOffenders(root: string, file: string, text: string): Offender[] {
  const offenders = textOffenders(root, file, text);
  const fenced = fencedLines(text);
  for (const match of text.matchAll(PROJECT_ISSUE)) {
    const line = lineOf(text, match.index);
    if (!fenced.has(line)) offenders.push(offender(root, file, line, match[0], "a number in this project's issue tracker: say the need itself"));
  }
  for (const match of text.matchAll(MARKDOWN_LINK)) {
    const target = match[1] ?? match[2];
    const line = lineOf(text, match.index);
    if (fenced.has(line) || ALLOWED_SCHEMES.test(target) || target.startsWith('#')) continue;
    if (ANY_SCHEME.test(target)) {
      offenders.push(offender(root, file, line, target, 'a link that is neither http(s) nor inside the repository'));
      continue;
    }
    const path = decodeURIComponent(target.split(/[#?]/)[0]);
    if (path === '') continue;
    // A leading slash means the repository root, as on GitHub.
    const resolved = path.startsWith('/') ? join(root, path) : resolve(dirname(file), path);
    if (!isInside(root, resolved)) offenders.push(offender(root, file, line, target, 'a link that leaves the repository'));
    else if (!existsSync(resolved)) offenders.push(offender(root, file, line, target, 'a link to a file that does not exist'));
  }
  return offenders.sort((a, b) => a.line - b.line);
}

/** Absolute paths of a private disk, the old sibling checkout, and relative paths that climb out of the repository. */
export function textOffenders(root: string, file: string, text: string, base = dirname(file)): Offender[] {
  const offenders: Offender[] = [];
  for (const match of text.matchAll(PRIVATE_PATH))
    offenders.push(offender(root, file, lineOf(text, match.index), match[0], 'an absolute path outside the repository'));
  for (const match of text.matchAll(SIBLING_CHECKOUT))
    offenders.push(offender(root, file, lineOf(text, match.index), match[0], 'a path into a sibling checkout'));
  for (const match of text.matchAll(RELATIVE_PATH)) {
    if (!isInside(root, resolve(base, match[0])))
      offenders.push(offender(root, file, lineOf(text, match.index), match[0], 'a relative path that leaves the repository'));
  }
  return offenders;
}

/** The same checks on each npm script, whose relative paths start at the root. */
function scriptOffenders(root: string): Offender[] {
  const file = join(root, 'package.json');
  const text = readFileSync(file, 'utf8');
  const scripts: Record<string, string> = JSON.parse(text).scripts ?? {};
  return Object.entries(scripts).flatMap(([name, script]) => {
    const line = lineOf(text, text.indexOf(`"${name}":`));
    return textOffenders(root, file, script, root).map((found) => ({ ...found, line }));
  });
}

function filesUnder(root: string, folder: string, wanted: (name: string) => boolean): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : filesUnder(root, path, wanted);
    return entry.isFile() && wanted(entry.name) ? [path] : [];
  });
}

function fencedLines(text: string): Set<number> {
  const lines = new Set<number>();
  let inFence = false;
  text.split('\n').forEach((content, index) => {
    const fence = /^\s{0,3}(```|~~~)/.test(content);
    if (fence || inFence) lines.add(index + 1);
    if (fence) inFence = !inFence;
  });
  return lines;
}

function isInside(root: string, path: string): boolean {
  const fromRoot = relative(root, path);
  return fromRoot === '' || (!fromRoot.startsWith(`..${sep}`) && fromRoot !== '..' && !isAbsolute(fromRoot));
}

function lineOf(text: string, index = 0): number {
  return text.slice(0, index).split('\n').length;
}

function offender(root: string, file: string, line: number, target: string, reason: string): Offender {
  return { file: relative(root, file).split(sep).join('/'), line, target, reason };
}

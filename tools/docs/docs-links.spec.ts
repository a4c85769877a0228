import { join, resolve } from 'node:path';
import { findOffenders, markdownOffenders, Offender, textOffenders } from './docs-links';

const root = resolve(__dirname, '..', '..');
// Built from parts, so that this file does not name what it looks for.
const up = (levels: number) => '../'.repeat(levels);
const privatePath = ['', 'home', 'ada', 'notes.md'].join('/');
const siblingCheckout = ['..', 'shared', 'API.md'].join('/');

function listed(offenders: Offender[]): string[] {
  return offenders.map((found) => `${found.file}:${found.line}: ${found.target} (${found.reason})`);
}

describe('paths and links in the repository', () => {
  it('name nothing outside the repository, and Markdown links reach files that exist', () => {
    expect(listed(findOffenders(root))).toEqual([]);
  });

  it('finds in Markdown a link to a missing file, a link that leaves, a private path, the sibling checkout and issue numbers, by line', () => {
    const file = join(root, 'docs', 'example.md');
    const text = [
      'The contract is [API.md](API.md), its decisions [in adr](adr/0001-contexts-talk-only-through-messages.md#context),',
      'the [README](/README.md) and [Nest](https://docs.nestjs.com/microservices/basics) [here](#top).',
      'Gone: [old notes](old-notes.md).',
      `Out: [elsewhere](${up(2)}elsewhere/x.md), and a private copy at \`${privatePath}\`.`,
      `Sibling: ${siblingCheckout}, or \`${siblingCheckout.slice(3)}\` as seen from the root; not libs/shared-kernel/src.`,
      'Issue 4 asks for brokers (#12); nestjs/nest#10830 is upstream.',
      '```',
      '[not a link](inside-a-code-block.md)',
      '```',
    ].join('\n');
    expect(markdownOffenders(root, file, text).map(({ line, reason }) => [line, reason])).toEqual([
      [3, 'a link to a file that does not exist'],
      [4, 'an absolute path outside the repository'],
      [4, 'a relative path that leaves the repository'],
      [4, 'a link that leaves the repository'],
      [5, 'a path into a sibling checkout'],
      [5, 'a path into a sibling checkout'],
      [6, "a number in this project's issue tracker: say the need itself"],
      [6, "a number in this project's issue tracker: say the need itself"],
    ]);
  });

  it('finds in source text a relative path that climbs out of the repository, but not one that stays inside', () => {
    const file = join(root, 'libs', 'gateway', 'src', 'example.ts');
    const text = [`import { x } from '${up(2)}contracts/src';`, `// generated from ${up(4)}contract/openapi.yaml`].join('\n');
    expect(listed(textOffenders(root, file, text))).toEqual([
      `libs/gateway/src/example.ts:2: ${up(4)}contract/openapi.yaml (a relative path that leaves the repository)`,
    ]);
  });
});

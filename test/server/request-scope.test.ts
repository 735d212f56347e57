/** Lines logged while serving a request carry its id; lines outside any request do not. */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log/logger.js';
import { withRequestId } from '../../src/log/request-scope.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

test('a line logged inside a request, after an await and from a child logger, carries the request id', async () => {
  const { lines, logger } = capture();
  const child = logger.child({ part: 'x' });
  await withRequestId('req-1', async () => {
    logger.info('before');
    await new Promise((r) => setImmediate(r));
    child.info('after an await');
  });
  logger.info('outside');
  expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
    ['before', 'req-1'],
    ['after an await', 'req-1'],
    ['outside', undefined],
  ]);
});

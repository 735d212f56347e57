/**
 * Counts every command a MongoClient sends (`aijobs_db_commands_total`), from the driver's
 * command monitoring: one `commandStarted` event per round trip, whatever repository or
 * library (Agenda) sent it. The server runs statements one at a time on the embedded
 * FerretDB, so this count is what a job or a delivery costs there (bench/README.md).
 */
import type { CommandStartedEvent } from 'mongodb';
import { dbCommands } from './metrics.js';

/** What `countDbCommands` needs of a client: a MongoClient created with `monitorCommands: true`. */
export interface CommandEvents {
  on(event: 'commandStarted', listener: (event: CommandStartedEvent) => void): unknown;
}

/** The collection a command names (`getMore` names it in `collection`); '' for none. */
export function collectionOf(event: Pick<CommandStartedEvent, 'commandName' | 'command'>): string {
  const named = event.commandName === 'getMore' ? event.command.collection : event.command[event.commandName];
  return typeof named === 'string' ? named : '';
}

/** Starts counting; label children are kept per command and collection, so a count is one increment. */
export function countDbCommands(client: CommandEvents): void {
  const children = new Map<string, ReturnType<typeof dbCommands.labels>>();
  client.on('commandStarted', (event) => {
    const collection = collectionOf(event);
    const key = `${event.commandName}\u0000${collection}`;
    let child = children.get(key);
    if (!child) {
      child = dbCommands.labels({ command: event.commandName, collection });
      children.set(key, child);
    }
    child.inc();
  });
}

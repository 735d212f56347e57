/**
 * Recovery after an outage (Svix calls it "recover"): every FAILED delivery of one
 * endpoint since a time is redelivered, oldest first, each as `redeliver` would (same
 * message, same webhook-id, a fresh schedule). The rules about what may be recovered live
 * here; the restarting itself is the outbox's (see WebhookOutbox.recover).
 *
 * What makes a second call harmless: an endpoint has exactly one delivery record per
 * message (its id derives from the endpoint and the event, see ids.ts), and a recovery
 * restarts only records that are FAILED, with a write conditioned on FAILED and the
 * attempt count it read. A message whose delivery is PENDING (restarted by an earlier
 * call, or still on its schedule) or SUCCEEDED is left alone. Where a write could still
 * race (FerretDB applies conditional updates non-atomically), the attempt claim of the
 * attempt runner still sends each attempt number once.
 *
 * Order: one recovery makes its deliveries due oldest first, a millisecond apart. Two
 * recoveries of one endpoint at the same time still send every message once between
 * them, but their due times interleave, so the order is then not promised.
 */
import { badInput } from '../errors/index.js';
import type { WebhookDeliveryDoc, WebhookEndpointDoc } from '../db/webhooks/index.js';

/** How far back `since` may reach. */
export const RECOVERY_WINDOW_DAYS = 30;
const RECOVERY_WINDOW_MS = RECOVERY_WINDOW_DAYS * 24 * 3_600_000;
/** How many recovered deliveries a recovery returns (it recovers all of them). */
export const RECOVERY_LIST_LIMIT = 100;
/** Deliveries read and restarted per round trip. */
export const RECOVERY_PAGE_SIZE = 200;
/**
 * Consecutive recovered deliveries are due this far apart, so that the dispatcher (which
 * takes due deliveries in order of due time) starts them oldest first.
 */
export const RECOVERY_SPACING_MS = 1;

export interface RecoveryResult {
  endpoint: WebhookEndpointDoc;
  /** How many deliveries were restarted. */
  count: number;
  /** The first RECOVERY_LIST_LIMIT of them, oldest first, as restarted (PENDING). */
  deliveries: WebhookDeliveryDoc[];
}

/** BAD_USER_INPUT on `since` unless it lies within the last RECOVERY_WINDOW_DAYS days, not in the future. */
export function validateRecoverySince(since: Date, now: Date): void {
  if (Number.isNaN(since.getTime())) throw badInput(['since'], 'is not a valid time');
  if (since.getTime() > now.getTime()) {
    throw badInput(['since'], `is in the future (${since.toISOString()}; the server's time is ${now.toISOString()})`);
  }
  const earliest = new Date(now.getTime() - RECOVERY_WINDOW_MS);
  if (since.getTime() < earliest.getTime()) {
    throw badInput(
      ['since'],
      `may reach back at most ${RECOVERY_WINDOW_DAYS} days (to ${earliest.toISOString()}); ` +
        'redeliver an older delivery on its own with redeliverWebhook',
    );
  }
}

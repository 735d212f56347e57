/**
 * Checks what a person sends for an endpoint, with errors that name the input path
 * (`input.url`, `input.eventTypes.2`). The URL check is the registration half of the
 * address guard; the dispatcher's connect-time check is the other half.
 */
import { badInput } from '../errors/index.js';
import { checkWebhookUrl, type CheckWebhookUrlOptions } from './address-guard.js';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from './event-types.js';

/** Long enough for any real receiver URL with a token in it; short enough to log. */
export const MAX_URL_LENGTH = 2048;
export const MAX_DESCRIPTION_LENGTH = 1000;

export type UrlCheckOptions = Pick<CheckWebhookUrlOptions, 'allowPrivate' | 'lookup'>;

/** The URL to store (trimmed), or BAD_USER_INPUT naming `input.url`. */
export async function validateUrl(url: string, options: UrlCheckOptions): Promise<string> {
  const trimmed = url.trim();
  if (trimmed.length > MAX_URL_LENGTH) throw badInput(['input', 'url'], `must be at most ${MAX_URL_LENGTH} characters`);
  const checked = await checkWebhookUrl(trimmed, options);
  if (!checked.ok) throw badInput(['input', 'url'], checked.reason);
  return trimmed;
}

/** The description to store: trimmed, empty means none. */
export function validateDescription(description: string | null | undefined): string | null {
  if (description == null) return null;
  const trimmed = description.trim();
  if (trimmed.length > MAX_DESCRIPTION_LENGTH) {
    throw badInput(['input', 'description'], `must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  return trimmed === '' ? null : trimmed;
}

/**
 * The event types to store: known ones, without duplicates. Omitted (null) means all; an
 * empty list is refused rather than read as "nothing", which would be an endpoint that
 * silently never receives anything.
 */
export function validateEventTypes(eventTypes: readonly string[] | null | undefined): string[] | null {
  if (eventTypes == null) return null;
  if (eventTypes.length === 0) {
    throw badInput(['input', 'eventTypes'], 'must name at least one event type; leave it out to receive all');
  }
  eventTypes.forEach((type, index) => {
    if (!isWebhookEventType(type)) {
      throw badInput(['input', 'eventTypes', index], `unknown event type ${JSON.stringify(type)}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    }
  });
  return [...new Set(eventTypes)];
}

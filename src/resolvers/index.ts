/** Every resolver class, in one list for buildSchema. */
import { AccessTokenResolver } from './access-token.resolver.js';
import { BatchResolver } from './batch.resolver.js';
import { JobEventResolver } from './job-event.resolver.js';
import { JobKindsResolver } from './job-kinds.resolver.js';
import { JobOutputResolver } from './job-output.resolver.js';
import { JobResolver } from './job.resolver.js';
import { ReviewResolver } from './review.resolver.js';
import { ScheduleResolver } from './schedule.resolver.js';
import { SubscriptionsResolver } from './subscriptions.resolver.js';
import { JobWebhooksResolver } from './job-webhooks.resolver.js';
import { TenantBudgetResolver } from './tenant-budget.resolver.js';
import { ViewerResolver } from './viewer.resolver.js';
import { WebhookDeliveriesResolver } from './webhook-deliveries.resolver.js';
import { WebhookEndpointsResolver } from './webhook-endpoints.resolver.js';

export const resolvers = [
  ViewerResolver,
  JobResolver,
  BatchResolver,
  JobKindsResolver,
  JobEventResolver,
  SubscriptionsResolver,
  WebhookEndpointsResolver,
  WebhookDeliveriesResolver,
  JobWebhooksResolver,
  AccessTokenResolver,
  TenantBudgetResolver,
  JobOutputResolver,
  ReviewResolver,
  ScheduleResolver,
] as const;

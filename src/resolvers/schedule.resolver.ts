/** Recurring schedules: createSchedule, schedules, schedule, updateSchedule, pauseSchedule, resumeSchedule, deleteSchedule, and Schedule.recentJobs. */
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ScheduleDoc } from '../db/jobs/index.js';
import { CreateScheduleInput, Job, Schedule, UpdateScheduleInput } from '../schema/index.js';
import type { GraphQLContext } from './context.js';
import { toJobObject, type JobObject } from './mappers.js';

export function toSchedule(doc: ScheduleDoc): Schedule & { recentJobIds: string[] } {
  return {
    id: doc._id,
    name: doc.name,
    cron: doc.cron,
    timezone: doc.timezone,
    status: doc.status,
    job: JSON.parse(doc.job) as unknown,
    nextRunAt: doc.nextRunAt,
    lastRunAt: doc.lastRunAt,
    lastError: doc.lastError,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    recentJobIds: doc.recentJobIds,
  };
}

type ScheduleObject = ReturnType<typeof toSchedule>;

@Resolver(() => Schedule)
export class ScheduleResolver {
  @Query(() => [Schedule], { description: "The tenant's recurring schedules, oldest first (at most SCHEDULES_MAX_PER_TENANT)." })
  async schedules(@Ctx() ctx: GraphQLContext): Promise<ScheduleObject[]> {
    return (await ctx.services.jobs.schedules(ctx.tenant._id)).map(toSchedule);
  }

  @Query(() => Schedule, { nullable: true, description: 'The schedule, or null when it does not exist or belongs to another tenant.' })
  async schedule(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ScheduleObject | null> {
    const doc = await ctx.services.jobs.getSchedule(ctx.tenant._id, id);
    return doc ? toSchedule(doc) : null;
  }

  @Mutation(() => Schedule, {
    description:
      'Creates a recurring schedule: from its next tick on, each tick submits its job once (whatever the number of workers) with the idempotency key schedule:<id>:<tick>. A tick missed while no worker ran is submitted once when one returns, not once per missed tick.',
  })
  async createSchedule(@Arg('input', () => CreateScheduleInput) input: CreateScheduleInput, @Ctx() ctx: GraphQLContext): Promise<ScheduleObject> {
    ctx.request?.commit();
    return toSchedule(await ctx.services.jobs.createSchedule(ctx.tenant._id, input));
  }

  @Mutation(() => Schedule, {
    description:
      "Changes the schedule in place: its id, status (a paused one stays paused), recent jobs and its jobs' scheduleId stay. A new cron or time zone makes the next tick the new expression's first after now; a tick already submitted is never submitted again. Checked like createSchedule (BAD_USER_INPUT naming the field; nothing changes); another tenant's schedule is NOT_FOUND.",
  })
  async updateSchedule(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateScheduleInput) input: UpdateScheduleInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ScheduleObject> {
    ctx.request?.commit();
    return toSchedule(await ctx.services.jobs.updateSchedule(ctx.tenant._id, id, input));
  }

  @Mutation(() => Schedule, { description: 'Stops submitting until resumed; nothing is submitted after it returns.' })
  async pauseSchedule(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ScheduleObject> {
    return toSchedule(await ctx.services.jobs.pauseSchedule(ctx.tenant._id, id));
  }

  @Mutation(() => Schedule, { description: 'Submits again from the next tick after now; ticks missed while paused are not made up.' })
  async resumeSchedule(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ScheduleObject> {
    return toSchedule(await ctx.services.jobs.resumeSchedule(ctx.tenant._id, id));
  }

  @Mutation(() => Boolean, { description: 'Deletes the schedule; nothing is submitted after it returns. Its jobs stay.' })
  deleteSchedule(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return ctx.services.jobs.deleteSchedule(ctx.tenant._id, id);
  }

  @FieldResolver(() => [Job], { description: 'The jobs of its last ticks, newest first (at most 10; a job removed by retention is left out).' })
  async recentJobs(@Root() schedule: ScheduleObject, @Ctx() ctx: GraphQLContext): Promise<JobObject[]> {
    const docs = await Promise.all(schedule.recentJobIds.map((id) => ctx.services.jobs.getJob(ctx.tenant._id, id)));
    return docs.filter((d) => d !== null).map(toJobObject);
  }
}

/**
 * The text of the AI call a job is streaming now: one small document per job, by `_id`
 * (the job id), rewritten a few times a second while the call runs and removed soon after
 * it ends (the answer itself is kept with the step). Never queried by anything but `_id`.
 */
import type { Collection, Db } from 'mongodb';

export interface JobOutputDoc {
  /** The job id. */
  _id: string;
  tenantId: string;
  step: string;
  /** The call within the step (its checkpoint key, e.g. `chunk/3`). */
  call: string;
  /** Grows by one per write of this call, so readers can tell writes apart. */
  chunk: number;
  /** The whole text so far. */
  text: string;
  done: boolean;
  updatedAt: Date;
}

export class JobOutputRepository {
  private readonly collection: Collection<JobOutputDoc>;

  constructor(db: Db) {
    this.collection = db.collection<JobOutputDoc>('job_output');
  }

  async write(doc: JobOutputDoc): Promise<void> {
    const { _id, ...rest } = doc;
    await this.collection.replaceOne({ _id }, rest, { upsert: true });
  }

  find(jobId: string): Promise<JobOutputDoc | null> {
    return this.collection.findOne({ _id: jobId });
  }

  async remove(jobId: string): Promise<void> {
    await this.collection.deleteOne({ _id: jobId });
  }
}

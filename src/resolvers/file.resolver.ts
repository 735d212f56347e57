/** Uploaded files: `file(id)`, `files` (newest first) and `deleteFile`; the upload itself is `POST /files`. */
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { canUseFile } from '../auth/access-scope.js';
import type { FileDoc } from '../db/files/index.js';
import { notFound } from '../errors/index.js';
import { fileCursor } from '../files/index.js';
import { File, FileConnection, PageArgs } from '../schema/index.js';
import { toConnection } from './connection.js';
import type { GraphQLContext } from './context.js';

export const toFile = (doc: FileDoc): File => ({ id: doc._id, name: doc.name, contentType: doc.contentType, size: doc.size, sha256: doc.sha256, createdAt: doc.createdAt });

@Resolver(() => File)
export class FileResolver {
  @Query(() => File, { nullable: true, description: 'The uploaded file, or null when it does not exist or belongs to another tenant.' })
  async file(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<File | null> {
    if (!canUseFile(ctx.access, id)) return null;
    const doc = await ctx.services.files.get(ctx.tenant._id, id);
    return doc ? toFile(doc) : null;
  }

  @Query(() => FileConnection, { description: "The tenant's uploaded files, newest first." })
  async files(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<FileConnection> {
    const result = await ctx.services.files.list(ctx.tenant._id, page.first, page.after);
    return toConnection(result, fileCursor, toFile);
  }

  @Mutation(() => File, {
    description: "Deletes an uploaded file (its bytes included). Jobs that read it keep what they read: their `read` step's output and result stay as they are. Another tenant's file is NOT_FOUND.",
  })
  async deleteFile(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<File> {
    if (!canUseFile(ctx.access, id)) throw notFound('file', id);
    return toFile(await ctx.services.files.delete(ctx.tenant._id, id));
  }
}

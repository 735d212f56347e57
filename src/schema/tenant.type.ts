/**
 * `Tenant`: the owner of an API key. The relational field `usage` is added by a
 * resolver with `@FieldResolver`, not here.
 */
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Tenant')
export class Tenant {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

/** Every resolver class, in one list for buildSchema. */
import { ViewerResolver } from './viewer.resolver.js';

export const resolvers = [ViewerResolver] as const;

import type { MethodHandlers, TopicHandlers } from '../server'

/** What each domain's handler factory returns: some methods, some topics. */
export interface HandlerGroup<
  M extends keyof MethodHandlers = never,
  T extends keyof TopicHandlers = never,
> {
  methods: Pick<MethodHandlers, M>
  topics: Pick<TopicHandlers, T>
}

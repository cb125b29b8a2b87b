import type { z } from 'zod'

/** A request/response method: schemas for what goes in and what comes back. */
export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I
  output: O
  /** Shown in docs and error messages. */
  summary: string
}

/** A subscription topic: schemas for its parameters and for each event. */
export interface TopicDef<P extends z.ZodType = z.ZodType, D extends z.ZodType = z.ZodType> {
  params: P
  data: D
  summary: string
}

export function method<I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  summary: string,
): MethodDef<I, O> {
  return { input, output, summary }
}

export function topic<P extends z.ZodType, D extends z.ZodType>(
  params: P,
  data: D,
  summary: string,
): TopicDef<P, D> {
  return { params, data, summary }
}

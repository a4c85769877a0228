/** Something that happened inside an aggregate, recorded as it happens and published after commit. */
export interface DomainEvent<TType extends string = string> {
  readonly type: TType;
  readonly aggregateId: string;
  readonly occurredAt: Date;
}

/** A comparison operator of the rule language, shared by predicates and thresholds. */
export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

// Package policy decides whether something may happen: facts in, a Decision
// out. Every refusal carries a stable reason code and a message that tells
// the person what happened and what to do next.
//
// It must never do I/O, read the clock or hold state: callers gather the
// facts (including the time) and act on the decision, so every rule here is
// a table test.
package policy

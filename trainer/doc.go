// Package trainer turns captured traffic into fine-tuning datasets, runs
// training jobs that survive the machine they run on, and hands each finished
// model to the rest of Fledgling as a new candidate.
//
// It exists because the prototype lost 14 hours of training to one machine
// freeze: here every job lives in the store (and, with Redis, on a stream
// that workers on other machines consume), a worker holds a lease it renews
// with heartbeats, every write is fenced by the lease's token, and a job
// whose worker dies is resumed by another from its newest checkpoint.
//
// The trainer never changes routing. A trained model leaves this package only
// through CandidateSink; shadow evaluation and promotion decide the rest.
package trainer

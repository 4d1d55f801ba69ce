package capture

import "context"

// InsertOne stores one record in its own transaction, without hooks. It is
// the naive baseline the benchmark compares the batched writer with, and a
// convenience for tools that import a handful of records.
func InsertOne(ctx context.Context, s *Store, rec *Record) error {
	_, err := s.insert(ctx, []*Record{rec}, nil)
	return err
}

//go:build cgo

package onnx

import (
	"testing"

	"github.com/fledgling-ai/fledgling/internal/features"
)

func benchScorer(b *testing.B, hidden, sessions int) (*Scorer, [][]float32) {
	needRuntime(b)
	s, err := OpenBytes(trainedModel(b, hidden).ONNX(), Options{Sessions: sessions})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	var fs [][]float32
	for _, ex := range topicRequests(64, 1) {
		fs = append(fs, features.Extract(ex.Body, ""))
	}
	return s, fs
}

func BenchmarkScoreMLP(b *testing.B) {
	s, fs := benchScorer(b, 16, 1)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Score(fs[i%len(fs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkScoreParallel compares one session behind the channel (a mutex)
// with a pool of two under concurrent callers.
func BenchmarkScoreParallel(b *testing.B) {
	for _, sessions := range []int{1, 2} {
		b.Run(map[int]string{1: "1-session", 2: "2-sessions"}[sessions], func(b *testing.B) {
			s, fs := benchScorer(b, 16, sessions)
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := s.Score(fs[i%len(fs)]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

package shadow

import (
	"math"
	"time"
)

// Latencies are aggregated in log buckets so p95 can be read from hourly
// rows: bucket 0 is ≤ 100µs, bucket i covers (100µs·1.1^(i-1), 100µs·1.1^i],
// so a reported quantile is at most 10% above the true one.
const (
	latencyBase   = 100 * time.Microsecond
	latencyGrowth = 1.1
	latencyMaxBkt = 200 // ≈ 19 h
)

func latencyBucket(d time.Duration) int {
	if d <= latencyBase {
		return 0
	}
	b := int(math.Ceil(math.Log(float64(d)/float64(latencyBase)) / math.Log(latencyGrowth)))
	return min(b, latencyMaxBkt)
}

func bucketUpper(b int) time.Duration {
	return time.Duration(float64(latencyBase) * math.Pow(latencyGrowth, float64(b)))
}

// quantile reads the q-quantile (upper bucket edge) from bucket counts.
func quantile(counts map[int]int64, q float64) time.Duration {
	var total int64
	maxB := 0
	for b, n := range counts {
		total += n
		maxB = max(maxB, b)
	}
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(total)))
	var seen int64
	for b := 0; b <= maxB; b++ {
		seen += counts[b]
		if seen >= rank {
			return bucketUpper(b)
		}
	}
	return bucketUpper(maxB)
}

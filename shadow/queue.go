package shadow

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// queue is one model's bounded job queue and its fixed pool of workers. A
// producer never blocks: offer fails when the queue is full or closed.
type queue struct {
	jobs  chan *job
	mu    sync.RWMutex // held shared by producers, exclusively by close
	shut  bool
	wg    sync.WaitGroup
	depth prometheus.Gauge
}

func newQueue(size, workers int, depth prometheus.Gauge, run func(*job)) *queue {
	q := &queue{jobs: make(chan *job, size), depth: depth}
	q.wg.Add(workers)
	for range workers {
		go func() {
			defer q.wg.Done()
			for j := range q.jobs {
				q.depth.Set(float64(len(q.jobs)))
				run(j)
			}
		}()
	}
	return q
}

// offer enqueues j without blocking; reason says why it did not.
func (q *queue) offer(j *job) (ok bool, reason string) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.shut {
		return false, "shutdown"
	}
	select {
	case q.jobs <- j:
		q.depth.Set(float64(len(q.jobs)))
		return true, ""
	default:
		return false, "queue_full"
	}
}

// close stops accepting jobs; workers finish what is queued. No producer
// can be sending: they hold the read lock while they send.
func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.shut {
		q.shut = true
		close(q.jobs)
	}
}

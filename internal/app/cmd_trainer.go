package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/trainer"
)

func init() {
	register("trainer worker", "run a training worker: trainer worker --config FILE [--id NAME]", runTrainerWorker)
}

// trainerCLI is what the dataset, jobs and trainer commands open.
type trainerCLI struct {
	cfg   *config.Config
	db    *store.DB
	parts *trainerParts
}

func (c *trainerCLI) Close() {
	c.parts.close()
	c.db.Close()
}

func openTrainerCLI(ctx context.Context, path string, log *slog.Logger, stderr io.Writer) (*trainerCLI, bool) {
	cfg, err := config.Load(path)
	if err != nil {
		printConfigError(stderr, path, err)
		return nil, false
	}
	db, err := store.Open(ctx, cfg.Storage.DSN)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, false
	}
	parts, err := openTrainer(ctx, cfg, db, log, nil, nil)
	if err != nil {
		db.Close()
		fmt.Fprintln(stderr, err)
		return nil, false
	}
	return &trainerCLI{cfg: cfg, db: db, parts: parts}, true
}

// runTrainerWorker serves training jobs until interrupted. Workers share
// the store (PostgreSQL when on several machines) and, with redis.addr set,
// take jobs from the Redis stream's consumer group. On SIGINT/SIGTERM the
// running job is released, not failed: another worker resumes it.
func runTrainerWorker(ctx context.Context, args []string, _, stderr io.Writer) int {
	fs := flag.NewFlagSet("trainer worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "configs/fledgling.yaml", "config file")
	id := fs.String("id", "", "worker id (default host-pid)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	c, ok := openTrainerCLI(ctx, *path, log, stderr)
	if !ok {
		return 1
	}
	defer c.Close()
	w := c.parts.worker
	if *id != "" {
		w.ID = *id
		if rq, ok := w.Queue.(*trainer.RedisQueue); ok {
			rq.Consumer = *id
		}
	}
	if len(w.Backends) == 0 {
		fmt.Fprintln(stderr, "trainer worker: no backend configured (trainer.exec.command or trainer.openai.provider)")
		return 1
	}
	log.Info("trainer worker started", "id", w.ID, "lease_ttl", w.LeaseTTL, "redis", c.cfg.Redis.Addr != "")
	w.Run(ctx)
	log.Info("trainer worker stopped", "id", w.ID)
	return 0
}

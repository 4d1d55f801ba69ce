package trainer

import (
	"context"
	"fmt"
)

// BackendLearnedRouter is the backend (job kind) that trains a per-request
// router (trainer/learned) from a route's shadow pairs instead of
// fine-tuning a model on a dataset. Its jobs have no dataset; BaseModel
// names the candidate whose pass probability is learned ("model@version",
// "model", or "" for the route's learned/first candidate). The app provides
// the backend (it reads shadow pairs and captures); the worker records the
// artifact and never registers it as a candidate or touches routing.
const BackendLearnedRouter = "learned_router"

// ArtifactLearnedRouter is the Artifact.Kind of a trained router: Path is
// the .onnx file, Manifest its report, Threshold the chosen score cut.
const ArtifactLearnedRouter = "learned_router"

// TrainRouter queues a router-training job on route for candidate
// ("model@version", "model" or ""). Like every manual job it skips the
// cooldown but not a job already active on the route.
func (s *Service) TrainRouter(ctx context.Context, route, candidate string) (*Job, error) {
	if route == "" {
		return nil, fmt.Errorf("trainer: a router job needs a route")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.admissible(ctx, route, ReasonManual); err != nil {
		return nil, err
	}
	job, err := s.Jobs.Enqueue(ctx, NewJob{Route: route, Backend: BackendLearnedRouter, BaseModel: candidate, Reason: ReasonManual})
	if err != nil {
		return nil, err
	}
	if s.Queue != nil {
		if err := s.Queue.Publish(ctx, job.ID); err != nil {
			s.log().Warn("trainer: publish job (workers will find it in the table)", "job", job.ID, "err", err)
		}
	}
	s.Metrics.jobQueued(route, ReasonManual)
	s.log().Info("trainer: router job queued", "job", job.ID, "route", route, "candidate", candidate)
	return job, nil
}

// needsDataset reports whether the job's kind trains on a dataset version.
func needsDataset(j *Job) bool { return j.Backend != BackendLearnedRouter }

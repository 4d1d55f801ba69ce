package trainer

import (
	"strings"
)

// Naming turns a finished job into a candidate's names.
type Naming struct {
	// ServingProvider serves LoRA adapters trained by exec (trainer.serving_provider).
	ServingProvider string
	// Template builds the served model name from {route} and {version}
	// (the provider's lora.name_template). Default "{route}-{version}".
	Template string
	// RemoteProvider serves models fine-tuned by the openai backend.
	RemoteProvider string
}

// Version of the candidate a job produces: "ft" + the job's creation time
// + the job id's last 4 characters, so it sorts by time and is stable
// across attempts of the same job (re-registration is idempotent).
func Version(job *Job) string {
	id := job.ID
	if len(id) > 4 {
		id = id[len(id)-4:]
	}
	return "ft" + job.Created.UTC().Format("20060102150405") + id
}

// Candidate builds the NewCandidate of a successful job.
func (n Naming) Candidate(job *Job, ds *Dataset, art *Artifact) NewCandidate {
	v := Version(job)
	tmpl := n.Template
	if tmpl == "" {
		tmpl = "{route}-{version}"
	}
	name := strings.NewReplacer("{route}", safeName(job.Route), "{version}", v).Replace(tmpl)
	c := NewCandidate{Route: job.Route, Version: v, PublicModel: name, UpstreamModel: name, Provider: n.ServingProvider,
		AdapterPath: art.AdapterPath, BaseModel: art.BaseModel, JobID: job.ID}
	if ds != nil {
		c.DatasetID = ds.ID
	}
	if art.Kind == "fine_tuned_model" {
		c.UpstreamModel, c.Provider, c.AdapterPath = art.Model, n.RemoteProvider, ""
	}
	return c
}

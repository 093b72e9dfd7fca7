package server

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/tradepipe/tradepipe/pipeline"
)

// Run states in GET /api/v1/runs/{id}.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed" // a partition failed, or the run could not start
)

// maxRuns bounds the runs kept for GET /api/v1/runs/{id}; the oldest
// finished ones go first.
const maxRuns = 1000

// RunView is a run started by POST /api/v1/jobs/{job}/runs.
type RunView struct {
	ID          string    `json:"id"`
	Job         string    `json:"job"`
	State       string    `json:"state"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	Written     int       `json:"written"`
	Unchanged   int       `json:"unchanged"`
	Failed      int       `json:"failed"`
	Empty       int       `json:"empty"`
	Rows        int64     `json:"rows"`
	Quarantined int64     `json:"quarantined_rows"`
	Errors      []string  `json:"errors,omitempty"`
}

// runTable keeps the API's runs in memory: a run id is known until the
// daemon restarts (the ledger keeps each month's outcome for good).
type runTable struct {
	mu    sync.Mutex
	runs  map[string]*RunView
	order []string
}

func (t *runTable) start(id, job string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.runs == nil {
		t.runs = map[string]*RunView{}
	}
	t.runs[id] = &RunView{ID: id, Job: job, State: RunRunning, StartedAt: now}
	t.order = append(t.order, id)
	for len(t.order) > maxRuns {
		// Drop the oldest finished run; keep running ones.
		dropped := false
		for i, old := range t.order {
			if t.runs[old].State != RunRunning {
				delete(t.runs, old)
				t.order = append(t.order[:i], t.order[i+1:]...)
				dropped = true
				break
			}
		}
		if !dropped {
			break
		}
	}
}

func (t *runTable) finish(id string, s *pipeline.Summary, err error, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.runs[id]
	if r == nil {
		return
	}
	r.FinishedAt = now
	r.State = RunSucceeded
	if err != nil {
		r.State = RunFailed
		r.Errors = append(r.Errors, err.Error())
	}
	if s != nil {
		r.Written, r.Unchanged = s.Count(pipeline.StatusWritten), s.Count(pipeline.StatusUnchanged)
		r.Failed, r.Empty = s.Count(pipeline.StatusFailed), s.Count(pipeline.StatusEmpty)
		r.Rows, r.Quarantined = s.Rows()
		for _, res := range s.Results {
			if res.Err != nil {
				r.Errors = append(r.Errors, res.Err.Error())
			}
		}
		if s.Failed() {
			r.State = RunFailed
		}
	}
}

func (t *runTable) get(id string) (RunView, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.runs[id]
	if !ok {
		return RunView{}, false
	}
	return *r, true
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	v, ok := s.results.get(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no run %q (runs are known until the daemon restarts; the ledger has every month: GET /api/v1/jobs/{job}/partitions)", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

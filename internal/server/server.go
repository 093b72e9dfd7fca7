package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/config"
	"github.com/tradepipe/tradepipe/internal/redact"
	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Options configure the server.
type Options struct {
	// Token is the bearer token for mutating calls; empty means none is
	// configured.
	Token string
	// Loopback tells whether the listener accepts loopback connections
	// only; without a token, mutating calls are allowed only then.
	Loopback bool
	// Page is what the status page at / shows besides the jobs (page.go).
	Page PageSources
	// AllowedHosts are the names (without port) the Host header may carry
	// besides loopback names; on a non-loopback listener, when empty, any.
	AllowedHosts []string
	// TrustedOrigins are origins ("https://ops.example") whose pages may
	// make mutating calls; others are refused as cross-origin.
	TrustedOrigins []string
}

// Server serves the API. Runs and backfills it starts use the work
// context given to New and are tracked so the caller can wait for them.
type Server struct {
	opts    Options
	exec    *pipeline.Executor
	sched   *pipeline.Scheduler
	gather  prometheus.Gatherer
	logger  *slog.Logger
	work    context.Context
	wg      sync.WaitGroup
	mux     *http.ServeMux
	handler http.Handler
	runs    coalescer
	results runTable // for GET /api/v1/runs/{id} (runs.go)
}

// New returns a server. sched may be nil (healthz then reports the API
// only); gather may be nil (no /metrics).
func New(opts Options, work context.Context, exec *pipeline.Executor, sched *pipeline.Scheduler, gather prometheus.Gatherer, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, exec: exec, sched: sched, gather: gather, logger: logger, work: work, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	if gather != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(gather, promhttp.HandlerOpts{}))
	}
	s.mux.HandleFunc("GET /api/v1/jobs", s.jobs)
	s.mux.HandleFunc("GET /api/v1/jobs/{job}/partitions", s.partitions)
	s.mux.HandleFunc("POST /api/v1/jobs/{job}/runs", s.mutating(s.runJob))
	s.mux.HandleFunc("GET /api/v1/runs/{id}", s.getRun)
	s.mux.HandleFunc("POST /api/v1/backfills", s.mutating(s.createBackfill))
	s.mux.HandleFunc("GET /api/v1/backfills", s.listBackfills)
	s.mux.HandleFunc("GET /api/v1/backfills/{id}", s.getBackfill)
	s.mux.HandleFunc("DELETE /api/v1/backfills/{id}", s.mutating(s.cancelBackfill))
	s.routePage()
	s.handler = s.guard(s.mux)
	return s
}

// Handler returns the API's handler, with the checks of guard.
func (s *Server) Handler() http.Handler { return s.handler }

// Wait blocks until the runs and backfills the API started have returned.
func (s *Server) Wait() { s.wg.Wait() }

// Serve serves on ln until ctx is done, then shuts down, giving requests
// in flight up to five seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := s.httpServer()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		<-errc
		return nil
	}
}

// IsLoopback reports whether a listen address binds loopback only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) mutating(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Token == "" {
			if !s.opts.Loopback {
				writeError(w, http.StatusForbidden, "no API token is configured (server.token_env) and the listener is not loopback: mutating calls are refused")
				return
			}
		} else {
			got, ok := bearer(r.Header.Get("Authorization"))
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tradepipe"`)
				writeError(w, http.StatusUnauthorized, "missing Authorization: Bearer token")
				return
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.Token)) != 1 {
				writeError(w, http.StatusForbidden, "wrong token")
				return
			}
		}
		if !jsonBody(w, r) {
			return
		}
		h(w, r)
	}
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	if s.sched != nil && !s.sched.Alive() {
		writeError(w, http.StatusServiceUnavailable, "scheduler loop is not running")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// JobInfo is one job in GET /api/v1/jobs.
type JobInfo struct {
	Name     string         `json:"name"`
	Source   string         `json:"source"`
	Schedule string         `json:"schedule,omitempty"`
	Zone     string         `json:"zone,omitempty"` // the schedule's time zone: CRON_TZ, else UTC
	After    []string       `json:"after,omitempty"`
	NextRun  time.Time      `json:"next_run,omitzero"`
	Running  bool           `json:"running"`
	LastRun  *LastRun       `json:"last_run,omitempty"`
	Counts   map[string]int `json:"partitions"`
	Rows     int64          `json:"rows"`
	Quarant  int64          `json:"quarantined_rows"`
	// Failed are the months whose last run failed or was interrupted.
	Failed []*pipeline.Entry `json:"failed_partitions,omitempty"`
}

// LastRun is a job's last run: the months whose outcome was recorded in
// the minute up to the latest one, with the same trigger.
type LastRun struct {
	// Month is the latest month among them.
	Month      civil.Month `json:"month"`
	Months     int         `json:"months"`
	Status     string      `json:"status"` // the worst among them
	Trigger    string      `json:"trigger"`
	FinishedAt time.Time   `json:"finished_at"`
	Error      string      `json:"error,omitempty"`
}

// lastRun groups the ledger's latest outcomes into the last run. The
// ledger records months, not runs; a run's months are recorded together,
// so those within a minute of the latest with its trigger are taken as it.
func lastRun(entries []*pipeline.Entry) *LastRun {
	var latest *pipeline.Entry
	for _, e := range entries {
		if !e.FinishedAt.IsZero() && (latest == nil || e.FinishedAt.After(latest.FinishedAt)) {
			latest = e
		}
	}
	if latest == nil {
		return nil
	}
	rank := map[string]int{pipeline.LedgerEmpty: 1, pipeline.LedgerUnchanged: 2, pipeline.LedgerSucceeded: 3, pipeline.LedgerInterrupted: 4, pipeline.LedgerFailed: 5}
	lr := &LastRun{Trigger: latest.Trigger, FinishedAt: latest.FinishedAt}
	for _, e := range entries {
		if e.FinishedAt.IsZero() || e.Trigger != latest.Trigger || latest.FinishedAt.Sub(e.FinishedAt) > time.Minute {
			continue
		}
		lr.Months++
		if lr.Month.Before(e.Month) {
			lr.Month = e.Month
		}
		if rank[e.Status] > rank[lr.Status] {
			lr.Status, lr.Error = e.Status, e.Error
		}
	}
	return lr
}

// Jobs summarises every job from the ledger; status and the API share it.
func Jobs(ctx context.Context, exec *pipeline.Executor, now time.Time) ([]JobInfo, error) {
	var out []JobInfo
	for _, j := range exec.Jobs() {
		info := JobInfo{Name: j.Name, Source: j.Source, Schedule: j.Policy.Spec, After: j.Policy.After,
			Running: exec.Running(j.Name), Counts: map[string]int{}}
		if j.Policy.Schedule != nil {
			info.Zone = config.ScheduleZone(j.Policy.Spec)
			_, info.NextRun = pipeline.NextFire(j.Policy.Schedule, pipeline.JitterFor(j.Name, j.Policy.Jitter), now)
		}
		entries, err := exec.Ledger().Entries(ctx, j.Name)
		if err != nil {
			return nil, err
		}
		var parts []string
		for _, e := range entries {
			e.Error = scrub(e.Error)
			// Counted in partitions, as a run counts them; a month that
			// has none (it failed before any, or had no data) counts once.
			info.Counts[e.Status] += max(len(e.Partitions), 1)
			parts = append(parts, e.Partitions...)
			if e.Status == pipeline.LedgerFailed || e.Status == pipeline.LedgerInterrupted {
				info.Failed = append(info.Failed, e)
			}
		}
		// Rows from what the lake holds, not from the last run's writes.
		rows, q, err := pipeline.Held(ctx, exec.Ledger().Store().Lake(), j.Name, parts)
		if err != nil {
			return nil, err
		}
		info.Rows, info.Quarant = rows, q
		info.LastRun = lastRun(entries)
		out = append(out, info)
	}
	return out, nil
}

func (s *Server) jobs(w http.ResponseWriter, r *http.Request) {
	infos, err := Jobs(r.Context(), s.exec, time.Now())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, infos)
}

func (s *Server) partitions(w http.ResponseWriter, r *http.Request) {
	job := r.PathValue("job")
	if s.exec.Job(job) == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no job %q", job))
		return
	}
	entries, err := s.exec.Ledger().Entries(r.Context(), job)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if entries == nil {
		entries = []*pipeline.Entry{}
	}
	for _, e := range entries {
		e.Error = scrub(e.Error)
	}
	writeJSON(w, http.StatusOK, entries)
}

func (s *Server) runJob(w http.ResponseWriter, r *http.Request) {
	job := r.PathValue("job")
	if s.exec.Job(job) == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no job %q", job))
		return
	}
	now := time.Now()
	id, start := s.runs.admit(job, fmt.Sprintf("%s-%s", job, now.UTC().Format("20060102T150405.000000Z")))
	if !start {
		// A run of the job is already waiting to start: it will see
		// whatever this request wanted run.
		writeJSON(w, http.StatusAccepted, map[string]any{"id": id, "job": job, "coalesced": true})
		return
	}
	s.results.start(id, job, now)
	s.spawn(func() {
		defer s.runs.done(job)
		sum, err := s.exec.Run(s.work, job, pipeline.TriggerManual)
		if err != nil {
			s.logger.Error("manual run", "job", job, "err", err)
		}
		s.results.finish(id, sum, err, time.Now())
	})
	writeJSON(w, http.StatusAccepted, map[string]string{"id": id, "job": job})
}

func (s *Server) createBackfill(w http.ResponseWriter, r *http.Request) {
	var req pipeline.BackfillRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	b, err := s.exec.CreateBackfill(r.Context(), req)
	if errors.Is(err, pipeline.ErrBadRequest) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	_, _, pending := b.Counts()
	s.spawn(func() {
		if _, err := s.exec.RunBackfill(s.work, b.ID, nil); err != nil {
			s.logger.Error("backfill", "id", b.ID, "err", err)
		}
	})
	writeJSON(w, http.StatusAccepted, map[string]any{"id": b.ID, "months": pending, "skipped": len(b.Months) - pending})
}

// BackfillView is a backfill with its counts.
type BackfillView struct {
	*pipeline.Backfill
	Done    int `json:"done"`
	Failed  int `json:"failed"`
	Pending int `json:"pending"`
}

// scrub removes URL credentials (key=, token=, user:pass@) from an error
// stored in the ledger, which unauthenticated GETs serve: the engine's
// errors should carry none, and this makes sure of it for old records.
func scrub(s string) string { return (*redact.Redactor)(nil).Scrub(s) }

func view(b *pipeline.Backfill) BackfillView {
	for i := range b.Months {
		b.Months[i].Error = scrub(b.Months[i].Error)
	}
	done, failed, pending := b.Counts()
	return BackfillView{Backfill: b, Done: done, Failed: failed, Pending: pending}
}

func (s *Server) getBackfill(w http.ResponseWriter, r *http.Request) {
	id, ok := backfillID(w, r)
	if !ok {
		return
	}
	b, err := s.exec.Ledger().Backfill(r.Context(), id)
	if errors.Is(err, lake.ErrNotExist) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no backfill %q", id))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view(b))
}

func (s *Server) listBackfills(w http.ResponseWriter, r *http.Request) {
	all, err := s.exec.Ledger().Backfills(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	out := []BackfillView{}
	for _, b := range all {
		out = append(out, view(b))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) cancelBackfill(w http.ResponseWriter, r *http.Request) {
	id, ok := backfillID(w, r)
	if !ok {
		return
	}
	b, err := s.exec.CancelBackfill(r.Context(), id)
	switch {
	case errors.Is(err, lake.ErrNotExist):
		writeError(w, http.StatusNotFound, fmt.Sprintf("no backfill %q", id))
	case errors.Is(err, pipeline.ErrBadRequest):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil:
		s.internalError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, view(b))
	}
}

func (s *Server) spawn(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// internalError answers 500 without err's text, which may name server
// paths (the lake's directory) or stores; the log has it.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.Error("api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error; the server log has the details")
}

// backfillID returns the {id} of the request, answering 404 for one no
// backfill can have (NUL bytes, slashes, dots), which must not reach the
// lake as a key.
func backfillID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	ok := id != "" && len(id) <= 128 && !strings.HasPrefix(id, ".")
	for _, c := range []byte(id) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			ok = false
		}
	}
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no backfill %.40q", id))
	}
	return id, ok
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

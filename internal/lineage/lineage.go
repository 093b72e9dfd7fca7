package lineage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Event types the engine sends.
type EventType string

const (
	Start    EventType = "START"    // a release's transaction began
	Complete EventType = "COMPLETE" // it committed (or changed nothing)
	Fail     EventType = "FAIL"     // it was not committed
)

// SchemaURL is the OpenLineage spec version the events follow.
const SchemaURL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"

// Schema URLs of the facets: tradepipe's own, and OpenLineage's error
// message facet.
const (
	InputFacetSchemaURL  = "https://github.com/tradepipe/tradepipe/blob/main/docs/lineage/InputFacet.json"
	CommitFacetSchemaURL = "https://github.com/tradepipe/tradepipe/blob/main/docs/lineage/CommitFacet.json"
	RunFacetSchemaURL    = "https://github.com/tradepipe/tradepipe/blob/main/docs/lineage/RunFacet.json"
	ErrorFacetSchemaURL  = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"
)

// runIDSpace is the UUID namespace run ids are derived in (a name-based
// UUID of the transaction id), so one transaction is always one run id.
var runIDSpace = uuid.MustParse("6f0b5a4e-3c5e-4f3a-9d57-1f2c0a7b9e11")

// RunID is the OpenLineage run id of the release whose transaction is txn.
func RunID(txn string) string { return uuid.NewSHA1(runIDSpace, []byte(txn)).String() }

func (rel Release) runID() string {
	if rel.TxnID != "" {
		return RunID(rel.TxnID)
	}
	// No transaction: the run of this job on this release.
	return uuid.NewSHA1(runIDSpace, []byte("release:"+rel.Job+"/"+rel.ReleaseID)).String()
}

// Release is what the engine tells of one release.
type Release struct {
	Job string
	// TxnID is the publish transaction's id; empty for a release that
	// failed before its transaction began, whose run id is then derived
	// from Job and ReleaseID.
	TxnID     string
	ReleaseID string
	Inputs    []Input
	Outputs   []Output
	// Err is why a FAIL event's release was not committed.
	Err error
}

// Input is one raw input of a release.
type Input struct {
	URI       string // as recorded in source_uri (scrubbed)
	SHA256    string
	ReleaseID string
}

// Output is one table a release committed partitions of.
type Output struct {
	Table      string // lake path of the table, e.g. trade_flows or quarantine/shipments
	Partitions []Partition
	// SnapshotID is the table's Iceberg snapshot the commit made, when
	// the lake keeps Iceberg metadata; nil otherwise. Metadata is the
	// metadata file holding it.
	SnapshotID *int64
	Metadata   string
}

// Partition is one partition a release committed, and its log record's
// seq.
type Partition struct {
	Path string `json:"partition"`
	Seq  int64  `json:"seq"`
}

// Event is an OpenLineage RunEvent.
type Event struct {
	EventType EventType `json:"eventType"`
	EventTime string    `json:"eventTime"`
	Run       Run       `json:"run"`
	Job       Job       `json:"job"`
	Inputs    []Dataset `json:"inputs"`
	Outputs   []Dataset `json:"outputs"`
	Producer  string    `json:"producer"`
	SchemaURL string    `json:"schemaURL"`
}

// Run is the event's run.
type Run struct {
	RunID  string         `json:"runId"`
	Facets map[string]any `json:"facets,omitempty"`
}

// Job is the event's job.
type Job struct {
	Namespace string         `json:"namespace"`
	Name      string         `json:"name"`
	Facets    map[string]any `json:"facets,omitempty"`
}

// Dataset is an input or output dataset.
type Dataset struct {
	Namespace    string         `json:"namespace"`
	Name         string         `json:"name"`
	Facets       map[string]any `json:"facets,omitempty"`
	InputFacets  map[string]any `json:"inputFacets,omitempty"`
	OutputFacets map[string]any `json:"outputFacets,omitempty"`
}

// Builder makes events for one lake.
type Builder struct {
	Namespace string // the jobs' namespace, e.g. "tradepipe"
	Producer  string // URI of the producing software and version
	Lake      string // the lake's URL: output datasets are its tables
}

func (b Builder) facet(schemaURL string, fields map[string]any) map[string]any {
	fields["_producer"] = b.Producer
	fields["_schemaURL"] = schemaURL
	return fields
}

// Build returns the event of type t at at for rel, checked by Check.
func (b Builder) Build(t EventType, at time.Time, rel Release) (*Event, error) {
	ev := &Event{
		EventType: t,
		EventTime: at.UTC().Format(time.RFC3339Nano),
		Run: Run{RunID: rel.runID(), Facets: map[string]any{
			"tradepipe_run": b.facet(RunFacetSchemaURL, map[string]any{"txnId": rel.TxnID, "releaseId": rel.ReleaseID}),
		}},
		Job:       Job{Namespace: b.Namespace, Name: rel.Job},
		Inputs:    []Dataset{},
		Outputs:   []Dataset{},
		Producer:  b.Producer,
		SchemaURL: SchemaURL,
	}
	if t == Fail && rel.Err != nil {
		ev.Run.Facets["errorMessage"] = b.facet(ErrorFacetSchemaURL, map[string]any{"message": rel.Err.Error(), "programmingLanguage": "go"})
	}
	for _, in := range rel.Inputs {
		ns, name := DatasetName(in.URI)
		ev.Inputs = append(ev.Inputs, Dataset{Namespace: ns, Name: name, Facets: map[string]any{
			"tradepipe_input": b.facet(InputFacetSchemaURL, map[string]any{"sha256": in.SHA256, "sourceUri": in.URI, "releaseId": in.ReleaseID}),
		}})
	}
	if t != Start {
		for _, out := range rel.Outputs {
			ns, name := DatasetName(strings.TrimRight(b.Lake, "/") + "/" + out.Table)
			commit := map[string]any{"txnId": rel.TxnID, "releaseId": rel.ReleaseID, "partitions": out.Partitions}
			if out.SnapshotID != nil {
				commit["snapshotId"] = *out.SnapshotID
			}
			if out.Metadata != "" {
				commit["metadataLocation"] = out.Metadata
			}
			ev.Outputs = append(ev.Outputs, Dataset{Namespace: ns, Name: name, OutputFacets: map[string]any{
				"tradepipe_commit": b.facet(CommitFacetSchemaURL, commit),
			}})
		}
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("lineage event: %w", err)
	}
	if err := Check(body); err != nil {
		return nil, err
	}
	return ev, nil
}

// Tables groups committed partitions by table: the path up to the first
// key=value segment (trade_flows, quarantine/trade_flows,
// trade_flows_history), tables and partitions sorted.
func Tables(parts []Partition) []Output {
	by := map[string][]Partition{}
	for _, p := range parts {
		segs := strings.Split(p.Path, "/")
		i := slices.IndexFunc(segs, func(s string) bool { return strings.Contains(s, "=") })
		if i <= 0 {
			i = len(segs)
		}
		t := strings.Join(segs[:i], "/")
		by[t] = append(by[t], p)
	}
	var out []Output
	for t, ps := range by {
		slices.SortFunc(ps, func(a, b Partition) int { return strings.Compare(a.Path, b.Path) })
		out = append(out, Output{Table: t, Partitions: ps})
	}
	slices.SortFunc(out, func(a, b Output) int { return strings.Compare(a.Table, b.Table) })
	return out
}

// DatasetName gives a location's OpenLineage dataset namespace and name,
// after the spec's naming conventions: s3://bucket and the key, "file" and
// the path, scheme://host and the path for HTTP (the query left out: it
// is no part of the dataset's identity).
func DatasetName(loc string) (namespace, name string) {
	u, err := url.Parse(loc)
	if err != nil || u.Scheme == "" {
		return "file", loc
	}
	switch u.Scheme {
	case "s3", "gs", "abfss":
		return u.Scheme + "://" + u.Host, strings.TrimPrefix(u.Path, "/")
	case "file":
		return "file", u.Path
	default:
		name = u.Path
		if name == "" {
			name = "/"
		}
		return u.Scheme + "://" + u.Host, name
	}
}

// Check reports what body, one JSON RunEvent, lacks of what the
// OpenLineage 2-0-2 schema requires: eventTime (date-time), producer and
// schemaURL (URIs), run.runId (a UUID), job.namespace and job.name,
// eventType one of the spec's, every dataset's namespace and name, and
// every facet's _producer and _schemaURL.
func Check(body []byte) error {
	var ev struct {
		EventType *string `json:"eventType"`
		EventTime string  `json:"eventTime"`
		Producer  string  `json:"producer"`
		SchemaURL string  `json:"schemaURL"`
		Run       *struct {
			RunID  string                     `json:"runId"`
			Facets map[string]json.RawMessage `json:"facets"`
		} `json:"run"`
		Job *struct {
			Namespace string                     `json:"namespace"`
			Name      string                     `json:"name"`
			Facets    map[string]json.RawMessage `json:"facets"`
		} `json:"job"`
		Inputs  []checkDataset `json:"inputs"`
		Outputs []checkDataset `json:"outputs"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return fmt.Errorf("lineage event: %w", err)
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("lineage event: "+format, args...)) }
	if _, err := time.Parse(time.RFC3339Nano, ev.EventTime); err != nil {
		bad("eventTime %q is not a date-time", ev.EventTime)
	}
	if !isURI(ev.Producer) {
		bad("producer %q is not a URI", ev.Producer)
	}
	if !isURI(ev.SchemaURL) {
		bad("schemaURL %q is not a URI", ev.SchemaURL)
	}
	if ev.EventType != nil && !slices.Contains([]string{"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"}, *ev.EventType) {
		bad("eventType %q is not one of the spec's", *ev.EventType)
	}
	if ev.Run == nil {
		bad("no run")
	} else {
		if _, err := uuid.Parse(ev.Run.RunID); err != nil || len(ev.Run.RunID) != 36 {
			bad("run.runId %q is not a UUID", ev.Run.RunID)
		}
		errs = append(errs, checkFacets("run", ev.Run.Facets)...)
	}
	if ev.Job == nil || ev.Job.Namespace == "" || ev.Job.Name == "" {
		bad("job needs a namespace and a name")
	} else {
		errs = append(errs, checkFacets("job", ev.Job.Facets)...)
	}
	for what, ds := range map[string][]checkDataset{"inputs": ev.Inputs, "outputs": ev.Outputs} {
		for i, d := range ds {
			p := fmt.Sprintf("%s[%d]", what, i)
			if d.Namespace == "" || d.Name == "" {
				bad("%s needs a namespace and a name", p)
			}
			errs = append(errs, checkFacets(p, d.Facets)...)
			errs = append(errs, checkFacets(p+".inputFacets", d.InputFacets)...)
			errs = append(errs, checkFacets(p+".outputFacets", d.OutputFacets)...)
		}
	}
	return errors.Join(errs...)
}

type checkDataset struct {
	Namespace    string                     `json:"namespace"`
	Name         string                     `json:"name"`
	Facets       map[string]json.RawMessage `json:"facets"`
	InputFacets  map[string]json.RawMessage `json:"inputFacets"`
	OutputFacets map[string]json.RawMessage `json:"outputFacets"`
}

func checkFacets(where string, facets map[string]json.RawMessage) []error {
	var errs []error
	for name, raw := range facets {
		var f struct {
			Producer  string `json:"_producer"`
			SchemaURL string `json:"_schemaURL"`
		}
		if err := json.Unmarshal(raw, &f); err != nil || !isURI(f.Producer) || !isURI(f.SchemaURL) {
			errs = append(errs, fmt.Errorf("lineage event: %s facet %q needs _producer and _schemaURL URIs", where, name))
		}
	}
	return errs
}

func isURI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "" || u.Path != "")
}

// Options configures an Emitter. At least one of URL and File is set.
type Options struct {
	Builder
	// URL receives each event as a POST of its JSON.
	URL string
	// File gets each event appended as one line of JSON.
	File string
	// Client sends to URL; nil means a client with a 10 s timeout.
	Client *http.Client
}

// Emitter sends events to the configured sinks.
type Emitter struct {
	o  Options
	mu sync.Mutex // one file append at a time
}

// New returns an emitter for o.
func New(o Options) (*Emitter, error) {
	if o.URL == "" && o.File == "" {
		return nil, errors.New("lineage: neither url nor file")
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Namespace == "" {
		o.Namespace = "tradepipe"
	}
	return &Emitter{o: o}, nil
}

// Emit builds the event of type t at at for rel and sends it to every
// sink. A nil Emitter sends nothing. ctx bounds the sends.
func (e *Emitter) Emit(ctx context.Context, t EventType, at time.Time, rel Release) error {
	if e == nil {
		return nil
	}
	ev, err := e.o.Build(t, at, rel)
	if err != nil {
		return err
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("lineage event: %w", err)
	}
	var errs []error
	if e.o.URL != "" {
		errs = append(errs, e.post(ctx, body))
	}
	if e.o.File != "" {
		errs = append(errs, e.append(body))
	}
	return errors.Join(errs...)
}

func (e *Emitter) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.o.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("lineage: post: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.o.Client.Do(req)
	if err != nil {
		return fmt.Errorf("lineage: post: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("lineage: post: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return nil
}

// append writes the event and its newline in one write to a file opened
// O_APPEND, so lines of several processes never interleave.
func (e *Emitter) append(body []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	f, err := os.OpenFile(e.o.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return fmt.Errorf("lineage: %w", err)
	}
	_, err = f.Write(append(body, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("lineage: write %s: %w", e.o.File, err)
	}
	return nil
}
